import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import ServiceLifecycle

#if MariaDB
import MariaDBClient
#endif

/// The SQL dialects FastSMTP writes for.
public enum SQLDialectKind: String, Sendable {
    case sqlite, postgresql, mariadb
}

/// The application's handle on its database: a PostgreSQL or MariaDB connection pool, or one serialised SQLite
/// connection.
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
    /// SQLite only: connections that only read, beside the one that writes (WAL lets readers run while it commits).
    private let readers: SQLiteReaders?
    /// Group commit for the writes on the accept and delivery paths (``withGroupTransaction(beginWithin:_:)``).
    private let committer = NIOLockedValueBox<GroupCommitter?>(nil)

    private enum Backend: Sendable {
        case postgres(PostgresClient)
        case sqlite(SQLiteHandle, AsyncMutex)
        #if MariaDB
        case mariadb(MariaDBConnectionPool)
        #endif
    }

    /// Opens the database. For PostgreSQL nothing connects until ``run()`` runs; SQLite is opened at once and
    /// its schema directory is created when missing.
    public static func open(_ location: DatabaseLocation, logger: Logger, poolSize: Int = 10) async throws -> Database {
        switch location {
        case .postgres(let pg):
            let tls = try pg.clientTLS()
            var configuration = PostgresClient.Configuration(
                host: pg.host, port: pg.port, username: pg.username, password: pg.password,
                database: pg.database, tls: tls
            )
            configuration.options.maximumConnections = max(1, poolSize)
            configuration.options.connectTimeout = .seconds(5)
            // With no connection left (the server restarted), waiters are served only by a new attempt; one standing
            // connection makes the pool try at once, and fail the waiters through its circuit breaker if it cannot.
            configuration.options.minimumConnections = 1
            // A keep-alive query on a connection that the server just closed can be dropped by the driver and never
            // complete, and the pool's run() then never ends. A dead idle connection is noticed when the socket
            // closes, or at its next use, which fails and is retried.
            configuration.options.keepAliveBehavior = nil
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
            let sql = connection.sql(queryLogLevel: nil)
            // Durability first: a message that got a 250 must survive a crash or power loss.
            for pragma in [
                "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000",
                // Pages read through a memory map, not copied by read(2) into each connection's cache (which a
                // commit by another connection empties).
                "PRAGMA mmap_size = 268435456",
            ] {
                try await sql.raw(SQLQueryString(pragma)).run()
            }
            var readers: SQLiteReaders?
            if case .file = storage {
                readers = try await SQLiteReaders.open(storage: storage, count: 2, logger: logger)
            }
            return Database(
                location: location, dialect: .sqlite, logger: logger,
                backend: .sqlite(SQLiteHandle(connection), AsyncMutex()), readers: readers)
        case .mysql(let location):
            #if MariaDB
            // As many threads as connections: a connection never waits for a thread to run its statement.
            let pool = MariaDBConnectionPool(
                configuration: location.configuration, maximumConnections: max(1, poolSize), logger: logger)
            return Database(location: .mysql(location), dialect: .mariadb, logger: logger, backend: .mariadb(pool))
            #else
            _ = location
            throw DatabaseURLError(Self.mariaDBMissing)
            #endif
        }
    }

    /// The one line a build without the `MariaDB` trait answers a MariaDB URL with.
    public static let mariaDBMissing =
        "this fastsmtp was built without MariaDB support; build it with `swift build --traits MariaDB` "
        + "(needs libmariadb-dev), or use sqlite:/// or postgresql://"

    private init(
        location: DatabaseLocation, dialect: SQLDialectKind, logger: Logger, backend: Backend,
        readers: SQLiteReaders? = nil
    ) {
        self.location = location
        self.dialect = dialect
        self.logger = logger
        self.backend = backend
        self.readers = readers
        // One writer on SQLite (one connection writes); two where a pool lets transactions run side by side, so one
        // batch can be filled while the other commits.
        let writers = dialect == .sqlite ? 1 : 2
        committer.withLockedValue {
            $0 = GroupCommitter(
                maxWriters: writers, begin: dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN", logger: logger
            ) { [weak self] body in
                guard let self else { throw DatabaseURLError("the database is closed") }
                try await self.withConnection(body)
            }
        }
    }

    /// Runs `body` in a transaction shared with the other writes ready at the same moment (group commit: one commit,
    /// one fsync, for all of them), in a savepoint of its own: when `body` throws only its own writes are undone.
    /// Returns after the shared transaction committed; throws its error when it did not (nothing of `body` exists).
    ///
    /// `beginWithin` bounds only the wait for `body` to begin (``DatabaseBusyError``: it never ran). `body` must not
    /// end the transaction, and must write only what it may lose with the others when the shared commit fails.
    public func withGroupTransaction<R: Sendable>(
        beginWithin limit: Duration? = nil, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        guard let committer = committer.withLockedValue({ $0 }) else {
            return try await withTransaction(beginWithin: limit, body)
        }
        return try await Self.bounded(limit) { began in try await committer.run(began: began, body) }
    }

    /// Writes waiting for a group transaction now.
    public var queuedWrites: Int { committer.withLockedValue { $0 }?.queued ?? 0 }

    /// Group transactions committed so far, and the writes they held (their ratio is the batching achieved).
    public var groupCommits: (transactions: Int, writes: Int) {
        committer.withLockedValue { $0 }?.committed ?? (0, 0)
    }

    /// Lends a connection for reading only. On SQLite one of the reader connections, so reads never wait for the
    /// writer's commit; elsewhere ``withConnection(beginWithin:_:)``. Anything written through it fails on SQLite.
    public func withReadConnection<R: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        if let readers { return try await readers.withConnection(body) }
        return try await withConnection(body)
    }

    /// Runs the connection pool until graceful shutdown (or cancellation), then closes the database.
    public func run() async throws {
        switch backend {
        case .postgres(let client):
            await cancelWhenGracefulShutdown { await client.run() }
        case .sqlite(let handle, _):
            try? await gracefulShutdown()
            try await closeSQLite(handle)
        #if MariaDB
        case .mariadb(let pool):
            try? await gracefulShutdown()
            await pool.close()
        #endif
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
        if case .postgres(let pg) = location { try await probe(pg, logger: logger) }
        let database = try await Database.open(location, logger: logger, poolSize: poolSize)
        #if MariaDB
        if case .mariadb(let pool) = database.backend {
            // Connect once now: an unreachable server, a refused login or a server older than 10.6 is reported
            // with its reason at once.
            do {
                try await pool.withConnection { _ in }
            } catch {
                await pool.close()
                let configuration = pool.configuration
                let mode =
                    configuration.tls == .verifyCA || configuration.tls == .verifyFull
                    ? " (ssl=\(configuration.tls.rawValue), CA: \(configuration.caPath ?? "the system's trust store"))"
                    : ""
                throw DatabaseUnreachableError(
                    "cannot connect to MariaDB at \(configuration.endpoint): \(error)\(mode)")
            }
        }
        #endif
        return try await database.whileRunning { try await body(database) }
    }

    /// Connects once, outside any pool, and closes again: a server that cannot be reached, refuses the login or
    /// fails the TLS check is reported at once with the reason, where a pool would retry for a minute and then
    /// report only that it gave up.
    /// - Throws: ``DatabaseUnreachableError``.
    public static func probe(_ pg: DatabaseLocation.PostgresLocation, logger: Logger) async throws {
        var configuration = PostgresConnection.Configuration(
            host: pg.host, port: pg.port, username: pg.username, password: pg.password, database: pg.database,
            tls: try pg.connectionTLS())
        configuration.options.connectTimeout = .seconds(10)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch let error as PSQLError {
            let reason = error.serverInfo?[.message] ?? error.underlying.map { "\($0)" } ?? "\(error.code)"
            let mode = pg.tls == .verifyCA || pg.tls == .verifyFull ? " (sslmode=\(pg.tls.rawValue))" : ""
            throw DatabaseUnreachableError("cannot connect to PostgreSQL at \(pg.host):\(pg.port): \(reason)\(mode)")
        } catch {
            throw DatabaseUnreachableError("cannot connect to PostgreSQL at \(pg.host):\(pg.port): \(error)")
        }
        try? await connection.close()
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
        case .sqlite(let handle, _):
            do {
                let result = try await body()
                try await closeSQLite(handle)
                return result
            } catch {
                try? await closeSQLite(handle)
                throw error
            }
        #if MariaDB
        case .mariadb(let pool):
            do {
                let result = try await body()
                await pool.close()
                return result
            } catch {
                await pool.close()
                throw error
            }
        #endif
        }
    }

    /// Lends one connection to `body`. With `beginWithin`, only if it can be had within that time (the SQLite lock or
    /// a PostgreSQL connection is granted in time); else ``DatabaseBusyError`` and `body` never runs.
    ///
    /// Only the wait to begin is bounded. Once `body` has begun this waits for its real outcome, however long it
    /// takes: neither SQLite nor the drivers stop a statement on cancellation, so answering "failed" while a commit
    /// may still land would lie (for SMTP: a 451 after a commit, and a duplicate when the sender retries). Bound the
    /// statements themselves where the database can (PostgreSQL `statement_timeout`).
    // Statements are never logged by the SQL layer (`queryLogLevel: nil`): their binds carry signing secrets, key
    // hashes and message content.
    public func withConnection<R: Sendable>(
        beginWithin limit: Duration? = nil, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        switch backend {
        case .sqlite(let handle, let mutex):
            return try await mutex.withLock(within: limit) { try await body(handle.connection.sql(queryLogLevel: nil)) }

        case .postgres(let client):
            return try await Self.bounded(limit) { began in
                try await client.withConnection { connection in
                    guard began() else { return nil }
                    return try await body(ClosedConnectionGuard(connection))
                }
            }
        #if MariaDB
        case .mariadb(let pool):
            let logger = logger
            return try await Self.bounded(limit) { began in
                try await pool.withConnection { connection in
                    guard began() else { return nil }
                    return try await body(MariaDBSQLDatabase(connection: connection, logger: logger))
                }
            }
        #endif
        }
    }

    /// Runs `lease` (which waits for a pooled connection, asks `began()`, and runs the caller's work only when it
    /// answers true), bounding only the wait: with `limit`, the lease and a timer race; whichever settles first wins.
    /// A lease that comes after the deadline must not start anything: the caller was told no.
    private static func bounded<R: Sendable>(
        _ limit: Duration?, _ lease: @escaping @Sendable (@escaping @Sendable () -> Bool) async throws -> R?
    ) async throws -> R {
        guard let limit else {
            guard let result = try await lease({ true }) else { throw DatabaseBusyError(waited: .zero) }
            return result
        }
        let state = NIOLockedValueBox(BeginState.waiting)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await lease { state.withLockedValue { $0.settle(.began) } }
            }
            group.addTask {
                try await Task.sleep(for: limit)
                if state.withLockedValue({ $0.settle(.abandoned) }) { throw DatabaseBusyError(waited: limit) }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
            }
            throw DatabaseBusyError(waited: limit)
        }
    }

    private enum BeginState: Equatable {
        case waiting, began, abandoned

        /// Moves from `waiting` to `outcome`; false when the other side settled first.
        mutating func settle(_ outcome: BeginState) -> Bool {
            guard self == .waiting else { return false }
            self = outcome
            return true
        }
    }

    /// Closes the database now, if nothing has closed it yet: for a `Database` that was opened but will never
    /// run (a startup that failed after ``open(_:logger:poolSize:)``). Later closes, and ``run()``, do nothing more.
    public func close() async throws {
        switch backend {
        case .postgres:
            // A pool that never ran holds no connection; one that runs is closed by ending run().
            break
        case .sqlite(let handle, _):
            try await closeSQLite(handle)
        #if MariaDB
        case .mariadb(let pool):
            await pool.close()
        #endif
        }
    }

    private func closeSQLite(_ handle: SQLiteHandle) async throws {
        try await readers?.close()
        try await handle.close()
    }

    /// Lends a raw PostgreSQL connection (for LISTEN). Throws on SQLite.
    func withPostgresConnection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        guard case .postgres(let client) = backend else { throw DatabaseURLError("not a PostgreSQL database") }
        return try await client.withConnection { try await body($0) }
    }

    /// Runs `body` inside one transaction: committed when it returns, rolled back when it throws. `beginWithin`
    /// bounds only the wait for the connection, as for ``withConnection(beginWithin:_:)``.
    public func withTransaction<R: Sendable>(
        beginWithin limit: Duration? = nil, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await withConnection(beginWithin: limit) { sql in try await self.transaction(on: sql, body) }
    }

    private func transaction<R: Sendable>(
        on sql: any SQLDatabase, _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        // SQLite: take the write lock up front, so a concurrent writer (the CLI) waits instead of failing mid-way.
        try await sql.raw(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
        do {
            let result = try await body(sql)
            try await sql.raw("COMMIT").run()
            return result
        } catch {
            do {
                try await sql.raw("ROLLBACK").run()
            } catch {
                logger.warning("rollback failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            throw error
        }
    }
}

/// SQLite connections that only read (`PRAGMA query_only`), each lent to one reader at a time, taken in turn.
final class SQLiteReaders: Sendable {
    private let connections: [(handle: SQLiteHandle, mutex: AsyncMutex)]
    private let next = NIOLockedValueBox(0)

    private init(_ connections: [(handle: SQLiteHandle, mutex: AsyncMutex)]) {
        self.connections = connections
    }

    static func open(storage: SQLiteConnection.Storage, count: Int, logger: Logger) async throws -> SQLiteReaders {
        var connections: [(handle: SQLiteHandle, mutex: AsyncMutex)] = []
        do {
            for _ in 0..<max(1, count) {
                let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
                connections.append((SQLiteHandle(connection), AsyncMutex()))
                let sql = connection.sql(queryLogLevel: nil)
                for pragma in ["PRAGMA query_only = ON", "PRAGMA busy_timeout = 5000", "PRAGMA mmap_size = 268435456"] {
                    try await sql.raw(SQLQueryString(pragma)).run()
                }
            }
        } catch {
            for connection in connections { try? await connection.handle.close() }
            throw error
        }
        return SQLiteReaders(connections)
    }

    func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let index = next.withLockedValue { next -> Int in
            defer { next = (next + 1) % connections.count }
            return next
        }
        let reader = connections[index]
        return try await reader.mutex.withLock { try await body(reader.handle.connection.sql(queryLogLevel: nil)) }
    }

    func close() async throws {
        for connection in connections { try await connection.handle.close() }
    }
}

/// The one SQLite connection, closed exactly once.
///
/// `SQLiteConnection.close()` is not idempotent: a second call clears the hooks of a handle that is already gone
/// (a crash at exit in release builds). Every way a ``Database`` ends goes through ``close()``, which closes on the
/// first call and hands later callers the same outcome; a handle released while still open closes itself.
final class SQLiteHandle: Sendable {
    let connection: SQLiteConnection
    private let state = NIOLockedValueBox(State.open)

    private enum State {
        case open
        case closing(EventLoopFuture<Void>)
        case closed
    }

    init(_ connection: SQLiteConnection) {
        self.connection = connection
    }

    func close() async throws {
        let closing = state.withLockedValue { state -> EventLoopFuture<Void>? in
            switch state {
            case .open:
                let future = connection.close()
                state = .closing(future)
                return future
            case .closing(let future):
                return future
            case .closed:
                return nil
            }
        }
        guard let closing else { return }
        defer { state.withLockedValue { $0 = .closed } }
        try await closing.get()
    }

    deinit {
        // Only a handle nobody closed (a test that threw before closing): the connection is still open, so this is
        // its first and only close.
        if case .open = state.withLockedValue({ $0 }) {
            let connection = connection
            connection.close().whenComplete { _ in _ = connection }
        }
    }
}
