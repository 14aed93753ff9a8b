import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server configuration. Mirrors the product spec's pydantic-settings model
/// (environment prefix `FASTSMTP_`, `.env` file); see `Settings.load`.
public struct Settings: Sendable, Equatable {
    public enum LogLevel: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    // MARK: SMTP

    public var smtpHost: String = "0.0.0.0"
    public var smtpPort: Int = 2525
    public var smtpTLSPort: Int = 4650
    /// Path of the PEM certificate chain; set together with `smtpTLSKey`.
    public var smtpTLSCert: String? = nil
    /// Path of the PEM private key; set together with `smtpTLSCert`.
    public var smtpTLSKey: String? = nil
    public var smtpRequireSTARTTLS: Bool = false
    public var smtpVerifyDKIM: Bool = true
    public var smtpVerifySPF: Bool = true
    public var smtpRejectDKIMFail: Bool = false
    public var smtpRejectSPFFail: Bool = false
    /// Name announced in the SMTP banner and EHLO reply.
    public var smtpHostname: String
    /// Bytes; advertised with the SIZE extension.
    public var smtpMaxMessageSize: Int = 26_214_400
    public var smtpMaxRecipients: Int = 100
    /// Octets of one message's DATA content held in memory while it arrives; beyond, it is written to
    /// `<data_dir>/spool` and read back once at the end of data.
    public var smtpSpoolThreshold: Int = 1_048_576
    /// Octets of messages in flight at once between the end of data and the commit, over all connections; a
    /// message that does not fit is answered `451 4.3.1` (the sender retries; nothing is lost).
    public var smtpMaxInFlightBytes: Int = 268_435_456
    /// Seconds.
    public var smtpIdleTimeout: Double = 300
    /// Seconds a client may take to send one command line (RFC 5321 section 4.5.3.2.7).
    public var smtpCommandTimeout: Double = 300
    /// Seconds SMTP waits for the database to *begin* storing a message (or to look a recipient up) before `451`.
    /// A store that has begun is always waited for: its real outcome is the answer.
    public var smtpStorageTimeout: Double = 15
    /// Seconds a client may take to send the DATA content, plus one second per `smtpMinDataRate` bytes received.
    public var smtpDataTimeout: Double = 600
    /// Bytes per second that extend `smtpDataTimeout` (slow-sender bound); 0 makes the DATA timeout absolute.
    public var smtpMinDataRate: Int = 1024
    /// Concurrent SMTP connections per process; beyond, `421 4.7.0`.
    public var smtpMaxConnections: Int = 1000
    /// Concurrent SMTP connections per client IP address; beyond, `421 4.7.0`. Above what one busy sending MTA opens
    /// to one destination (Postfix's own server allows 50 a client; large senders open a few dozen).
    public var smtpMaxConnectionsPerIP: Int = 100
    /// Pending deliveries past which SMTP slows down: the reply to the final dot is delayed, the longer the closer
    /// the backlog is to `smtpBacklogHardLimit` (up to 2 s). 0: never.
    public var smtpBacklogSoftLimit: Int = 50_000
    /// Pending deliveries past which a message is refused with `451 4.3.2` (the sender keeps it and retries later)
    /// instead of growing the queue and its latency without bound. 0: never.
    public var smtpBacklogHardLimit: Int = 200_000
    /// Which PROXY protocol header SMTP connections start with (behind a load balancer).
    public var smtpProxyProtocol: ProxyProtocolSetting = .off
    /// Seconds between checks of `smtpTLSCert`/`smtpTLSKey` for a rotated pair.
    public var smtpTLSReloadInterval: Double = 5

    // MARK: HTTP API

    public var apiHost: String = "0.0.0.0"
    public var apiPort: Int = 8000

    // MARK: Storage

    /// Holds the SQLite database (by default) and the generated root key file.
    public var dataDir: String = "./data"
    public var databaseURL: String = Settings.defaultDatabaseURL(dataDir: "./data")
    public var databasePoolSize: Int = 5
    public var databasePoolMaxOverflow: Int = 10

    // MARK: Webhook delivery

