#if MariaDB
import CMariaDB
import Foundation

/// One connection to a MariaDB server, through Connector/C's blocking API.
///
/// Every method blocks the calling thread: call them only on the pool's thread pool (``MariaDBConnectionPool``),
/// never on an event loop. A connection is used by one caller at a time (the pool lends it out whole).
public final class MariaDBConnection: @unchecked Sendable {
    /// The oldest server FastSMTP runs on: claims need `FOR UPDATE SKIP LOCKED` (10.6).
    public static let minimumServerVersion = 100600

    private let handle: UnsafeMutablePointer<MYSQL>
    private var closed = false
    /// Prepared statements kept for reuse, by SQL text; closed when evicted and when the connection closes.
    var statements: MariaDBStatementCache<UnsafeMutablePointer<MYSQL_STMT>>
    /// Set once an error said the connection is gone: the pool closes it instead of lending it again.
    public private(set) var isBroken = false
    /// `major * 10000 + minor * 100 + patch`, as Connector/C reports it.
    public let serverVersion: Int
    public let serverInfo: String

    /// Statements every session starts with: UTC (DATETIME values are UTC), the SQL FastSMTP writes (standard
    /// quoted identifiers, strict inserts), and PostgreSQL's default isolation, so claims behave alike.
    static let sessionSetup = [
        "SET time_zone = '+00:00'",
        """
        SET sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,\
        NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT'
        """,
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    ]

    private init(handle: UnsafeMutablePointer<MYSQL>, statementCacheCapacity: Int) {
        self.handle = handle
        self.statements = MariaDBStatementCache(capacity: statementCacheCapacity)
        self.serverVersion = Int(mysql_get_server_version(handle))
        self.serverInfo = mysql_get_server_info(handle).map { String(cString: $0) } ?? ""
    }

    deinit {
        close()
    }

    /// Connects, checks the server's version and sets the session up. Blocks.
    /// - Throws: ``MariaDBError`` (the server's or Connector/C's reason), ``MariaDBUnsupportedServerError``.
    public static func connect(_ configuration: MariaDBConfiguration) throws -> MariaDBConnection {
        MariaDBLibrary.initialize()
        if let ca = configuration.caPath, !FileManager.default.isReadableFile(atPath: ca) {
            // Connector/C would only say that the TLS handshake failed.
            throw MariaDBError(
                code: UInt32(CR_SSL_CONNECTION_ERROR), sqlState: "HY000",
                message: "cannot read the CA file ssl_ca=\(ca)", connectionLost: false)
        }
        let connection: MariaDBConnection
        switch configuration.tls {
        case .prefer:
            do {
                connection = try open(configuration, tls: true)
            } catch let error as MariaDBError where error.code == UInt32(CR_SSL_CONNECTION_ERROR) {
                // Connector/C has no "TLS if offered": try TLS first, plain when the server has none.
                connection = try open(configuration, tls: false)
            }
        case .disable:
            connection = try open(configuration, tls: false)
        case .require, .verifyCA, .verifyFull:
            connection = try open(configuration, tls: true)
        }
        do {
            try checkSupported(
                serverInfo: connection.serverInfo, serverVersion: connection.serverVersion,
                endpoint: configuration.endpoint)
        } catch {
            connection.close()
            throw error
        }
        for statement in sessionSetup {
            try connection.executeText(statement)
        }
        return connection
    }

    /// Refuses a server FastSMTP cannot run on: anything but MariaDB (MySQL has no `DELETE … RETURNING`), and
    /// MariaDB older than 10.6 (no `FOR UPDATE SKIP LOCKED`). Pure: the connection's greeting decides.
    /// - Parameters:
    ///   - serverInfo: the version string the server sent (`mysql_get_server_info`), e.g. `10.11.6-MariaDB-0+deb12u1`
    ///     (`5.5.5-10.4.32-MariaDB` from a server that still sends the old replication prefix).
    ///   - serverVersion: `major * 10000 + minor * 100 + patch` (`mysql_get_server_version`, which skips that prefix).
    /// - Throws: ``MariaDBUnsupportedServerError``.
    public static func checkSupported(
        serverInfo: String, serverVersion: Int, endpoint: String
    ) throws(MariaDBUnsupportedServerError) {
        guard serverInfo.localizedCaseInsensitiveContains("mariadb"), serverVersion >= minimumServerVersion else {
            throw MariaDBUnsupportedServerError(serverInfo: serverInfo, endpoint: endpoint)
        }
    }

