/// The replies this module produces, in one place so codes and texts stay consistent.
///
/// Basic codes follow RFC 5321 section 4.2.2 (and 4.3.2 for which command may get which
/// reply); enhanced codes follow RFC 3463 and the IANA registry (RFC 5248).
extension SMTPReply {
    // MARK: Parser (RFC 5321 section 4.2.2, RFC 3463 section 3.6)

    /// 500 5.5.2: the line is not a valid command line (control characters, invalid UTF-8,
    /// non-ASCII where it is not allowed, empty line).
    static let invalidCommandLine = SMTPReply(500, "5.5.2", "Syntax error, invalid characters in command line")
    /// 500 5.5.2: the command line exceeded ``SMTPDefaults/maxCommandLineLength``
    /// (RFC 5321 section 4.5.3.1.10 suggests "500 Line too long").
    static let commandLineTooLong = SMTPReply(500, "5.5.2", "Line too long")
    /// 500 5.5.1: unknown command verb.
    static let unknownCommand = SMTPReply(500, "5.5.1", "Command unrecognized")
    /// 502 5.5.1: a command RFC 5321 or an extension defines but this server does not
    /// implement (EXPN, TURN, ETRN, BDAT, AUTH, ...).
    static let commandNotImplemented = SMTPReply(502, "5.5.1", "Command not implemented")
    /// 501 5.5.4: wrong or missing arguments; the text shows the expected form.
    static func syntax(_ usage: String) -> SMTPReply { SMTPReply(501, "5.5.4", "Syntax: \(usage)") }
    /// 501 5.1.7: bad sender's mailbox address syntax (RFC 3463 X.1.7).
    static let badSenderAddress = SMTPReply(501, "5.1.7", "Bad sender address syntax")
    /// 501 5.1.3: bad destination mailbox address syntax (RFC 3463 X.1.3).
    static let badRecipientAddress = SMTPReply(501, "5.1.3", "Bad recipient address syntax")
    /// 501 5.5.4: an ESMTP parameter does not match `esmtp-param`.
    static let badParameterSyntax = SMTPReply(501, "5.5.4", "Invalid parameter syntax")

    // MARK: Session (RFC 5321 sections 3.1 - 4.1.4)

