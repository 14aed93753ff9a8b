#if MariaDB
/// Where and how to connect to a MariaDB server.
public struct MariaDBConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    /// A Unix socket to connect through instead of TCP (`?unix_socket=` in the URL); `host` is then ignored.
    public var unixSocket: String?
    public var tls: TLSMode
    /// PEM file of the CA certificates the server's chain is checked against (`ssl_ca`); nil: the system's.
    public var caPath: String?
    /// Seconds to wait for the TCP connection and the handshake.
    public var connectTimeoutSeconds: UInt32
    /// Prepared statements each connection keeps open for reuse, by SQL text (least recently used closed first);
    /// 0 prepares every statement anew. The server caps them for all sessions together (`max_prepared_stmt_count`).
    public var statementCacheCapacity: Int

    /// What TLS the connection uses, named as libpq's `sslmode` (``MariaDBConfiguration`` maps them onto
    /// Connector/C's options).
    public enum TLSMode: String, Sendable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, plain otherwise; the certificate is not checked.
        case prefer
        /// TLS or no connection; the certificate is not checked.
        case require
        /// TLS; the server's certificate must chain to a trusted CA. Connector/C checks the host name whenever it
        /// checks the chain, so this is as strict as `verify-full`.
        case verifyCA = "verify-ca"
        /// TLS; a trusted chain and a certificate for the host name connected to.
        case verifyFull = "verify-full"
    }

    public init(
        host: String, port: Int = 3306, username: String, password: String? = nil, database: String? = nil,
        unixSocket: String? = nil, tls: TLSMode = .prefer, caPath: String? = nil, connectTimeoutSeconds: UInt32 = 5,
        statementCacheCapacity: Int = 32
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.unixSocket = unixSocket
        self.tls = tls
        self.caPath = caPath
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementCacheCapacity = statementCacheCapacity
    }

    /// `host:port`, or the socket path: for messages.
    public var endpoint: String { unixSocket ?? "\(host):\(port)" }
}
#endif
