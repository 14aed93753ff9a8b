import NIOCore
import NIOSSL
import SMTPCore

extension SMTPConnection {
    /// STARTTLS accepted (RFC 3207 section 4.2): answer 220, drop every byte the client pipelined after the command,
    /// and put TLS in front of the session.
    ///
    /// The 220 (with any replies still pending) is written straight into the channel and the `NIOSSLServerHandler`
    /// inserted in the same event-loop turn, so the 220 leaves in plaintext and the client's first handshake byte,
    /// which it sends only after reading the 220, already meets the TLS handler. Plaintext the pipeline read before
    /// that point is still queued in the async channel: it arrives ahead of ``SMTPInbound/tlsEstablished(version:)``
    /// and is discarded (``Session/awaitingHandshake``), never executed. The state machine already waits for a fresh
    /// EHLO and no longer offers STARTTLS.
    func startTLS(_ reply: SMTPReply, in session: inout Session) async throws {
        let injected = session.framer.bufferedByteCount
        session.framer.discardBufferedInput()
        if injected > 0 {
            logger.warning(
                "discarded commands pipelined after STARTTLS", metadata: ["smtp.discarded.bytes": "\(injected)"])
        }
        guard let context = environment.certificates?.context() else {
            // Not reachable: STARTTLS is only offered with a certificate. Refuse rather than go on in plaintext.
            session.pending.append(
                contentsOf: SMTPReply(454, "4.7.0", "TLS not available due to temporary reason").encoded)
            session.closed = true
            if control.markClosing() { try await session.flush() }
            return
        }
        session.pending.append(contentsOf: reply.encoded)
        let bytes = session.pending
        session.pending.removeAll()
        session.awaitingHandshake = true
        // Replies written earlier through the async writer were handed to the event loop before this task, so the
        // plaintext order on the wire is preserved.
        let channel = channel.channel
        try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            let written = channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
            do {
                let pipeline = channel.pipeline.syncOperations
                let timeout = try pipeline.handler(type: SMTPTimeoutHandler.self)
                try pipeline.addHandler(NIOSSLServerHandler(context: context), position: .before(timeout))
            } catch {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
            return written
        }.get()
    }
}
