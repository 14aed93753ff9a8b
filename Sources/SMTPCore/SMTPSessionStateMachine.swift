/// The server side of one SMTP session as a pure state machine (RFC 5321 sections 3 and 4).
///
/// Modelled on postgres-nio's `ConnectionStateMachine`: the states carry their data, every
/// input returns the ``Action`` the caller performs, and inputs that a correct caller can
/// never produce in the current state stop the process with `preconditionFailure` and a
/// message naming the state.
///
/// Inputs that may race with the end of the session (a recipient lookup or a delivery
/// finishing after an idle timeout closed the session, say) do not trap: once closed,
/// every input returns `.replyAndClose` with the reply that closed the session.
///
/// Error accounting: every 5xx reply to client input counts as an error, as does a 5xx
/// ``RecipientCheckResult/rejected(_:)``. 4xx replies (`452 4.5.3` too many recipients,
/// transient lookup failures) and delivery failures passed to ``deliveryFinished(_:)``
/// do not. The error reply that reaches ``SMTPSessionConfiguration/maxErrors`` is replaced
/// by `421 4.7.0` and the session closes.
public struct SMTPSessionStateMachine: Sendable {
    /// What the caller does next.
    public enum Action: Sendable, Hashable {
        /// Write the reply, then go on reading commands.
        case reply(SMTPReply)
        /// Write the reply, then close the connection.
        case replyAndClose(SMTPReply)
        /// Look the recipient up (asynchronously), then call
        /// ``SMTPSessionStateMachine/recipientChecked(_:)``. Read no further commands until then.
        case checkRecipient(String, SMTPEnvelope)
        /// Write this 354 reply, then read DATA content from the framer
        /// (``SMTPInputFramer/nextData()``).
        case startData(SMTPReply)
        /// Store the message, then call ``SMTPSessionStateMachine/deliveryFinished(_:)``.
        case deliver(SMTPEnvelope, message: [UInt8])
        /// Write the 220 reply, discard any input buffered after the STARTTLS line
        /// (RFC 3207 section 4.2, command injection) and start the TLS handshake; the
        /// session then waits for a new EHLO.
        case startTLS(SMTPReply)
    }

    struct Transaction: Sendable, Hashable {
        var envelope: SMTPEnvelope
        /// Whether any RCPT reached the machine in this transaction (for 554 vs 503 on DATA).
        var recipientAttempted = false
    }

    enum State: Sendable, Hashable {
        /// Before ``connected()``.
        case awaitingConnection
        /// Greeted; no HELO/EHLO yet (also after STARTTLS, RFC 3207 section 4.2).
        case awaitingHello
        /// HELO/EHLO done, no mail transaction.
        case ready(helo: String, usedEHLO: Bool)
        /// MAIL accepted; collecting recipients.
        case transaction(Transaction)
        /// Waiting for ``recipientChecked(_:)`` about `address`.
        case checkingRecipient(Transaction, address: String)
        /// 354 sent; waiting for ``dataReceived(_:)`` or ``dataRejected(_:)``.
        case receivingData(Transaction)
        /// `.deliver` issued; waiting for ``deliveryFinished(_:)``.
        case delivering(Transaction)
        /// The session ended with this reply.
        case closed(SMTPReply)
    }

    let configuration: SMTPSessionConfiguration
    var state: State = .awaitingConnection
    /// Error replies sent so far (see the type's documentation).
    public internal(set) var errorCount = 0
    /// Set by ``shutdownRequested()`` during a transaction: the session closes with
    /// `421 4.3.2` at the first command after the transaction ends.
    public internal(set) var isShutdownPending = false
    /// Set once STARTTLS was accepted; STARTTLS is then no longer advertised or accepted.
    public internal(set) var isTLSActive = false

    /// - Parameters:
    ///   - configuration: the session's limits and extensions.
    ///   - tlsActive: `true` when the connection is encrypted from the start (implicit TLS,
    ///     RFC 8314): STARTTLS is then neither advertised nor accepted, and
    ///     ``SMTPSessionConfiguration/requireTLS`` is satisfied.
    public init(configuration: SMTPSessionConfiguration, tlsActive: Bool = false) {
        self.configuration = configuration
        self.isTLSActive = tlsActive
    }

