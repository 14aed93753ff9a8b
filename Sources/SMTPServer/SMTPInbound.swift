import NIOCore
import NIOSSL
import NIOTLS

/// What a connection's task reads: client bytes, and the pipeline's news in the same ordered stream, so the task
/// knows exactly which bytes came before the PROXY header was parsed or before the TLS handshake completed.
enum SMTPInbound: Sendable {
    /// Bytes from the client (decrypted once TLS is on).
    case bytes(ByteBuffer)
    /// The PROXY protocol header was read (``ProxyProtocolHandler``).
    case proxyHeader(ProxyProtocolHeader)
    /// The TLS handshake completed; every byte after this came through TLS.
    case tlsEstablished(version: String?)
}

/// The last handler before the async channel: wraps bytes and turns the PROXY and TLS user events into
/// ``SMTPInbound`` messages, in the order they happened.
final class SMTPInboundHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPInbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(.bytes(unwrapInboundIn(data))))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let header as ProxyProtocolHeader:
            // The async channel hands reads over at read-complete; an event is not part of a read cycle.
            context.fireChannelRead(wrapInboundOut(.proxyHeader(header)))
            context.fireChannelReadComplete()
        case let tls as TLSUserEvent:
            if case .handshakeCompleted = tls {
                let version = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap { $0 }
                context.fireChannelRead(wrapInboundOut(.tlsEstablished(version: version.map(Self.name))))
                context.fireChannelReadComplete()
            }
            context.fireUserInboundEventTriggered(event)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }
}
