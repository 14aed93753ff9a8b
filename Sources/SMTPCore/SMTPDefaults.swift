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

    /// Seconds a client may take to send one complete command line, counted from the moment
    /// the server is ready for it (after its previous reply). Bounds a client that dribbles a
    /// command byte by byte (slowloris) although it is never idle for the idle timeout.
    ///
    /// RFC 5321 section 4.5.3.2.7: the server timeout "SHOULD be at least 5 minutes".
    public static let commandTimeoutSeconds = 300

    /// Seconds a client may take to send the DATA content, from the 354 reply to the final
    /// dot, before the transfer-rate allowance (``minDataRateBytesPerSecond``) is added.
    ///
    /// RFC 5321 section 4.5.3.2.6 gives the client 10 minutes for the reply to the final
    /// dot; the server grants the same for the content itself.
    public static let dataTimeoutSeconds = 600

    /// The slowest DATA transfer that is still allowed to run past ``dataTimeoutSeconds``:
    /// every this many octets received extends the DATA deadline by one second (as Apache's
    /// `mod_reqtimeout` `MinRate`). A 25 MB message therefore may take 10 minutes plus about
    /// 7 hours at 1 KiB/s; a client trickling a few bytes a minute is cut after 10 minutes.
    /// 0 makes ``dataTimeoutSeconds`` an absolute limit.
    public static let minDataRateBytesPerSecond = 1024

    /// Most connections one listener process serves at a time; the next one gets
    /// `421 4.7.0` and is closed (RFC 5321 section 3.8 allows 421 at any time).
    public static let maxConnections = 1000

    /// Most connections from one client IP address at a time (after the PROXY header, the
    /// real sender's address); the next one gets `421 4.7.0`.
    public static let maxConnectionsPerIP = 20

    /// Seconds between checks whether the TLS certificate or key file changed on disk
    /// (Kubernetes secrets are rotated in place); checked when a TLS connection starts.
    public static let tlsReloadIntervalSeconds = 5

    /// Longest PROXY protocol header accepted, in octets: a version 1 line is at most 107
    /// octets (HAProxy's proxy-protocol.txt section 2.1); a version 2 header is 16 octets plus
    /// addresses and TLVs, which a load balancer keeps small.
    public static let maxProxyHeaderLength = 4096

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
