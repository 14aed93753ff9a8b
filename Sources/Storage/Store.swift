import Foundation
import Logging
import SQLKit

/// The repositories FastSMTP needs, over one ``Database``. Plain SQL (written once for PostgreSQL and SQLite):
/// every query is visible in one place and hits an index.
public struct Store: Sendable {
    public let database: Database
    /// The clock for created_at/updated_at and queue times; injectable for tests.
    public var now: @Sendable () -> Date
    /// Compiled rules per domain, shared by every copy of this store.
    public let ruleBooks: RuleBookCache

    public init(
        database: Database, now: @escaping @Sendable () -> Date = { Date() }, ruleBooks: RuleBookCache = RuleBookCache()
    ) {
        self.database = database
        self.now = now
        self.ruleBooks = ruleBooks
    }
}

/// Errors the repositories raise for the caller to render (CLI message, HTTP problem, SMTP reply).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case conflict(String)
    case invalid(String)
    /// The row exists but is not in a state that allows the change (e.g. releasing a delivery that is not held).
    case wrongState(String)

    public var description: String {
        switch self {
        case .notFound(let what): "not found: \(what)"
        case .conflict(let what): "already exists: \(what)"
        case .invalid(let what): what
        case .wrongState(let what): what
        }
    }
}

extension Store {
    /// Sets a flag (`is_enabled` unless told) on the row of `table` whose `keyColumn` equals `key`;
    /// ``StoreError/notFound(_:)`` if there is none.
    func setEnabled(
        _ enabled: Bool, table: String, where keyColumn: String, column: String = "is_enabled",
        equals key: some Encodable & Sendable, what: String
    ) async throws {
        let stamp = now()
        let changed = try await database.withConnection { sql in
            try await Store.updatedRows(
                sql,
                """
                UPDATE \(unsafeRaw: table) SET \(unsafeRaw: column) = \(bind: enabled), updated_at = \(bind: stamp)
                WHERE \(unsafeRaw: keyColumn) = \(bind: key)
                """
            )
        }
        if changed == 0 { throw StoreError.notFound(what) }
    }

    /// Runs an UPDATE and returns how many rows it matched: with `RETURNING id` where the database has it
    /// (PostgreSQL, SQLite), from the matched-row count on MariaDB, which has no UPDATE … RETURNING.
    static func updatedRows(_ sql: any SQLDatabase, _ update: SQLQueryString) async throws -> Int {
        #if MariaDB
        if let mariaDB = sql as? MariaDBSQLDatabase { return try await mariaDB.run(update) }
        #endif
        return try await sql.raw(update + " RETURNING id").all().count
    }

    /// Maps a unique-constraint violation of either database to ``StoreError/conflict(_:)``.
    func mappingConflicts<R: Sendable>(_ what: String, _ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch {
            let text = String(reflecting: error)
            // PostgreSQL: SQLSTATE 23505; SQLite: "UNIQUE constraint failed"; MariaDB: error 1062 (SQLSTATE 23000).
            if text.contains("23505") || text.contains("UNIQUE constraint failed") || text.contains("uniqueViolation")
                || text.contains("MariaDB error 1062 ")
            {
                throw StoreError.conflict(what)
            }
            throw error
        }
    }
}