    /// 220 greeting (RFC 5321 section 4.3.1); no enhanced code (RFC 2034 section 3).
    static func greeting(_ hostname: String) -> SMTPReply { SMTPReply(220, nil, "\(hostname) ESMTP FastSMTP") }
    /// 250 reply to HELO; no enhanced code (RFC 2034 section 3).
    static func helo(_ hostname: String, client: String) -> SMTPReply {
        SMTPReply(250, nil, "\(hostname) greets \(client)")
    }
    static let ok = SMTPReply(250, "2.0.0", "OK")
    static let senderOK = SMTPReply(250, "2.1.0", "Sender OK")
    static let recipientOK = SMTPReply(250, "2.1.5", "Recipient OK")
    /// 354 (RFC 5321 section 4.3.2); RFC 3463 has no 3.x.x class, so no enhanced code.
    static let startMailInput = SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>")
    static func queued(_ id: String) -> SMTPReply { SMTPReply(250, "2.0.0", "queued as \(id)") }
    static func closing(_ hostname: String) -> SMTPReply { SMTPReply(221, "2.0.0", "\(hostname) closing connection") }
    /// 252 (RFC 5321 section 3.5.3): the server does not verify addresses.
    static let cannotVerify = SMTPReply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery")
    static let help = SMTPReply(
        214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP; see RFC 5321")
    /// 220 2.0.0 (RFC 3207 section 4).
    static let readyToStartTLS = SMTPReply(220, "2.0.0", "Ready to start TLS")

    // MARK: Session errors

    /// 503 5.5.1: bad sequence of commands (RFC 5321 section 4.3.2).
    static func badSequence(_ text: String) -> SMTPReply { SMTPReply(503, "5.5.1", text) }
    /// 554 5.5.1: DATA after MAIL when every RCPT was refused (RFC 5321 section 3.3).
    static let noValidRecipients = SMTPReply(554, "5.5.1", "No valid recipients")
    /// 530 5.7.0 (RFC 3207 section 4): the listener requires TLS and the client has not
    /// started it yet.
    static let tlsRequired = SMTPReply(530, "5.7.0", "Must issue a STARTTLS command first")
    /// 502 5.5.1: STARTTLS is not offered on this listener.
    static let startTLSNotAvailable = SMTPReply(502, "5.5.1", "STARTTLS not available")
    /// 555 5.5.4: MAIL/RCPT parameters not recognized or not implemented
    /// (RFC 5321 section 4.1.1.11).
    static let parametersRequireEHLO = SMTPReply(555, "5.5.4", "ESMTP parameters require EHLO")
    static func unsupportedParameter(_ keyword: String) -> SMTPReply {
        SMTPReply(555, "5.5.4", "Unsupported parameter \(keyword)")
    }
    static func duplicateParameter(_ keyword: String) -> SMTPReply {
        SMTPReply(501, "5.5.4", "Duplicate parameter \(keyword)")
    }
    static let invalidSizeValue = SMTPReply(501, "5.5.4", "Invalid SIZE value")
    static let invalidBodyValue = SMTPReply(501, "5.5.4", "Unsupported BODY value, use 7BIT or 8BITMIME")
    static let smtpUTF8TakesNoValue = SMTPReply(501, "5.5.4", "SMTPUTF8 takes no value")
    /// 552 5.3.4 (RFC 1870 section 6, RFC 3463 X.3.4).
    static let messageTooLarge = SMTPReply(552, "5.3.4", "Message size exceeds fixed maximum message size")
    /// 500 5.6.0: a DATA text line exceeded ``SMTPDefaults/maxTextLineLength``. The basic
    /// code follows RFC 5321 section 4.5.3.1.10 ("500 Line too long"); the enhanced code is
    /// RFC 3463 X.6.0 (other media error), because the fault is in the message content.
    static let textLineTooLong = SMTPReply(500, "5.6.0", "Line too long in message content")
    /// 554 5.6.0: the DATA content held a bare CR or LF (RFC 5321 section 2.3.8). 554 is the
    /// "transaction failed" reply to the end of data (section 4.3.2); X.6.0 is a media error.
    static let bareLineEnding = SMTPReply(
        554, "5.6.0", "Message refused: bare CR or LF in content; lines must end with CRLF")
    /// 451 4.3.1: no room for the message right now (RFC 3463 X.3.1, mail system full); the client retries.
    static let insufficientStorage = SMTPReply(
        451, "4.3.1", "Insufficient system storage, try again later")
    /// 452 4.5.3 (RFC 5321 section 4.5.3.1.10, RFC 3463 X.5.3).
    static let tooManyRecipients = SMTPReply(452, "4.5.3", "Too many recipients")
    /// 553 5.6.7: a non-ASCII address without SMTPUTF8 (RFC 6531 section 3.5).
    static let nonASCIIAddressWithoutSMTPUTF8 = SMTPReply(
        553, "5.6.7", "Non-ASCII addresses require the SMTPUTF8 parameter")

    // MARK: Closing (RFC 5321 section 3.8)

    static func tooManyErrors(_ hostname: String) -> SMTPReply {
        SMTPReply(421, "4.7.0", "\(hostname) Too many errors, closing connection")
    }
    static func timeout(_ hostname: String) -> SMTPReply {
        SMTPReply(421, "4.4.2", "\(hostname) Timeout exceeded, closing connection")
    }
    static func shuttingDown(_ hostname: String) -> SMTPReply {
        SMTPReply(421, "4.3.2", "\(hostname) Service shutting down, closing connection")
    }
}
