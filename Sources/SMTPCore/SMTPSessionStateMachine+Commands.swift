/// Command handling (RFC 5321 section 4.1.1; order rules of section 4.1.4; replies of
/// section 4.3.2).
extension SMTPSessionStateMachine {
    /// Executes a parsed command. The state is `.awaitingHello`, `.ready` or `.transaction`.
    mutating func handle(_ command: SMTPCommand) -> Action {
        // A shutdown is pending and the transaction has ended: every command but QUIT
        // gets 421 (RFC 5321 section 3.8).
        if isShutdownPending, !isInTransaction, command != .quit {
            return close(.shuttingDown(configuration.hostname))
        }
        if configuration.requireTLS, !isTLSActive {
            switch command {
            case .mailFrom, .rcptTo, .data, .vrfy:
                return errorReply(.tlsRequired)  // RFC 3207 section 4
            case .helo, .ehlo, .rset, .noop, .quit, .help, .starttls:
                break
            }
        }
        switch command {
        case .helo(let name), .ehlo(let name):
            // RFC 5321 section 4.1.4: EHLO/HELO in the middle of a transaction resets it.
            if isShutdownPending { return close(.shuttingDown(configuration.hostname)) }
            let usedEHLO = command == .ehlo(name)
            state = .ready(helo: name, usedEHLO: usedEHLO)
            return .reply(usedEHLO ? ehloReply(client: name) : .helo(configuration.hostname, client: name))
        case .mailFrom(let reversePath, let parameters):
            return mail(reversePath: reversePath, parameters: parameters)
        case .rcptTo(let forwardPath, let parameters):
            return rcpt(forwardPath: forwardPath, parameters: parameters)
        case .data:
            return data()
        case .rset:
            // RFC 5321 section 4.1.1.5: aborts the transaction, keeps the HELO/EHLO.
            if isShutdownPending { return close(.shuttingDown(configuration.hostname)) }
            if case .transaction(let transaction) = state {
                state = .ready(helo: transaction.envelope.helo, usedEHLO: transaction.envelope.usedEHLO)
            }
            return .reply(.ok)
        case .noop:
            return .reply(.ok)
        case .quit:
            // RFC 5321 section 4.1.1.10: 221, then close.
            return close(.closing(configuration.hostname))
        case .vrfy:
            // RFC 5321 section 3.5.3: 252 when the server does not verify.
            return .reply(.cannotVerify)
        case .help:
            return .reply(.help)
        case .starttls:
            return startTLS()
        }
    }

    /// The multi-line EHLO reply (RFC 5321 section 4.1.1.1): the greeting line, then one
    /// line per extension keyword. No enhanced code (RFC 2034 section 3).
    func ehloReply(client: String) -> SMTPReply {
        var lines = [
            "\(configuration.hostname) greets \(client)",
            "SIZE \(configuration.maxMessageSize)",  // RFC 1870
            "8BITMIME",  // RFC 6152
            "SMTPUTF8",  // RFC 6531
            "PIPELINING",  // RFC 2920
            "ENHANCEDSTATUSCODES",  // RFC 2034
        ]
        if configuration.startTLSAvailable, !isTLSActive {
            lines.append("STARTTLS")  // RFC 3207
        }
        lines.append("HELP")
        return SMTPReply(code: 250, enhancedStatus: nil, lines: lines)
    }

    /// MAIL (RFC 5321 section 4.1.1.2): only after HELO/EHLO and outside a transaction.
    private mutating func mail(reversePath: String, parameters: [SMTPParameter]) -> Action {
        switch state {
        case .awaitingHello:
            return errorReply(.badSequence("Send HELO/EHLO first"))
        case .transaction:
            return errorReply(.badSequence("Nested MAIL command"))
        case .ready(let helo, let usedEHLO):
            var envelope = SMTPEnvelope(helo: helo, usedEHLO: usedEHLO, mailFrom: reversePath)
            do throws(SMTPReply) {
                try applyMailParameters(parameters, to: &envelope)
            } catch {
                return errorReply(error)
            }
            if !envelope.smtpUTF8, reversePath.utf8.contains(where: \.isNonASCII) {
                return errorReply(.nonASCIIAddressWithoutSMTPUTF8)
            }
            state = .transaction(Transaction(envelope: envelope))
            return .reply(.senderOK)
        default:
            preconditionFailure("MAIL handled in state \(state)")
        }
    }

