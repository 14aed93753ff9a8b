import Foundation

/// Where the data lives, parsed from `FASTSMTP_DATABASE_URL`.
///
/// Accepted forms:
/// - `sqlite:///relative/or/absolute/path.db` (`sqlite:////abs/path.db` or `sqlite:///./rel.db`), `sqlite::memory:`
/// - `postgresql://user:pass@host:port/db`, also `postgres://` and the Python spec's `postgresql+asyncpg://`;
///   `?sslmode=` works as in libpq: `disable`; `allow` and `prefer` (the default: TLS when the server offers it);
///   `require` (TLS, the certificate not checked, unless `sslrootcert` names a CA file: then as `verify-ca`);
///   `verify-ca` (the chain checked against `sslrootcert`, else the system's trust store); `verify-full` (the chain
///   and the host name).
/// - `mariadb://user:pass@host:3306/db`, also `mysql://` and the Python spec's `mysql+aiomysql://` (served by builds
///   with the `MariaDB` package trait, MariaDB ≥ 10.6). `?ssl=` (or `sslmode=`) takes the same modes as PostgreSQL's
///   `sslmode` — `disable`, `prefer` (the default), `require`, `verify-ca`, `verify-full`, and `true`/`false` — with
///   `ssl_ca=/path/ca.pem` as the CA file (`require` with a CA file checks the chain, as libpq does);
///   `unix_socket=/path` connects through a socket instead of TCP.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case sqliteMemory
    case postgres(PostgresLocation)
    case mysql(MariaDBLocation)

    /// A MariaDB server: what a `mariadb://`, `mysql://` or `mysql+aiomysql://` URL says.
    public struct MariaDBLocation: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String?
        /// The same modes as PostgreSQL's `sslmode`; Connector/C checks the host name whenever it checks the chain,
        /// so `verify-ca` is as strict as `verify-full` here.
        public var tls: PostgresLocation.TLSMode
        /// PEM file of the CA certificates the server's chain is checked against (`ssl_ca`); nil: the system's.
        public var caPath: String?
        /// `unix_socket=`: connect through this socket instead of TCP.
        public var unixSocket: String?
    }

    public struct PostgresLocation: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String?
        public var tls: TLSMode
        /// PEM file of the CA certificates a server's chain is checked against (`sslrootcert`); nil: the system's.
        public var rootCertificatePath: String?

        /// libpq's `sslmode`s, without `allow` (read as `prefer`: it reaches the same servers).
        public enum TLSMode: String, Sendable {
            /// No TLS.
            case disable
            /// TLS when the server offers it, plain otherwise; the certificate is not checked.
            case prefer
            /// TLS or no connection; the certificate is not checked (encryption against passive eavesdropping only).
            case require
            /// TLS; the server's chain must lead to a trusted CA; any host name.
            case verifyCA = "verify-ca"
            /// TLS; a trusted chain and a certificate for the host name connected to.
            case verifyFull = "verify-full"
        }
    }

    public enum Kind: String, Sendable { case sqlite, postgresql, mysql }

    public var kind: Kind {
        switch self {
        case .sqlite, .sqliteMemory: .sqlite
        case .postgres: .postgresql
        case .mysql: .mysql
        }
    }

    /// Parses a database URL.
    /// - Throws: ``DatabaseURLError`` naming what is wrong.
    public init(url string: String) throws(DatabaseURLError) {
        guard let schemeEnd = string.range(of: ":") else {
            throw DatabaseURLError("not a URL (expected sqlite:///path or postgresql://…): '\(string)'")
        }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "sqlite", "sqlite+aiosqlite":
            let rest = string[schemeEnd.upperBound...]
            if rest == ":memory:" || rest == "///:memory:" || rest == "//:memory:" {
                self = .sqliteMemory
                return
            }
            guard rest.hasPrefix("///"), rest.count > 3 else {
                throw DatabaseURLError("SQLite URLs look like sqlite:///path/to/file.db, got '\(string)'")
            }
            // sqlite:///./x.db → ./x.db ; sqlite:////abs/x.db → /abs/x.db ; sqlite:///x.db → x.db
            let path = String(rest.dropFirst(3))
            self = .sqlite(path: path.removingPercentEncoding ?? path)
        case "postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg", "postgresql+psycopg2":
            guard let components = URLComponents(string: "postgresql" + string[schemeEnd.lowerBound...]),
                let host = components.host, !host.isEmpty
            else {
                throw DatabaseURLError(
                    "PostgreSQL URLs look like postgresql://user:password@host:5432/database, got '\(Self.redact(string))'"
                )
            }
            let query = components.queryItems ?? []
            let rootCertificate = query.last(where: { $0.name == "sslrootcert" })?.value.flatMap {
                $0.isEmpty ? nil : $0
            }
            var tls = PostgresLocation.TLSMode.prefer
            if let mode = query.last(where: { $0.name == "sslmode" || $0.name == "ssl" })?.value {
                switch mode.lowercased() {
                case "disable", "false": tls = .disable
                case "allow", "prefer": tls = .prefer
                // As libpq: `require` with a root certificate file checks the chain.
                case "require", "true": tls = rootCertificate == nil ? .require : .verifyCA
                case "verify-ca": tls = .verifyCA
                case "verify-full": tls = .verifyFull
                default:
                    throw DatabaseURLError(
                        "unknown sslmode '\(mode)' (disable, allow, prefer, require, verify-ca or verify-full)")
                }
            }
            var database = components.path
            if database.hasPrefix("/") { database.removeFirst() }
            self = .postgres(
                PostgresLocation(
                    host: host,
                    port: components.port ?? 5432,
                    username: components.user?.removingPercentEncoding ?? components.user ?? "postgres",
                    password: components.password?.removingPercentEncoding ?? components.password,
                    database: database.isEmpty ? nil : database,
                    tls: tls,
                    rootCertificatePath: rootCertificate
                ))
        case "mysql", "mariadb", "mysql+aiomysql", "mariadb+aiomysql", "mysql+asyncmy", "mariadb+asyncmy":
            self = .mysql(try Self.mariaDB(string, schemeEnd: schemeEnd))
        default:
            throw DatabaseURLError("unknown database URL scheme '\(scheme)' (use sqlite, postgresql or mysql)")
        }
    }

    private static func mariaDB(
        _ string: String, schemeEnd: Range<String.Index>
    ) throws(DatabaseURLError)
        -> MariaDBLocation
    {
        guard let components = URLComponents(string: "mariadb" + string[schemeEnd.lowerBound...]),
            let host = components.host, !host.isEmpty
        else {
            throw DatabaseURLError(
                "MariaDB URLs look like mariadb://user:password@host:3306/database, got '\(Self.redact(string))'")
        }
        let query = components.queryItems ?? []
        func value(_ names: String...) -> String? {
            query.last(where: { names.contains($0.name) })?.value.flatMap { $0.isEmpty ? nil : $0 }
        }
        let caPath = value("ssl_ca", "ssl-ca", "sslrootcert")
        var tls = PostgresLocation.TLSMode.prefer
        if let mode = value("ssl", "sslmode", "ssl_mode", "ssl-mode") {
            switch mode.lowercased() {
            case "disable", "disabled", "false", "0": tls = .disable
            case "allow", "prefer", "preferred": tls = .prefer
            case "require", "required", "true", "1": tls = caPath == nil ? .require : .verifyCA
            case "verify-ca", "verify_ca": tls = .verifyCA
            case "verify-full", "verify_identity", "verify-identity": tls = .verifyFull
            default:
                throw DatabaseURLError(
                    "unknown ssl mode '\(mode)' (disable, prefer, require, verify-ca or verify-full)")
            }
        }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        return MariaDBLocation(
            host: host,
            port: components.port ?? 3306,
            username: components.user?.removingPercentEncoding ?? components.user ?? "root",
            password: components.password?.removingPercentEncoding ?? components.password,
            database: database.isEmpty ? nil : database.removingPercentEncoding ?? database,
            tls: tls,
            caPath: caPath,
            unixSocket: value("unix_socket", "socket"))
    }

    /// The URL with any password replaced by `********`, safe to log.
    public static func redact(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://"),
            schemeEnd.upperBound < at
        else { return url }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":********" + String(url[at...])
    }
}

public struct DatabaseURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
