import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The SQL dialects FastSMTP writes for.
public enum SQLDialectKind: String, Sendable {
    case sqlite, postgresql
}

/// The application's handle on its database: a PostgreSQL connection pool or one serialised SQLite connection.
///
/// `Database` is a `Service`: add it to the `ServiceGroup` first, so that it stops last. Outside a service group
/// use ``Database/withDatabase(_:logger:poolSize:_:)``.
///
/// Closures given to ``withConnection(_:)`` and ``withTransaction(_:)`` must use only the `SQLDatabase` they are
/// handed and must not call back into this `Database` (on SQLite that would wait for itself).
public final class Database: Service, Sendable {
    public let location: DatabaseLocation
    public let dialect: SQLDialectKind
    let logger: Logger
    private let backend: Backend

    private enum Backend: Sendable {
        case postgres(PostgresClient)
        case sqlite(SQLiteConnection, AsyncMutex)
    }

    /// Opens the database. For PostgreSQL nothing connects until ``run()`` runs; SQLite is opened at once and
    /// its schema directory is created when missing.
    public static func open(_ location: DatabaseLocation, logger: Logger, poolSize: Int = 10) async throws -> Database {
        switch location {
        case .postgres(let pg):
            let tls: PostgresClient.Configuration.TLS
            switch pg.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            var configuration = PostgresClient.Configuration(
                host: pg.host, port: pg.port, username: pg.username, password: pg.password,
                database: pg.database, tls: tls
            )
            configuration.options.maximumConnections = max(1, poolSize)
            configuration.options.connectTimeout = .seconds(5)
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            return Database(location: location, dialect: .postgresql, logger: logger, backend: .postgres(client))
        case .sqlite, .sqliteMemory:
            let storage: SQLiteConnection.Storage
            if case .sqlite(let path) = location {
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                storage = .file(path: path)
            } else {
                storage = .memory
            }
            let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
            let sql = connection.sql()
            // Durability first: a message that got a 250 must survive a crash or power loss.
            for pragma in [
                "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000",
            ] {
                try await sql.raw(SQLQueryString(pragma)).run()
            }
            return Database(
                location: location, dialect: .sqlite, logger: logger, backend: .sqlite(connection, AsyncMutex()))
        case .mysql:
            throw DatabaseURLError(
                "MariaDB/MySQL support is not built into this binary yet; use sqlite:/// or postgresql://")
        }
    }

    deinit {
        // A Database dropped without having run (a failed startup, a test that threw) still releases its SQLite
        // handle; closing an already closed connection is a no-op.
        if case .sqlite(let connection, _) = backend {
            connection.close().whenComplete { _ in }
        }
    }

    private init(location: DatabaseLocation, dialect: SQLDialectKind, logger: Logger, backend: Backend) {
        self.location = location
        self.dialect = dialect
        self.logger = logger
        self.backend = backend
    }

    /// Runs the connection pool until graceful shutdown (or cancellation), then closes the database.
    public func run() async throws {
        switch backend {
        case .postgres(let client):
            await cancelWhenGracefulShutdown { await client.run() }
        case .sqlite(let connection, _):
            try? await gracefulShutdown()
            try await connection.close()
        }
    }

    /// Opens the database, runs its pool for the duration of `body`, then closes it. For CLI commands and tests.
    @discardableResult
    public static func withDatabase<R: Sendable>(
        _ location: DatabaseLocation,
        logger: Logger,
        poolSize: Int = 4,
        _ body: @Sendable (Database) async throws -> R
    ) async throws -> R {
        let database = try await Database.open(location, logger: logger, poolSize: poolSize)
        return try await database.whileRunning { try await body(database) }
    }

    /// Runs the pool in a child task while `body` runs; closes the database afterwards.
    public func whileRunning<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        switch backend {
        case .postgres(let client):
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                return try await body()
            }
        case .sqlite(let connection, _):
            do {
                let result = try await body()
                try await connection.close()
                return result
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// Lends one connection to `body`.
    public func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        switch backend {
        case .postgres(let client):
            return try await client.withConnection { connection in
                try await body(connection.sql())
            }
        case .sqlite(let connection, let mutex):
            return try await mutex.withLock { try await body(connection.sql()) }
        }
    }

    /// Lends a raw PostgreSQL connection (for LISTEN). Throws on SQLite.
    func withPostgresConnection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        guard case .postgres(let client) = backend else { throw DatabaseURLError("not a PostgreSQL database") }
        return try await client.withConnection { try await body($0) }
    }

    /// Runs `body` inside one transaction: committed when it returns, rolled back when it throws.
    public func withTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withConnection { sql in
            // SQLite: take the write lock up front, so a concurrent writer (the CLI) waits instead of failing mid-way.
            try await sql.raw(self.dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
            do {
                let result = try await body(sql)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                do {
                    try await sql.raw("ROLLBACK").run()
                } catch {
                    self.logger.warning("rollback failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                throw error
            }
        }
    }
}