    /// RCPT (RFC 5321 section 4.1.1.3): only inside a transaction.
    ///
    /// A recipient already accepted in this transaction (compared ASCII case-insensitively,
    /// as routing is) is acknowledged again with `250 2.1.5` without a new lookup and not
    /// added twice. The recipient limit is checked before `.checkRecipient` is issued.
    private mutating func rcpt(forwardPath: String, parameters: [SMTPParameter]) -> Action {
        switch state {
        case .awaitingHello:
            return errorReply(.badSequence("Send HELO/EHLO first"))
        case .ready:
            return errorReply(.badSequence("Need MAIL before RCPT"))
        case .transaction(var transaction):
            transaction.recipientAttempted = true
            state = .transaction(transaction)
            let envelope = transaction.envelope
            if let first = parameters.first {
                // No RCPT parameters are supported (no DSN, RFC 3461).
                return errorReply(envelope.usedEHLO ? .unsupportedParameter(first.keyword) : .parametersRequireEHLO)
            }
            if !envelope.smtpUTF8, forwardPath.utf8.contains(where: \.isNonASCII) {
                return errorReply(.nonASCIIAddressWithoutSMTPUTF8)
            }
            let folded = Self.asciiLowercased(forwardPath)
            if envelope.recipients.contains(where: { Self.asciiLowercased($0) == folded }) {
                return .reply(.recipientOK)
            }
            if envelope.recipients.count >= configuration.maxRecipients {
                return .reply(.tooManyRecipients)  // 4xx: not counted as an error
            }
            state = .checkingRecipient(transaction, address: forwardPath)
            return .checkRecipient(forwardPath, envelope)
        default:
            preconditionFailure("RCPT handled in state \(state)")
        }
    }

    /// DATA (RFC 5321 section 4.1.1.4). Without MAIL: 503. With MAIL but no accepted
    /// recipient: 503 if no RCPT was tried, 554 5.5.1 "No valid recipients" if every
    /// RCPT was refused (section 3.3 allows either). The transaction is kept.
    private mutating func data() -> Action {
        switch state {
        case .awaitingHello:
            return errorReply(.badSequence("Send HELO/EHLO first"))
        case .ready:
            return errorReply(.badSequence("Need MAIL command"))
        case .transaction(let transaction):
            guard !transaction.envelope.recipients.isEmpty else {
                return errorReply(
                    transaction.recipientAttempted ? .noValidRecipients : .badSequence("Need RCPT command"))
            }
            state = .receivingData(transaction)
            return .startData(.startMailInput)
        default:
            preconditionFailure("DATA handled in state \(state)")
        }
    }

    /// STARTTLS (RFC 3207 section 4): only when offered, after HELO/EHLO, outside a
    /// transaction and once per session. Afterwards the client must say EHLO again.
    private mutating func startTLS() -> Action {
        guard configuration.startTLSAvailable else { return errorReply(.startTLSNotAvailable) }
        guard !isTLSActive else { return errorReply(.badSequence("TLS already active")) }
        switch state {
        case .awaitingHello:
            return errorReply(.badSequence("Send EHLO first"))
        case .transaction:
            return errorReply(.badSequence("STARTTLS not allowed during a mail transaction"))
        case .ready:
            isTLSActive = true
            state = .awaitingHello
            return .startTLS(.readyToStartTLS)
        default:
            preconditionFailure("STARTTLS handled in state \(state)")
        }
    }

    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