    /// Seconds.
    public var webhookTimeout: Int = 30
    /// Retries after the first attempt.
    public var webhookMaxRetries: Int = 5
    /// Seconds.
    public var webhookRetryBaseDelay: Double = 1.0
    /// Seconds; cap of the exponential backoff.
    public var webhookMaxRetryDelay: Double = 3600
    /// Deliveries an instance holds at once: attempts in flight, or claimed and waiting for their destination's slot.
    /// Also the most one claim takes, so it sets how many deliveries share one commit (docs/performance.md).
    public var workerConcurrency: Int = 32
    /// Seconds.
    public var workerPollInterval: Double = 5
    /// Seconds a claimed delivery stays locked to this instance without a renewal (renewed every third of it while
    /// the attempt runs): how soon a dead worker's deliveries are attempted again.
    public var workerLease: Double = 30
    /// Webhook requests in flight at once to one destination (scheme, host and port), per instance: a black-holed
    /// endpoint holds at most this many workers while the others keep delivering.
    public var webhookHostConcurrency: Int = 8
    /// CIDR networks webhooks may not reach, besides those always denied (link-local, cloud metadata, 0.0.0.0/8,
    /// multicast).
    public var webhookDenyNetworks: [String] = []
    /// CIDR networks let through a denied network when more specific than it.
    public var webhookAllowNetworks: [String] = []
    /// Seconds graceful shutdown waits for webhook attempts in flight; those still running then are cancelled and
    /// their deliveries released for retry (nothing is lost, the attempt is not counted).
    public var shutdownTimeout: Double = 30
    /// Days finished deliveries (and messages nothing refers to any more) are kept; pending and quarantined ones
    /// are kept until they are done. Purged by the worker role.
    public var retentionDays: Double = 30
    /// Add the whole message as `message.raw_base64` to webhook payloads.
    public var webhookIncludeRaw: Bool = false
    /// Attachment bytes inlined (base64) into one payload at most; later attachments are listed without content.
    /// The default keeps payloads under n8n's 16 MB body limit.
    public var webhookMaxInlineAttachmentBytes: Int = 10 * 1024 * 1024

    // MARK: Auth and identity

    public var rootAPIKey: String? = nil
    public var apiKeyHashAlgorithm: String = "sha256"
    public var instanceID: String
    public var logLevel: LogLevel = .info
    /// How log lines are written to standard error.
    public var logFormat: LogFormat = .text
    /// A listener of its own for `GET /metrics` (on `apiHost`); nil: `/metrics` is on the API port.
    public var metricsPort: Int? = nil

    public enum LogFormat: String, Sendable, Equatable, CaseIterable {
        /// One line of text per event (swift-log's stream format).
        case text
        /// One JSON object per line: `ts`, `level`, `msg`, `logger`, `metadata`.
        case json
    }

    /// All defaults. `instanceID` is `$HOSTNAME` or 8 random hex digits, computed once here.
    public init() {
        self.init(hostnameVariable: ProcessInfo.processInfo.environment["HOSTNAME"])
    }

    init(hostnameVariable: String?) {
        if let hostnameVariable, !hostnameVariable.isEmpty {
            instanceID = hostnameVariable
        } else {
            instanceID = Settings.randomInstanceID()
        }
        smtpHostname = Settings.machineHostname()
    }

    /// The retry policy described by the `webhook_*` settings.
    public var retryPolicy: RetryPolicy {
        RetryPolicy(baseDelay: webhookRetryBaseDelay, maxRetries: webhookMaxRetries, maxDelay: webhookMaxRetryDelay)
    }

    /// The database family named by `databaseURL`'s scheme, nil when unsupported.
    public var databaseKind: DatabaseKind? {
        DatabaseKind(databaseURL: databaseURL)
    }

    /// `sqlite:///<dataDir>/fastsmtp.db`, e.g. `sqlite:///./data/fastsmtp.db`
    /// (an absolute data dir gives the four-slash form `sqlite:////var/lib/fastsmtp/fastsmtp.db`).
    public static func defaultDatabaseURL(dataDir: String) -> String {
        let separator = dataDir.hasSuffix("/") ? "" : "/"
        return "sqlite:///" + dataDir + separator + "fastsmtp.db"
    }

    /// Like Python's `uuid4().hex[:8]`.
    static func randomInstanceID() -> String {
        String(UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(8))
    }

    /// `gethostname()`, or "localhost" when that fails or is empty.
    static func machineHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}

/// `smtp_proxy_protocol`: whether SMTP connections start with a PROXY protocol header (HAProxy), and which version.
/// A listener that expects one refuses connections without a valid header.
public enum ProxyProtocolSetting: String, Sendable, Equatable, CaseIterable {
    case off, v1, v2, any
}

/// The database family behind a `database_url`.
public enum DatabaseKind: String, Sendable, Equatable, CaseIterable {
    case sqlite, postgresql, mysql

    /// URL schemes accepted for each kind (SQLAlchemy spellings, lowercase).
    public static let schemes: [String: DatabaseKind] = [
        "sqlite": .sqlite,
        "postgresql": .postgresql, "postgres": .postgresql, "postgresql+asyncpg": .postgresql,
        "mysql": .mysql, "mariadb": .mysql, "mysql+aiomysql": .mysql,
    ]

    /// The kind for a URL's scheme (case-insensitive); nil for anything else.
    public init?(databaseURL: String) {
        guard let range = databaseURL.range(of: "://"),
            let kind = DatabaseKind.schemes[databaseURL[..<range.lowerBound].lowercased()]
        else { return nil }
        self = kind
    }
}

/// A configuration problem, naming the offending variable. `description` is one line.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// e.g. "FASTSMTP_SMTP_PORT", or ".env" for an unreadable dotenv file.
    public var variable: String
    /// e.g. "must be a port number 0-65535, got '70000'"
    public var message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}
