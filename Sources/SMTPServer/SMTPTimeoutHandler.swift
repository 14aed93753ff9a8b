import NIOCore
import SMTPCore

/// Closes a connection whose client is too slow (see ``SMTPReadDeadline``), after telling it why with
/// `421 4.4.2`. The connection's task reports phase changes with an outbound user event
/// (``SMTPReadDeadline/Phase``); the handler counts the octets itself and keeps one timer armed for the earliest
/// deadline. Time comes from the event loop, so tests drive it with an `EmbeddedEventLoop`.
final class SMTPTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Timeouts: Sendable {
        var idle: TimeAmount
        var command: TimeAmount
        var data: TimeAmount
        var minDataRate: Int
    }

    let timeouts: Timeouts
    let reply: SMTPReply
    private var clock: SMTPReadDeadline?
    private var timer: Scheduled<Void>?
    private var timedOut = false

    init(timeouts: Timeouts, reply: SMTPReply) {
        self.timeouts = timeouts
        self.reply = reply
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        clock?.received(unwrapInboundIn(data).readableBytes, at: context.eventLoop.now)
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let phase = event as? SMTPReadDeadline.Phase else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        clock?.enter(phase, at: context.eventLoop.now)
        arm(context: context)
        promise?.succeed()
    }

    private func start(context: ChannelHandlerContext) {
        guard clock == nil else { return }
        clock = SMTPReadDeadline(
            idleTimeout: timeouts.idle, commandTimeout: timeouts.command, dataTimeout: timeouts.data,
            minDataRate: timeouts.minDataRate, now: context.eventLoop.now
        )
        arm(context: context)
    }

    /// (Re)arms the timer for the current deadline; the deadline only moves later with reads, so a timer that fires
    /// early simply re-arms.
    private func arm(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        guard !timedOut, let deadline = clock?.deadline else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let clock, !timedOut else { return }
        guard clock.isExpired(at: context.eventLoop.now) else {
            arm(context: context)
            return
        }
        timedOut = true
        let buffer = context.channel.allocator.buffer(bytes: reply.encoded)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { [channel = context.channel] _ in
            channel.close(promise: nil)
        }
    }
}
