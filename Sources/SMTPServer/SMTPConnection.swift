import Logging
import NIOCore
import SMTPCore
import Telemetry

/// One client connection: feeds bytes through the framer into the session state machine and carries out its
/// actions (write replies, look up recipients, store messages, start TLS). All protocol decisions are the state
/// machine's; this type only moves bytes and events.
///
/// Before the session starts it reads the PROXY header (when the listener expects one) and asks the registry to
/// admit the client's address against the connection limits.
struct SMTPConnection {
    /// What the connection needs from its server.
    struct Environment: Sendable {
        var session: SMTPSessionConfiguration
        var proxyProtocol: ProxyProtocolMode
        var registry: ConnectionRegistry
        var certificates: TLSCertificateStore?
        var delegate: any SMTPTransactionDelegate
        var spool: MessageSpoolConfiguration?
        var budget: MessageBudget?
        var metrics: ServerMetrics
    }

    let channel: NIOAsyncChannel<SMTPInbound, ByteBuffer>
    let control: ConnectionControl
    let environment: Environment
    let implicitTLS: Bool
    let logger: Logger
    let id: String

    init(channel: NIOAsyncChannel<SMTPInbound, ByteBuffer>, implicitTLS: Bool, environment: Environment, logger: Logger)
    {
        self.channel = channel
        self.control = ConnectionControl(channel: channel.channel)
        self.environment = environment
        self.implicitTLS = implicitTLS
        self.id = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var logger = logger
        logger[metadataKey: "smtp.session.id"] = "\(id)"
        self.logger = logger
    }

