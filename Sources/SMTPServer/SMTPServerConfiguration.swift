import SMTPCore

/// How the SMTP listener runs. Protocol limits live in ``SMTPSessionConfiguration``.
public struct SMTPServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests); the bound port is reported by ``SMTPServer/localPort()``.
    public var port: Int
    public var session: SMTPSessionConfiguration
    /// A client silent for this long gets `421 4.4.2` and is disconnected (RFC 5321 §4.5.3.2.7: at least 5 minutes).
    public var idleTimeout: Duration
    /// After graceful shutdown begins, transactions in flight get this long to finish before being cut.
    public var shutdownGracePeriod: Duration

    public init(
        host: String,
        port: Int,
        session: SMTPSessionConfiguration,
        idleTimeout: Duration = .seconds(300),
        shutdownGracePeriod: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.session = session
        self.idleTimeout = idleTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}

/// Facts about one SMTP connection, handed to the delegate.
public struct SMTPConnectionInfo: Sendable, Hashable {
    /// Unique per connection, for logs (`smtp.session.id`).
    public var id: String
    /// The client's IP address ("" when unknown).
    public var clientIP: String
    /// Whether the connection is encrypted.
    public var tls: Bool
}

/// The server's link to the application: routing and durable storage. Both calls are made from the connection's
/// task, one at a time per connection; they must not throw but turn failures into replies.
public protocol SMTPTransactionDelegate: Sendable {
    /// RCPT TO: decide whether `address` is ours. A storage failure should answer `451 4.3.0`.
    func checkRecipient(_ address: String, envelope: SMTPEnvelope, connection: SMTPConnectionInfo) async -> RecipientCheckResult

    /// After the final dot: store the message durably and return its queue id (the reply then says
    /// `250 2.0.0 queued as <id>`), or the reply explaining the refusal (`451 4.3.0` on storage failure).
    func deliver(_ envelope: SMTPEnvelope, message: [UInt8], connection: SMTPConnectionInfo) async -> Result<String, SMTPReply>
}