    /// `true` from an accepted MAIL until the transaction ends (delivery finished, DATA
    /// refused, RSET, HELO/EHLO, or the session closed).
    public var isInTransaction: Bool {
        switch state {
        case .transaction, .checkingRecipient, .receivingData, .delivering: true
        case .awaitingConnection, .awaitingHello, .ready, .closed: false
        }
    }

    /// `true` between `.startData` and ``dataReceived(_:)`` / ``dataRejected(_:)``.
    public var isReceivingData: Bool {
        if case .receivingData = state { return true }
        return false
    }

    /// `true` once an action `.replyAndClose` was returned.
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    // MARK: - Inputs

    /// The connection is open: returns the `220 <hostname> ESMTP FastSMTP` greeting
    /// (RFC 5321 section 4.3.1; no enhanced code, RFC 2034 section 3).
    public mutating func connected() -> Action {
        switch state {
        case .awaitingConnection:
            state = .awaitingHello
            return .reply(.greeting(configuration.hostname))
        case .closed(let reply):
            return .replyAndClose(reply)
        default:
            preconditionFailure("SMTPSessionStateMachine.connected() called twice (state: \(state))")
        }
    }

    /// One command line arrived (without CRLF). Parses and executes it.
    public mutating func commandLineReceived(_ line: [UInt8]) -> Action {
        if let action = checkReadyForCommand("commandLineReceived(_:)") { return action }
        let command: SMTPCommand
        do throws(SMTPReply) {
            command = try SMTPCommandParser.parse(line)
        } catch {
            if isShutdownPending, !isInTransaction { return close(.shuttingDown(configuration.hostname)) }
            return errorReply(error)
        }
        return handle(command)
    }

    /// The framer discarded a command line longer than
    /// ``SMTPDefaults/maxCommandLineLength``: `500 5.5.2 Line too long`
    /// (RFC 5321 section 4.5.3.1.10); counts as an error.
    public mutating func commandLineTooLong() -> Action {
        if let action = checkReadyForCommand("commandLineTooLong()") { return action }
        if isShutdownPending, !isInTransaction { return close(.shuttingDown(configuration.hostname)) }
        return errorReply(.commandLineTooLong)
    }

    /// The lookup asked for by `.checkRecipient` finished. Accepted: `250 2.1.5`;
    /// rejected: the given reply.
    public mutating func recipientChecked(_ result: RecipientCheckResult) -> Action {
        switch state {
        case .checkingRecipient(var transaction, let address):
            switch result {
            case .accepted:
                transaction.envelope.recipients.append(address)
                state = .transaction(transaction)
                return .reply(.recipientOK)
            case .rejected(let reply):
                state = .transaction(transaction)
                return reply.isPermanent ? errorReply(reply) : .reply(reply)
            }
        case .closed(let reply):
            return .replyAndClose(reply)
        default:
            preconditionFailure(
                "SMTPSessionStateMachine.recipientChecked(_:) without a pending .checkRecipient (state: \(state))")
        }
    }

    /// The DATA content arrived (dot-unstuffed, ending in CRLF): returns `.deliver`.
    /// Content larger than ``SMTPSessionConfiguration/maxMessageSize`` is refused as in
    /// ``dataRejected(_:)`` with ``SMTPDataError/tooLarge``.
    public mutating func dataReceived(_ message: [UInt8]) -> Action {
        switch state {
        case .receivingData(let transaction):
            if message.count > configuration.maxMessageSize { return dataRejected(.tooLarge) }
            state = .delivering(transaction)
            return .deliver(transaction.envelope, message: message)
        case .closed(let reply):
            return .replyAndClose(reply)
        default:
            preconditionFailure("SMTPSessionStateMachine.dataReceived(_:) outside DATA (state: \(state))")
        }
    }

