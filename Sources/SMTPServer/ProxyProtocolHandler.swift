import NIOCore

/// Reads the PROXY protocol header at the start of a connection, announces it as an inbound user event (a
/// ``ProxyProtocolHeader``), passes on whatever followed it and removes itself. A connection without a valid header is
/// closed: a listener that expects the header never serves a client that could forge its own address by omitting it.
///
/// Sits first in the pipeline, in front of TLS: the balancer sends the header in plaintext before the handshake.
final class ProxyProtocolHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Why a connection was refused; fired as an error before the channel closes.
    struct InvalidHeader: Error, CustomStringConvertible {
        var description: String
    }

    let mode: ProxyProtocolMode
    private var buffered: [UInt8] = []
    private var done = false

    init(mode: ProxyProtocolMode) {
        self.mode = mode
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else {
            context.fireChannelRead(data)
            return
        }
        buffered.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        switch ProxyProtocolHeader.parse(buffered, mode: mode) {
        case .incomplete:
            return
        case .invalid(let reason):
            done = true
            buffered = []
            context.fireErrorCaught(InvalidHeader(description: reason))
            context.close(promise: nil)
        case .header(let header, let length):
            done = true
            let rest = buffered[length...]
            buffered = []
            context.fireUserInboundEventTriggered(header)
            if !rest.isEmpty {
                context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: rest)))
                context.fireChannelReadComplete()
            }
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
    }
}
