import NIOCore
import SMTPCore

/// Closes a connection whose client sent nothing for the idle timeout, after telling it why.
///
/// Sits behind an `IdleStateHandler`; writes `reply` and closes on its read-idle event.
final class SMTPIdleTimeoutHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let reply: SMTPReply

    init(reply: SMTPReply) {
        self.reply = reply
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            let buffer = context.channel.allocator.buffer(bytes: reply.encoded)
            context.writeAndFlush(NIOAny(buffer)).whenComplete { [channel = context.channel] _ in
                channel.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
