#if MariaDB
import Foundation
import SQLKit
import Storage
import Testing

/// A connection that comes back to the pool with a transaction still open (a ROLLBACK that failed, a caller that
/// never ended it) is never lent again: its locks would stall the next users (once seen as "Lock wait timeout
/// exceeded", 1205, in a test that renames a column) and its writes would commit with theirs.
@Suite(.enabled(if: TestDatabase.mariaDBURL != nil), .timeLimit(.minutes(1)))
struct MariaDBPoolTransactionTests {
    @Test func aConnectionReturnedInsideATransactionIsNotLentAgain() async throws {
        let location = try DatabaseLocation(url: try await TestDatabase.mariadb.makeURL())
        try await Database.withDatabase(location, logger: .quiet, poolSize: 1) { database in
            try await database.withConnection { sql in
                try await sql.raw("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB").run()
            }
            struct Abandoned: Error {}
            await #expect(throws: Abandoned.self) {
                try await database.withConnection { sql in
                    try await sql.raw("BEGIN").run()
                    try await sql.raw("INSERT INTO t (id) VALUES (1)").run()
                    throw Abandoned()
                }
            }
            // The next lease (at once, so no ping) is a session with no transaction, and the row was rolled back.
            let (open, rows) = try await database.withConnection { sql in
                let open = try await sql.raw("SELECT @@in_transaction AS open").first()?.decode(
                    column: "open", as: Int.self)
                let rows = try await sql.raw("SELECT COUNT(*) AS n FROM t").first()?.decode(column: "n", as: Int.self)
                return (open, rows)
            }
            #expect(open == 0)
            #expect(rows == 0)
            // And nothing holds a lock on the table: a DDL statement does not wait.
            try await database.withConnection { sql in
                try await sql.raw("SET SESSION lock_wait_timeout = 2").run()
                try await sql.raw("ALTER TABLE t ADD COLUMN note TEXT").run()
            }
        }
    }

    @Test func aCommittedOrRolledBackTransactionKeepsItsConnection() async throws {
        let location = try DatabaseLocation(url: try await TestDatabase.mariadb.makeURL())
        try await Database.withDatabase(location, logger: .quiet, poolSize: 1) { database in
            let id = { @Sendable () async throws -> Int in
                try await database.withConnection { sql in
                    try #require(
                        try await sql.raw("SELECT CONNECTION_ID() AS id").first()?.decode(column: "id", as: Int.self))
                }
            }
            let first = try await id()
            try await database.withTransaction { sql in try await sql.raw("SELECT 1").run() }
            struct Undo: Error {}
            await #expect(throws: Undo.self) {
                try await database.withTransaction { sql in
                    try await sql.raw("SELECT 1").run()
                    throw Undo()
                }
            }
            #expect(try await id() == first)
        }
    }
}
#endif