    private static func open(_ configuration: MariaDBConfiguration, tls: Bool) throws -> MariaDBConnection {
        guard let handle = mysql_init(nil) else {
            throw MariaDBError(code: 2008, sqlState: "HY000", message: "out of memory", connectionLost: true)
        }
        var timeout = configuration.connectTimeoutSeconds
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
        mysql_options(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        var off: my_bool = 0
        mysql_options(handle, MYSQL_OPT_RECONNECT, &off)
        // TCP unless a socket is named: Connector/C would otherwise take the host `localhost` for its default Unix
        // socket and ignore the port (and a TLS check for `localhost` would then never reach the server meant).
        var transport = (configuration.unixSocket == nil ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET).rawValue
        mysql_options(handle, MYSQL_OPT_PROTOCOL, &transport)
        if tls {
            var on: my_bool = 1
            mysql_options(handle, MYSQL_OPT_SSL_ENFORCE, &on)
            var verify: my_bool =
                configuration.tls == .verifyCA || configuration.tls == .verifyFull
                    || (configuration.tls == .require && configuration.caPath != nil) ? 1 : 0
            mysql_options(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify)
            if let ca = configuration.caPath { mysql_options(handle, MYSQL_OPT_SSL_CA, ca) }
        }
        let connected = mysql_real_connect(
            handle, configuration.unixSocket == nil ? configuration.host : nil, configuration.username,
            configuration.password, configuration.database, UInt32(configuration.port), configuration.unixSocket,
            UInt(CLIENT_FOUND_ROWS))
        guard connected != nil else {
            // No connection was made, so none was lost: the pool only frees the slot.
            let error = MariaDBError(
                code: mysql_errno(handle), sqlState: String(cString: mysql_sqlstate(handle)),
                message: String(cString: mysql_error(handle)), connectionLost: false)
            mysql_close(handle)
            throw error
        }
        return MariaDBConnection(handle: handle, statementCacheCapacity: configuration.statementCacheCapacity)
    }

    /// Closes the connection. Blocks (it tells the server). Later calls do nothing.
    public func close() {
        guard !closed else { return }
        closed = true
        isBroken = true
        for statement in statements.removeAll() { mysql_stmt_close(statement) }
        mysql_close(handle)
    }

    /// True while the session has a transaction open, as the server's last reply said (no round trip).
    public var inTransaction: Bool {
        !closed && handle.pointee.server_status & UInt32(SERVER_STATUS_IN_TRANS) != 0
    }

    /// True when the server answers a ping; a connection that does not is marked broken.
    public func ping() -> Bool {
        guard !closed, !isBroken else { return false }
        if mysql_ping(handle) != 0 {
            isBroken = true
            return false
        }
        return true
    }

    /// Runs a statement with no parameters over the text protocol (session setup, and statements the server cannot
    /// prepare). Any result is read and discarded.
    func executeText(_ sql: String) throws {
        if mysql_real_query(handle, sql, UInt(sql.utf8.count)) != 0 { throw connectionError() }
        repeat {
            if let result = mysql_store_result(handle) { mysql_free_result(result) }
        } while mysql_next_result(handle) == 0
    }

    var mysql: UnsafeMutablePointer<MYSQL> { handle }

    func connectionError() -> MariaDBError {
        let code = mysql_errno(handle)
        let error = MariaDBError(
            code: code, sqlState: String(cString: mysql_sqlstate(handle)),
            message: String(cString: mysql_error(handle)),
            connectionLost: MariaDBError.endsConnection(code))
        if error.connectionLost { isBroken = true }
        return error
    }

    func statementError(_ statement: UnsafeMutablePointer<MYSQL_STMT>) -> MariaDBError {
        let code = mysql_stmt_errno(statement)
        let error = MariaDBError(
            code: code, sqlState: String(cString: mysql_stmt_sqlstate(statement)),
            message: String(cString: mysql_stmt_error(statement)), connectionLost: MariaDBError.endsConnection(code))
        if error.connectionLost { isBroken = true }
        return error
    }
}

/// The server is not MariaDB 10.6 or newer.
public struct MariaDBUnsupportedServerError: Error, Sendable, CustomStringConvertible {
    public var serverInfo: String
    public var endpoint: String
    public var description: String {
        "the database server at \(endpoint) is '\(serverInfo)'; FastSMTP needs MariaDB 10.6 or newer "
            + "(FOR UPDATE SKIP LOCKED, DELETE … RETURNING)"
    }
}

/// Connector/C's process-wide initialisation, done once before the first connection.
enum MariaDBLibrary {
    private static let initialized: Bool = {
        mysql_server_init(0, nil, nil) == 0
    }()

    static func initialize() {
        _ = initialized
    }
}
#endif
