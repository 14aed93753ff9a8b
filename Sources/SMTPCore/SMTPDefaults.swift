/// Every limit the SMTP core enforces, in one place (compare NIOIMAP's `IMAPDefaults`).
///
/// The values are the minimums RFC 5321 section 4.5.3 requires a server to accept, or the
/// project's chosen defaults where the RFC leaves the choice to the implementation.
public enum SMTPDefaults {
    /// Maximum length of a command line in octets, including the terminating CRLF.
    ///
    /// RFC 5321 section 4.5.3.1.4: "The maximum total length of a command line including the
    /// command word and the <CRLF> is 512 octets."
    public static let maxCommandLineLength = 512

    /// Maximum length of a text line inside DATA in octets, including the CRLF and not counting
    /// a leading dot added for transparency.
    ///
    /// RFC 5321 section 4.5.3.1.6.
    public static let maxTextLineLength = 1000

    /// Maximum size of a message in octets (after dot-unstuffing), advertised with the SIZE
    /// extension (RFC 1870) and enforced by ``SMTPInputFramer``.
    public static let maxMessageSize = 25 * 1024 * 1024

    /// Maximum number of recipients in one transaction.
    ///
    /// RFC 5321 section 4.5.3.1.8 requires at least 100.
    public static let maxRecipients = 100

    /// Number of error replies after which the session is ended with `421 4.7.0`.
    /// The reply that reaches this count is replaced by the 421.
    public static let maxErrors = 10

    /// Seconds a server waits for the next command before giving up.
    ///
    /// RFC 5321 section 4.5.3.2.7: the server timeout "SHOULD be at least 5 minutes".
    public static let idleTimeoutSeconds = 300

    /// Maximum length of a reverse-path or forward-path in octets, including the angle
    /// brackets. RFC 5321 section 4.5.3.1.3.
    public static let maxPathLength = 256

    /// Maximum length of a domain name in octets. RFC 5321 section 4.5.3.1.2.
    public static let maxDomainLength = 255

    /// Maximum number of digits accepted in the `SIZE=` parameter.
    ///
    /// RFC 1870 section 6: `size-value ::= 1*20DIGIT`.
    public static let maxSizeParameterDigits = 20

    /// Once this many consumed bytes sit in front of ``SMTPInputFramer``'s read index (and
    /// they are more than half of its buffer), the buffer is compacted.
    public static let framerCompactionThreshold = 4096

    /// When ``SMTPInputFramer`` has consumed all its input it keeps the buffer's storage
    /// for reuse only up to this capacity, so one burst does not pin memory for the rest
    /// of the session.
    public static let framerRetainedCapacity = 64 * 1024
}
