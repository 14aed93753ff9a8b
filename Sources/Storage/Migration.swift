import Logging
import SQLKit

/// One schema revision: statements to apply it and to take it back, per dialect.
public struct Migration: Sendable {
    /// Ordered, unique identifier, e.g. `0001`.
    public var revision: String
    public var description: String
    var upStatements: @Sendable (SQLDialectKind) -> [String]
    var downStatements: @Sendable (SQLDialectKind) -> [String]

    public init(
        revision: String,
        description: String,
        up: @escaping @Sendable (SQLDialectKind) -> [String],
        down: @escaping @Sendable (SQLDialectKind) -> [String]
    ) {
        self.revision = revision
        self.description = description
        self.upStatements = up
        self.downStatements = down
    }
}

public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Applies and reverts ``Migration``s, recording them in the `schema_migrations` table.
///
/// On PostgreSQL a session advisory lock serialises concurrent upgrades (several replicas starting at once);
/// on SQLite the write transaction does. Each revision runs in its own transaction (DDL is transactional on both).
public struct Migrator: Sendable {
    public static let base = "base"
    /// An arbitrary constant: the advisory lock key of FastSMTP migrations ("FSMTP" in ASCII).
    static let advisoryLockKey: Int64 = 0x46_53_4D_54_50

    /// The MariaDB `GET_LOCK` name of FastSMTP migrations.
    static let lockName = "fastsmtp_migrations"

    public let database: Database
    public let migrations: [Migration]
    let logger: Logger

    public init(database: Database, migrations: [Migration] = Migrations.all, logger: Logger) {
        self.database = database
        self.migrations = migrations
        self.logger = logger
    }

    /// The newest revision this binary knows.
    public var head: String { migrations.last?.revision ?? Self.base }

    /// The revisions applied so far, oldest first.
    public func applied() async throws -> [String] {
        let dialect = database.dialect
        return try await database.withConnection { sql in
            guard try await Self.tableExists(sql, dialect: dialect) else { return [] }
            return try await Self.appliedRevisions(sql)
        }
    }

    /// The newest applied revision, or `base` when none is.
    public func current() async throws -> String {
        try await applied().last ?? Self.base
    }

    /// True when every known revision is applied (and no unknown one).
    public func isCurrent() async throws -> Bool {
        try await applied() == migrations.map(\.revision)
    }

    /// Applies every pending revision up to `target` (default: head). Returns the revisions applied.
    @discardableResult
    public func upgrade(to target: String? = nil) async throws -> [String] {
        let target = target ?? head
        guard target == Self.base || migrations.contains(where: { $0.revision == target }) else {
            throw MigrationError(
                "unknown revision '\(target)' (known: \(migrations.map(\.revision).joined(separator: ", ")))")
        }
        return try await withMigrationLock { sql in
            let done = Set(try await Self.appliedRevisions(sql))
            var applied: [String] = []
            for migration in migrations {
                if !done.contains(migration.revision) {
                    try await apply(migration, sql: sql, up: true)
                    applied.append(migration.revision)
                }
                if migration.revision == target { break }
            }
            return applied
        }
    }

    /// Reverts applied revisions newer than `target` (`base` reverts all). Returns the revisions reverted.
    @discardableResult
    public func downgrade(to target: String) async throws -> [String] {
        guard target == Self.base || migrations.contains(where: { $0.revision == target }) else {
            throw MigrationError(
                "unknown revision '\(target)' (known: base, \(migrations.map(\.revision).joined(separator: ", ")))")
        }
        return try await withMigrationLock { sql in
            let done = Set(try await Self.appliedRevisions(sql))
            var reverted: [String] = []
            for migration in migrations.reversed() {
                if migration.revision == target { break }
                if done.contains(migration.revision) {
                    try await apply(migration, sql: sql, up: false)
                    reverted.append(migration.revision)
                }
            }
            return reverted
        }
    }

    private func apply(_ migration: Migration, sql: any SQLDatabase, up: Bool) async throws {
        logger.info(
            "\(up ? "applying" : "reverting") migration",
            metadata: [
                "migration.revision": "\(migration.revision)", "migration.description": "\(migration.description)",
            ])
        let statements = up ? migration.upStatements(database.dialect) : migration.downStatements(database.dialect)
        try await sql.raw(database.dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
        do {
            for statement in statements {
                // MariaDB: tables in InnoDB, utf8mb4, and compared byte for byte as on PostgreSQL and SQLite.
                let statement =
                    database.dialect == .mariadb && statement.hasPrefix("CREATE TABLE")
                    ? statement + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : statement
                try await sql.raw(SQLQueryString(statement)).run()
            }
            if up {
                try await sql.raw(
                    "INSERT INTO schema_migrations (revision, description) VALUES (\(bind: migration.revision), \(bind: migration.description))"
                ).run()
            } else {
                try await sql.raw("DELETE FROM schema_migrations WHERE revision = \(bind: migration.revision)").run()
            }
            try await sql.raw("COMMIT").run()
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw MigrationError(
                "migration \(migration.revision) (\(migration.description)) failed: \(String(reflecting: error))")
        }
    }

    private func withMigrationLock<R: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await database.withConnection { sql in
            let dialect = database.dialect
            let (lock, unlock): (SQLQueryString?, SQLQueryString?) =
                switch dialect {
                case .postgresql:
                    (
                        "SELECT pg_advisory_lock(\(bind: Self.advisoryLockKey))",
                        "SELECT pg_advisory_unlock(\(bind: Self.advisoryLockKey))"
                    )
                // A named lock of the session, waited for without end (-1), like pg_advisory_lock.
                case .mariadb:
                    ("SELECT GET_LOCK(\(bind: Self.lockName), -1)", "SELECT RELEASE_LOCK(\(bind: Self.lockName))")
                case .sqlite: (nil, nil)
                }
            if let lock { try await sql.raw(lock).run() }
            do {
                try await Self.ensureTable(sql)
                let result = try await body(sql)
                if let unlock { try await sql.raw(unlock).run() }
                return result
            } catch {
                if let unlock { try? await sql.raw(unlock).run() }
                throw error
            }
        }
    }

    static func ensureTable(_ sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                revision VARCHAR(64) PRIMARY KEY,
                description TEXT NOT NULL,
                applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
            )
            """
        ).run()
    }

    static func tableExists(_ sql: any SQLDatabase, dialect: SQLDialectKind) async throws -> Bool {
        switch dialect {
        case .postgresql:
            try await sql.raw("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
                .first()?.decode(column: "present", as: Bool.self) ?? false
        case .mariadb:
            try await sql.raw(
                """
                SELECT count(*) AS n FROM information_schema.tables
                WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'
                """
            )
            .first()?.decode(column: "n", as: Int.self) ?? 0 > 0
        case .sqlite:
            try await sql.raw(
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            )
            .first()?.decode(column: "n", as: Int.self) ?? 0 > 0
        }
    }

    static func appliedRevisions(_ sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT revision FROM schema_migrations ORDER BY revision")
            .all()
            .map { try $0.decode(column: "revision", as: String.self) }
    }
}
