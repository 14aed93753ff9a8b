import Logging
import NIOCore
import SMTPCore

/// One client connection: feeds bytes through the framer into the session state machine and carries out its
/// actions (write replies, look up recipients, store messages). All protocol decisions are the state machine's.
struct SMTPConnection {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let control: ConnectionControl
    let configuration: SMTPSessionConfiguration
    let delegate: any SMTPTransactionDelegate
    let logger: Logger
    let info: SMTPConnectionInfo

    init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, configuration: SMTPSessionConfiguration,
         delegate: any SMTPTransactionDelegate, logger: Logger) {
        self.channel = channel
        self.control = ConnectionControl(channel: channel.channel)
        self.configuration = configuration
        self.delegate = delegate
        let info = SMTPConnectionInfo(
            id: String(UInt64.random(in: 0...UInt64.max), radix: 36),
            clientIP: channel.channel.remoteAddress?.ipAddress ?? "",
            tls: false
        )
        self.info = info
        var logger = logger
        logger[metadataKey: "smtp.session.id"] = "\(info.id)"
        logger[metadataKey: "smtp.client.ip"] = "\(info.clientIP)"
        self.logger = logger
    }

    func run() async {
        logger.debug("SMTP connection opened")
        do {
            try await channel.executeThenClose { inbound, outbound in
                var session = Session(
                    machine: SMTPSessionStateMachine(configuration: configuration),
                    framer: SMTPInputFramer(maxMessageSize: configuration.maxMessageSize),
                    outbound: outbound
                )
                try await perform(session.machine.connected(), in: &session)
                try await session.flush()
                if session.closed { return }
                for try await buffer in inbound {
                    session.framer.append(buffer.readableBytesView)
                    try await process(&session)
                    if session.closed { return }
                }
            }
        } catch {
            logger.debug("SMTP connection ended with an error", metadata: ["error": "\(error)"])
        }
        logger.debug("SMTP connection closed")
    }

    /// The per-connection mutable state, owned by the connection's task.
    struct Session {
        var machine: SMTPSessionStateMachine
        var framer: SMTPInputFramer
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        var pending: [UInt8] = []
        var closed = false

        /// Writes the replies gathered so far in one packet (RFC 2920 lets pipelined replies be batched).
        mutating func flush() async throws {
            guard !pending.isEmpty else { return }
            let bytes = pending
            pending.removeAll(keepingCapacity: true)
            try await outbound.write(ByteBuffer(bytes: bytes))
        }
    }

    /// Handles every complete command or message buffered so far, in order.
    private func process(_ session: inout Session) async throws {
        while !session.closed {
            let action: SMTPSessionStateMachine.Action
            if session.machine.isReceivingData {
                guard let event = session.framer.nextData() else { break }
                switch event {
                case .message(let message): action = session.machine.dataReceived(message)
                case .rejected(let reason): action = session.machine.dataRejected(reason)
                }
            } else {
                guard let event = session.framer.nextCommand() else { break }
                switch event {
                case .line(let line): action = session.machine.commandLineReceived(line)
                case .lineTooLong: action = session.machine.commandLineTooLong()
                }
            }
            try await perform(action, in: &session)
            control.update(inTransaction: session.machine.isInTransaction)
            if control.shutdownRequested, !session.closed, let final = session.machine.shutdownRequested() {
                try await perform(final, in: &session)
            }
        }
        try await session.flush()
    }

    /// Carries out one action and those that follow from it.
    private func perform(_ first: SMTPSessionStateMachine.Action, in session: inout Session) async throws {
        var next: SMTPSessionStateMachine.Action? = first
        while let action = next {
            next = nil
            switch action {
            case .reply(let reply), .startData(let reply):
                session.pending.append(contentsOf: reply.encoded)
            case .replyAndClose(let reply):
                session.pending.append(contentsOf: reply.encoded)
                session.closed = true
                if control.markClosing() {
                    try await session.flush()
                }
            case .checkRecipient(let address, let envelope):
                let result = await delegate.checkRecipient(address, envelope: envelope, connection: info)
                next = session.machine.recipientChecked(result)
            case .deliver(let envelope, let message):
                // Acknowledge nothing before the message is durable; let the client see earlier replies meanwhile.
                try await session.flush()
                let result = await delegate.deliver(envelope, message: message, connection: info)
                next = session.machine.deliveryFinished(result)
            case .startTLS:
                // Not offered until TLS is configured (a later issue); the state machine never asks for it then.
                session.pending.append(contentsOf: SMTPReply(454, "4.7.0", "TLS not available").encoded)
            }
        }
    }
}
