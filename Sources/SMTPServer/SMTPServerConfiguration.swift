import SMTPCore

/// How the SMTP listener runs. Protocol limits live in ``SMTPSessionConfiguration``; the limits of the listener
/// itself (connections, timeouts) in ``SMTPConnectionLimits``; every default is documented in `SMTPDefaults`.
public struct SMTPServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests); the bound port is reported by ``SMTPServer/localPort()``.
    public var port: Int
    /// `startTLSAvailable` is set by the server from ``tls``.
    public var session: SMTPSessionConfiguration
    /// A client silent for this long gets `421 4.4.2` and is disconnected (RFC 5321 §4.5.3.2.7: at least 5 minutes).
    public var idleTimeout: Duration
    /// After graceful shutdown begins, transactions in flight get this long to finish before being cut.
    public var shutdownGracePeriod: Duration
    /// The certificate for STARTTLS and implicit TLS; `nil` offers neither.
    public var tls: SMTPTLSConfiguration?
    /// Whether connections start with a PROXY protocol header (behind a load balancer).
    public var proxyProtocol: ProxyProtocolMode
    public var limits: SMTPConnectionLimits
    /// Where DATA content beyond a threshold is written while it arrives; nil keeps every message in memory.
    public var spool: MessageSpoolConfiguration?
    /// Message bytes in flight (from the end of data to the commit) across all connections; a message that does
    /// not fit is answered `451 4.3.1`. Nil: unbounded.
    public var maxInFlightBytes: Int?

    public init(
        host: String,
        port: Int,
        session: SMTPSessionConfiguration,
        idleTimeout: Duration = .seconds(SMTPDefaults.idleTimeoutSeconds),
        shutdownGracePeriod: Duration = .seconds(30),
        tls: SMTPTLSConfiguration? = nil,
        proxyProtocol: ProxyProtocolMode = .off,
        limits: SMTPConnectionLimits = SMTPConnectionLimits(),
        spool: MessageSpoolConfiguration? = nil,
        maxInFlightBytes: Int? = nil
    ) {
        self.spool = spool
        self.maxInFlightBytes = maxInFlightBytes
        self.host = host
        self.port = port
        self.session = session
        self.idleTimeout = idleTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.tls = tls
        self.proxyProtocol = proxyProtocol
        self.limits = limits
    }
}

/// The server certificate: STARTTLS on the plain port (RFC 3207) and, with ``implicitTLSPort``, a second listener
/// that speaks TLS from the first byte (RFC 8314 "submissions"-style). TLS 1.2 is the minimum version.
public struct SMTPTLSConfiguration: Sendable {
    /// PEM certificate chain, leaf first.
    public var certificatePath: String
    /// PEM private key of the leaf (PKCS#8, SEC1 or PKCS#1).
    public var privateKeyPath: String
    /// The implicit-TLS listener's port (0 picks a free one, see ``SMTPServer/localTLSPort()``); `nil` runs none.
    public var implicitTLSPort: Int?
    /// How often, at most, the files are checked for a change when a TLS connection starts. A changed pair is loaded
    /// for new connections; a broken one is logged and the previous pair kept.
    public var reloadInterval: Duration

    public init(
        certificatePath: String,
        privateKeyPath: String,
        implicitTLSPort: Int? = nil,
        reloadInterval: Duration = .seconds(SMTPDefaults.tlsReloadIntervalSeconds)
    ) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.implicitTLSPort = implicitTLSPort
        self.reloadInterval = reloadInterval
    }
}

/// Bounds that protect the listener from clients that hold connections open (see `SMTPDefaults` for the reasons).
public struct SMTPConnectionLimits: Sendable {
    /// Concurrent connections per listener process; beyond: `421 4.7.0` and close.
    public var maxConnections: Int
    /// Concurrent connections per client IP address; beyond: `421 4.7.0` and close.
    public var maxConnectionsPerIP: Int
    /// Time allowed for one complete command line once the server is ready for it.
    public var commandTimeout: Duration
    /// Time allowed for the DATA content, extended by one second per ``minDataRate`` octets received.
    public var dataTimeout: Duration
    /// Octets per second; 0 makes ``dataTimeout`` absolute.
    public var minDataRate: Int

    public init(
        maxConnections: Int = SMTPDefaults.maxConnections,
        maxConnectionsPerIP: Int = SMTPDefaults.maxConnectionsPerIP,
        commandTimeout: Duration = .seconds(SMTPDefaults.commandTimeoutSeconds),
        dataTimeout: Duration = .seconds(SMTPDefaults.dataTimeoutSeconds),
        minDataRate: Int = SMTPDefaults.minDataRateBytesPerSecond
    ) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerIP = maxConnectionsPerIP
        self.commandTimeout = commandTimeout
        self.dataTimeout = dataTimeout
        self.minDataRate = minDataRate
    }
}

/// Which PROXY protocol header (HAProxy's proxy-protocol.txt) a listener expects before SMTP starts.
public enum ProxyProtocolMode: String, Sendable, CaseIterable {
    /// No header: the TCP peer is the client.
    case off
    /// The text header `PROXY TCP4 ...\r\n` only.
    case v1
    /// The binary header only.
    case v2
    /// Either version.
    case any
}

/// Facts about one SMTP connection, handed to the delegate.
public struct SMTPConnectionInfo: Sendable, Hashable {
    /// Unique per connection, for logs (`smtp.session.id`).
    public var id: String
    /// The client's IP address ("" when unknown); behind a PROXY header, the address the header names.
    public var clientIP: String
    /// Whether the connection is encrypted: after STARTTLS, or on the implicit-TLS listener.
    public var tls: Bool
}

/// The server's link to the application: routing and durable storage. Both calls are made from the connection's
/// task, one at a time per connection; they must not throw but turn failures into replies.
public protocol SMTPTransactionDelegate: Sendable {
    /// RCPT TO: decide whether `address` is ours. A storage failure should answer `451 4.3.0`.
    func checkRecipient(
        _ address: String, envelope: SMTPEnvelope, connection: SMTPConnectionInfo
    ) async -> RecipientCheckResult

    /// After the final dot: store the message durably and return its queue id (the reply then says
    /// `250 2.0.0 queued as <id>`), or the reply explaining the refusal (`451 4.3.0` on storage failure).
    func deliver(
        _ envelope: SMTPEnvelope, message: [UInt8], connection: SMTPConnectionInfo
    ) async -> Result<String, SMTPReply>
}
