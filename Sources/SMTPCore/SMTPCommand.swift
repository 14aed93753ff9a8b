/// One client command, parsed from a command line by ``SMTPCommandParser``.
///
/// RFC 5321 section 4.1.1 defines the commands; STARTTLS comes from RFC 3207.
/// Addresses are kept exactly as the client spelled them (no case folding).
public enum SMTPCommand: Sendable, Hashable {
    /// `helo = "HELO" SP Domain CRLF` (RFC 5321 section 4.1.1.1).
    case helo(String)
    /// `ehlo = "EHLO" SP ( Domain / address-literal ) CRLF` (RFC 5321 section 4.1.1.1).
    case ehlo(String)
    /// `mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF` (RFC 5321 section 4.1.1.2).
    /// `reversePath` is `""` for the null path `<>`; a source route is removed.
    case mailFrom(reversePath: String, parameters: [SMTPParameter])
    /// `rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path )
    /// [SP Rcpt-parameters] CRLF` (RFC 5321 section 4.1.1.3). A source route is removed;
    /// `<Postmaster>` yields the local part alone, as spelled.
    case rcptTo(forwardPath: String, parameters: [SMTPParameter])
    /// `data = "DATA" CRLF` (RFC 5321 section 4.1.1.4).
    case data
    /// `rset = "RSET" CRLF` (RFC 5321 section 4.1.1.5).
    case rset
    /// `noop = "NOOP" [ SP String ] CRLF` (RFC 5321 section 4.1.1.9); the argument is ignored.
    case noop
    /// `quit = "QUIT" CRLF` (RFC 5321 section 4.1.1.10).
    case quit
    /// `STARTTLS CRLF` (RFC 3207 section 4).
    case starttls
    /// `vrfy = "VRFY" SP String CRLF` (RFC 5321 section 4.1.1.6).
    case vrfy(String)
    /// `help = "HELP" [ SP String ] CRLF` (RFC 5321 section 4.1.1.8).
    case help(String?)
}

/// One ESMTP parameter of MAIL or RCPT (RFC 5321 section 4.1.2):
///
/// ```
/// esmtp-param    = esmtp-keyword ["=" esmtp-value]
/// ```
public struct SMTPParameter: Sendable, Hashable {
    /// The keyword, upper-cased (keywords are case-insensitive).
    public var keyword: String
    /// The value as sent, or `nil` when there was no `=`.
    public var value: String?

    public init(keyword: String, value: String? = nil) {
        self.keyword = keyword
        self.value = value
    }
}