    func run() async {
        var logger = logger
        var info = SMTPConnectionInfo(
            id: id, clientIP: channel.channel.remoteAddress?.ipAddress ?? "", tls: implicitTLS)
        do {
            try await channel.executeThenClose { inbound, outbound in
                var events = inbound.makeAsyncIterator()
                if environment.proxyProtocol != .off {
                    // The PROXY handler sends the header before any byte, or closes the connection.
                    guard case .proxyHeader(let header)? = try await events.next() else {
                        environment.metrics.smtpConnectionRejected(reason: "proxy_protocol")
                        return
                    }
                    logger[metadataKey: "smtp.proxy.peer"] = "\(info.clientIP)"
                    if let source = header.source { info.clientIP = source.ip }
                }
                logger[metadataKey: "smtp.client.ip"] = "\(info.clientIP)"
                logger.debug("SMTP connection opened", metadata: ["smtp.tls": "\(info.tls)"])

                let admission = environment.registry.admit(info.clientIP)
                guard admission == .admitted else {
                    logger.warning("SMTP connection refused: limit reached", metadata: ["smtp.limit": "\(admission)"])
                    environment.metrics.smtpConnectionRejected(
                        reason: admission == .tooManyFromAddress ? "max_connections_per_ip" : "max_connections")
                    let reply = SMTPReply(
                        421, "4.7.0", "\(environment.session.hostname) Too many connections, try again later")
                    if control.markClosing() { try await outbound.write(ByteBuffer(bytes: reply.encoded)) }
                    return
                }
                defer { environment.registry.release(info.clientIP) }
                environment.metrics.smtpConnectionOpened()
                defer { environment.metrics.smtpConnectionClosed() }
                if implicitTLS { environment.metrics.smtpTLSSession(mode: "implicit") }

                var session = Session(
                    machine: SMTPSessionStateMachine(configuration: environment.session, tlsActive: implicitTLS),
                    framer: SMTPInputFramer(maxMessageSize: environment.session.maxMessageSize),
                    outbound: outbound,
                    info: info,
                    budget: environment.budget
                )
                defer { session.endData() }
                try await perform(session.machine.connected(), in: &session)
                try await session.flush()
                while !session.closed, let event = try await events.next() {
                    try await receive(event, in: &session, logger: logger)
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
        var info: SMTPConnectionInfo
        var pending: [UInt8] = []
        var closed = false
        /// STARTTLS was answered and the handshake has not completed: every byte read now was sent in plaintext
        /// after STARTTLS and is discarded (RFC 3207 section 4.2, the command-injection class of bugs).
        var awaitingHandshake = false
        /// The DATA content beyond the spool threshold so far.
        var spool: MessageSpoolFile?
        /// Writing the spool failed (disk full): the rest of the content is read and dropped, then `451 4.3.1`.
        var spoolFailed = false
        /// Budget bytes held by the message being delivered.
        var reserved = 0
        var budget: MessageBudget?

        /// Lets go of what the DATA phase held: the spool file and the budget.
        mutating func endData() {
            spool?.discard()
            spool = nil
            spoolFailed = false
            if reserved > 0 {
                budget?.release(reserved)
                reserved = 0
            }
        }

        /// Writes the replies gathered so far in one packet (RFC 2920 lets pipelined replies be batched).
        mutating func flush() async throws {
            guard !pending.isEmpty else { return }
            let bytes = pending
            pending.removeAll(keepingCapacity: true)
            try await outbound.write(ByteBuffer(bytes: bytes))
        }
    }

    private func receive(_ event: SMTPInbound, in session: inout Session, logger: Logger) async throws {
        switch event {
        case .bytes(let buffer):
            if session.awaitingHandshake {
                logger.warning(
                    "discarded plaintext sent after STARTTLS",
                    metadata: ["smtp.discarded.bytes": "\(buffer.readableBytes)"])
                return
            }
            session.framer.append(buffer.readableBytesView)
            try await process(&session)
        case .tlsEstablished(let version):
            session.awaitingHandshake = false
            session.info.tls = true
            environment.metrics.smtpTLSSession(mode: "starttls")
            logger.debug("TLS established", metadata: ["smtp.tls.version": "\(version ?? "?")"])
        case .proxyHeader:
            break  // only the first event may be a header; the handler removed itself after it
        }
    }

    /// Handles every complete command or message buffered so far, in order.
    private func process(_ session: inout Session) async throws {
        var handledAny = false
        while !session.closed {
            let action: SMTPSessionStateMachine.Action
            if session.machine.isReceivingData {
                guard let event = session.framer.nextData() else {
                    spoolHeldContent(&session)
                    break
                }
                switch event {
                case .message(let tail): action = finishData(tail, in: &session)
                case .rejected(let reason): action = refuseData(reason, in: &session)
                }
            } else {
                guard let event = session.framer.nextCommand() else { break }
                switch event {
                case .line(let line): action = session.machine.commandLineReceived(line)
                case .lineTooLong: action = session.machine.commandLineTooLong()
                }
            }
            handledAny = true
            try await perform(action, in: &session)
            session.endData()
            control.update(inTransaction: session.machine.isInTransaction)
            if control.shutdownRequested, !session.closed, let final = session.machine.shutdownRequested() {
                try await perform(final, in: &session)
            }
        }
        try await session.flush()
        // The client's clock restarts once it has been answered: for its next command, or for the DATA content.
        if handledAny, !session.closed {
            report(session.machine.isReceivingData ? .data : .command)
        }
    }

    /// Moves the DATA content held in memory to the spool file once it passes the threshold.
    private func spoolHeldContent(_ session: inout Session) {
        guard let spool = environment.spool, session.framer.heldDataByteCount >= spool.threshold else { return }
        let content = session.framer.drainDataContent()
        guard !session.spoolFailed else { return }  // dropped: the answer will be 451
        do {
            if session.spool == nil { session.spool = try MessageSpoolFile(directory: spool.directory) }
            try session.spool?.append(content)
        } catch {
            logger.error("spooling DATA failed; the message will get 451", metadata: ["error": "\(error)"])
            session.spool?.discard()
            session.spool = nil
            session.spoolFailed = true
        }
    }

    /// The end of data: the whole message in one buffer, if the budget has room for it; otherwise `451 4.3.1`.
    private func finishData(_ tail: [UInt8], in session: inout Session) -> SMTPSessionStateMachine.Action {
        let size = (session.spool?.size ?? 0) + tail.count
        guard !session.spoolFailed else { return refuseData(.insufficientStorage, in: &session) }
        if let budget = session.budget {
            guard budget.reserve(size) else {
                logger.warning(
                    "message refused: the budget of message bytes in flight is used up",
                    metadata: ["smtp.message.size": "\(size)", "smtp.budget": "\(budget.limit)"])
                return refuseData(.insufficientStorage, in: &session)
            }
            session.reserved = size
        }
        guard let spool = session.spool else { return session.machine.dataReceived(tail) }
        session.spool = nil
        do {
            return session.machine.dataReceived(try spool.finish(appending: tail))
        } catch {
            logger.error("reading the spooled message failed; answered 451", metadata: ["error": "\(error)"])
            return refuseData(.insufficientStorage, in: &session)
        }
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
                report(.serverBusy)
                let result = await environment.delegate.checkRecipient(
                    address, envelope: envelope, connection: session.info)
                next = session.machine.recipientChecked(result)
                if let code = next?.replyCode { environment.metrics.smtpRecipient(code: code) }
            case .deliver(let envelope, let message):
                // Acknowledge nothing before the message is durable; let the client see earlier replies meanwhile.
                try await session.flush()
                report(.serverBusy)
                environment.metrics.smtpMessage(bytes: message.count)
                let result = await environment.delegate.deliver(envelope, message: message, connection: session.info)
                next = counted(session.machine.deliveryFinished(result))
            case .startTLS(let reply):
                try await startTLS(reply, in: &session)
            }
        }
    }

    /// Lets go of the message's data and refuses it; the reply is counted.
    private func refuseData(_ reason: SMTPDataError, in session: inout Session) -> SMTPSessionStateMachine.Action {
        session.endData()
        return counted(session.machine.dataRejected(reason))
    }

    /// Counts the reply that ends a message's data (accepted or refused) and passes the action on.
    private func counted(_ action: SMTPSessionStateMachine.Action) -> SMTPSessionStateMachine.Action {
        if let code = action.replyCode { environment.metrics.smtpTransaction(code: code) }
        return action
    }

    /// Tells the timeout handler what the connection waits for now.
    private func report(_ phase: SMTPReadDeadline.Phase) {
        channel.channel.triggerUserOutboundEvent(phase, promise: nil)
    }
}

extension SMTPSessionStateMachine.Action {
    /// The code of the reply this action sends, if it sends one.
    fileprivate var replyCode: Int? {
        switch self {
        case .reply(let reply), .replyAndClose(let reply), .startData(let reply), .startTLS(let reply): reply.code
        case .checkRecipient, .deliver: nil
        }
    }
}