    /// The framer (or the server) refused the DATA content. `.tooLarge`: `552 5.3.4`; `.lineTooLong`:
    /// `500 5.6.0`; `.bareLineEnding`: `554 5.6.0`, all counted as errors; `.insufficientStorage`:
    /// `451 4.3.1`, not counted (the server's condition, not the client's). The transaction is
    /// reset either way.
    public mutating func dataRejected(_ reason: SMTPDataError) -> Action {
        switch state {
        case .receivingData(let transaction):
            state = .ready(helo: transaction.envelope.helo, usedEHLO: transaction.envelope.usedEHLO)
            switch reason {
            case .tooLarge: return errorReply(.messageTooLarge)
            case .lineTooLong: return errorReply(.textLineTooLong)
            case .bareLineEnding: return errorReply(.bareLineEnding)
            case .insufficientStorage: return .reply(.insufficientStorage)
            }
        case .closed(let reply):
            return .replyAndClose(reply)
        default:
            preconditionFailure("SMTPSessionStateMachine.dataRejected(_:) outside DATA (state: \(state))")
        }
    }

    /// The delivery asked for by `.deliver` finished. Success: `250 2.0.0 queued as <id>`;
    /// failure: the given reply (for example `451 4.3.0`), passed through and not counted
    /// as a client error. The transaction is reset either way.
    ///
    /// The reply is always sent with `.reply`, even when a shutdown is pending: the client
    /// must learn that its message was accepted. The pending `421 4.3.2` answers the
    /// next command (RFC 5321 section 3.8).
    public mutating func deliveryFinished(_ result: Result<String, SMTPReply>) -> Action {
        switch state {
        case .delivering(let transaction):
            state = .ready(helo: transaction.envelope.helo, usedEHLO: transaction.envelope.usedEHLO)
            switch result {
            case .success(let queueID): return .reply(.queued(queueID))
            case .failure(let reply): return .reply(reply)
            }
        case .closed(let reply):
            return .replyAndClose(reply)
        default:
            preconditionFailure(
                "SMTPSessionStateMachine.deliveryFinished(_:) without a pending .deliver (state: \(state))")
        }
    }

    /// The client was idle too long (``SMTPDefaults/idleTimeoutSeconds``,
    /// RFC 5321 section 4.5.3.2.7): `421 4.4.2` and close.
    public mutating func idleTimeout() -> Action {
        if case .closed(let reply) = state { return .replyAndClose(reply) }
        return close(.timeout(configuration.hostname))
    }

    /// The server is stopping. Outside a transaction: `421 4.3.2` and close. Inside one:
    /// `nil`; the transaction may finish, and the first command after it ends (or an RSET,
    /// HELO or EHLO that ends it) is answered with `421 4.3.2` and close; QUIT still gets
    /// its 221. Calling it again once ``isInTransaction`` is `false` returns the
    /// `421 4.3.2` close at once, so a caller that re-checks after every action sends
    /// `250 queued` followed by the 421. Returns `nil` if the session is already closed.
    public mutating func shutdownRequested() -> Action? {
        switch state {
        case .closed:
            return nil
        case .awaitingConnection, .awaitingHello, .ready:
            return close(.shuttingDown(configuration.hostname))
        case .transaction, .checkingRecipient, .receivingData, .delivering:
            isShutdownPending = true
            return nil
        }
    }

    // MARK: - Helpers

    /// Returns an action if no command may be processed now, trapping on caller errors.
    private func checkReadyForCommand(_ input: String) -> Action? {
        switch state {
        case .awaitingHello, .ready, .transaction:
            return nil
        case .closed(let reply):
            return .replyAndClose(reply)
        case .awaitingConnection:
            preconditionFailure("SMTPSessionStateMachine.\(input) before connected()")
        case .checkingRecipient:
            preconditionFailure(
                "SMTPSessionStateMachine.\(input) while a recipient check is pending; call recipientChecked(_:) first")
        case .receivingData:
            preconditionFailure(
                "SMTPSessionStateMachine.\(input) during DATA; feed the framer's nextData() result to dataReceived(_:)/dataRejected(_:)"
            )
        case .delivering:
            preconditionFailure(
                "SMTPSessionStateMachine.\(input) while a delivery is pending; call deliveryFinished(_:) first")
        }
    }

    /// Sends an error reply, or `421 4.7.0` and close when it is the `maxErrors`-th.
    mutating func errorReply(_ reply: SMTPReply) -> Action {
        errorCount += 1
        if errorCount >= max(1, configuration.maxErrors) {
            return close(.tooManyErrors(configuration.hostname))
        }
        return .reply(reply)
    }

    mutating func close(_ reply: SMTPReply) -> Action {
        state = .closed(reply)
        return .replyAndClose(reply)
    }
}
