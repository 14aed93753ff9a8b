#if MariaDB
import Foundation
import Logging
import MariaDBClient
import Testing

/// The per-connection prepared-statement cache: least recently used out first, bounded, and what leaves it is handed
/// back to be closed.
@Suite struct MariaDBStatementCacheTests {
    @Test func theLeastRecentlyUsedLeavesFirst() {
        var cache = MariaDBStatementCache<Int>(capacity: 2)
        #expect(cache.insert(1, for: "a").isEmpty)
        #expect(cache.insert(2, for: "b").isEmpty)
        #expect(cache.value(for: "a") == 1)  // "b" is now the least recently used
        #expect(cache.insert(3, for: "c") == [2])
        #expect(cache.value(for: "b") == nil)
        #expect(cache.value(for: "a") == 1)
        #expect(cache.value(for: "c") == 3)
        #expect(cache.count == 2)
    }

    @Test func replacingRemovingAndEmptyingHandValuesBack() {
        var cache = MariaDBStatementCache<Int>(capacity: 3)
        _ = cache.insert(1, for: "a")
        #expect(cache.insert(2, for: "a") == [1])
        _ = cache.insert(3, for: "b")
        #expect(cache.remove("a") == 2)
        #expect(cache.remove("a") == nil)
        _ = cache.insert(4, for: "c")
        #expect(cache.removeAll().sorted() == [3, 4])
        #expect(cache.count == 0)
    }

    @Test func aCapacityOfZeroKeepsNothing() {
        var cache = MariaDBStatementCache<Int>(capacity: 0)
        #expect(cache.insert(1, for: "a") == [1])
        #expect(cache.value(for: "a") == nil)
    }
}

/// The cache on a real server: a statement run again is not prepared again; statements that leave the cache are
/// closed on the server; a table changed under a kept statement is read as it now is.
@Suite(.enabled(if: TestDatabase.mariaDBURL != nil), .timeLimit(.minutes(1)))
struct MariaDBStatementCacheServerTests {
    private static func pool(capacity: Int) async throws -> MariaDBConnectionPool {
        let url = try await TestDatabase.mariadb.makeURL()
        guard let components = URLComponents(string: url), let host = components.host else {
            throw TestSetupError("bad URL \(url)")
        }
        let configuration = MariaDBConfiguration(
            host: host, port: components.port ?? 3306, username: components.user ?? "root",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable,
            statementCacheCapacity: capacity)
        return MariaDBConnectionPool(configuration: configuration, maximumConnections: 1, logger: .quiet)
    }

    /// The session's counter `name` (`Com_stmt_prepare`, `Com_stmt_close`).
    private static func counter(_ name: String, _ connection: MariaDBPooledConnection) async throws -> Int {
        let result = try await connection.execute("SHOW SESSION STATUS LIKE '\(name)'")
        guard case .text(let value) = result.rows.first?.last, let number = Int(value) else {
            throw TestSetupError("no \(name) in \(result.rows)")
        }
        return number
    }

    @Test func aStatementRunAgainIsNotPreparedAgain() async throws {
        let pool = try await Self.pool(capacity: 8)
        try await pool.withConnection { connection in
            let before = try await Self.counter("Com_stmt_prepare", connection)
            for n in 0..<5 {
                let result = try await connection.execute("SELECT ? + 1 AS n", [.int(Int64(n))])
                #expect(result.rows == [[.int(Int64(n) + 1)]])
            }
            // The five SELECTs were prepared once (the SHOW was prepared, and kept, before `before` was read).
            #expect(try await Self.counter("Com_stmt_prepare", connection) - before == 1)
        }
        await pool.close()
    }

    @Test func statementsLeavingTheCacheAreClosedOnTheServer() async throws {
        let pool = try await Self.pool(capacity: 2)
        try await pool.withConnection { connection in
            // Kept: the SHOW. SELECT 0 fills the cache; SELECT 1, 2 and 3 each close the least recently used (the
            // SHOW, SELECT 0, SELECT 1), and the SHOW, prepared again, closes SELECT 2 before it runs. Closing after
            // every statement would make it 5, keeping without closing 0.
            let before = try await Self.counter("Com_stmt_close", connection)
            for n in 0..<4 {
                _ = try await connection.execute("SELECT \(n) AS n")
            }
            #expect(try await Self.counter("Com_stmt_close", connection) - before == 4)
        }
        await pool.close()
    }

    @Test func aTableChangedUnderAKeptStatementIsReadAsItNowIs() async throws {
        let pool = try await Self.pool(capacity: 8)
        try await pool.withConnection { connection in
            _ = try await connection.execute("CREATE TABLE t (a INT) ENGINE=InnoDB")
            _ = try await connection.execute("INSERT INTO t (a) VALUES (1)")
            #expect(try await connection.execute("SELECT a FROM t").rows == [[.int(1)]])
            #expect(try await connection.execute("SELECT * FROM t").columns == ["a"])
            // A `*` is prepared anew each time (never kept), so a new column shows at once.
            _ = try await connection.execute("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'")
            let widened = try await connection.execute("SELECT * FROM t")
            #expect(widened.columns == ["a", "b"])
            #expect(widened.rows == [[.int(1), .text("x")]])
            // A kept statement with an explicit list survives the change.
            #expect(try await connection.execute("SELECT a FROM t").rows == [[.int(1)]])
            // One the change broke fails, is dropped, and works again once the column is back.
            #expect(try await connection.execute("SELECT b FROM t").rows == [[.text("x")]])
            _ = try await connection.execute("ALTER TABLE t RENAME COLUMN b TO c")
            await #expect(throws: MariaDBError.self) { try await connection.execute("SELECT b FROM t") }
            _ = try await connection.execute("ALTER TABLE t RENAME COLUMN c TO b")
            #expect(try await connection.execute("SELECT b FROM t").rows == [[.text("x")]])
            let renamed = try await connection.execute("SELECT * FROM t")
            #expect(renamed.columns == ["a", "b"])
        }
        await pool.close()
    }

    @Test func starStatementsAreNotKept() async throws {
        let pool = try await Self.pool(capacity: 8)
        try await pool.withConnection { connection in
            let before = try await Self.counter("Com_stmt_prepare", connection)
            for _ in 0..<3 { _ = try await connection.execute("SELECT COUNT(*) AS n FROM DUAL") }
            #expect(try await Self.counter("Com_stmt_prepare", connection) - before == 3)
        }
        await pool.close()
    }
}
#endif
