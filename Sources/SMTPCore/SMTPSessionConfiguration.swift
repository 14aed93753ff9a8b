/// Settings of one SMTP session; the defaults come from ``SMTPDefaults``.
public struct SMTPSessionConfiguration: Sendable {
    /// The server's name, used in the greeting, the EHLO/HELO reply and 221/421 replies
    /// (RFC 5321 section 4.1.3 / 4.3.1).
    public var hostname: String
    /// The largest message accepted, in octets; advertised as `SIZE <n>` (RFC 1870) and
    /// enforced with `552 5.3.4` for `SIZE=` and for the actual content.
    public var maxMessageSize: Int
    /// The most recipients in one transaction; further RCPTs get `452 4.5.3`
    /// (RFC 5321 section 4.5.3.1.10).
    public var maxRecipients: Int
    /// The error reply that reaches this count is replaced by `421 4.7.0` and the session
    /// ends. Values below 1 behave as 1.
    public var maxErrors: Int
    /// Whether to advertise and accept STARTTLS (RFC 3207).
    public var startTLSAvailable: Bool
    /// Whether mail may only be sent over TLS (`smtp_require_starttls`): until TLS is active,
    /// MAIL, RCPT, DATA and VRFY get `530 5.7.0 Must issue a STARTTLS command first`
    /// (RFC 3207 section 4). NOOP, EHLO, HELO, RSET, HELP, STARTTLS and QUIT stay allowed.
    public var requireTLS: Bool

    public init(
        hostname: String,
        maxMessageSize: Int = SMTPDefaults.maxMessageSize,
        maxRecipients: Int = SMTPDefaults.maxRecipients,
        maxErrors: Int = SMTPDefaults.maxErrors,
        startTLSAvailable: Bool = false,
        requireTLS: Bool = false
    ) {
        self.hostname = hostname
        self.maxMessageSize = maxMessageSize
        self.maxRecipients = maxRecipients
        self.maxErrors = maxErrors
        self.startTLSAvailable = startTLSAvailable
        self.requireTLS = requireTLS
    }
}
