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
/// - `mysql://`, `mariadb://`, `mysql+aiomysql://` (recognised; served by the MariaDB build trait)
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case sqliteMemory
    case postgres(PostgresLocation)
    case mysql(url: String)

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
        case "mysql", "mariadb", "mysql+aiomysql", "mariadb+aiomysql":
            self = .mysql(url: string)
        default:
            throw DatabaseURLError("unknown database URL scheme '\(scheme)' (use sqlite, postgresql or mysql)")
        }
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
