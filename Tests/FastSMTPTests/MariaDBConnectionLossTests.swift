#if MariaDB
import Foundation
import SQLKit
import Storage
import Testing

/// A pooled MariaDB connection the server ended (`KILL`, a restart): the statement that finds it gone fails (it is
/// never sent again: it may have committed), the pool drops that connection, and the next statement gets a new one.
/// An idle connection is pinged before it is lent out again, so a loss noticed while idle costs no statement.
@Suite(.enabled(if: TestDatabase.mariaDBURL != nil), .timeLimit(.minutes(1)))
struct MariaDBConnectionLossTests {
    private static func connectionID(_ database: Database) async throws -> Int {
        try await database.withConnection(beginWithin: .seconds(10)) { sql in
            try #require(try await sql.raw("SELECT CONNECTION_ID() AS id").first()?.decode(column: "id", as: Int.self))
        }
    }

    /// Runs `body` with `database` (one connection at most) and a way to end a connection from another pool, opened
    /// beforehand so that a kill takes one round trip.
    private static func withKiller(
        _ body:
            @escaping @Sendable (Database, _ kill: @escaping @Sendable (Int) async throws -> Void) async throws -> Void
    ) async throws {
        let location = try DatabaseLocation(url: try await TestDatabase.mariadb.makeURL())
        try await Database.withDatabase(location, logger: .quiet, poolSize: 1) { admin in
            try await admin.withConnection { sql in try await sql.raw("SELECT 1").run() }
            try await Database.withDatabase(location, logger: .quiet, poolSize: 1) { database in
                try await body(database) { id in
                    try await admin.withConnection { sql in
                        try await sql.raw("KILL CONNECTION \(unsafeRaw: String(id))").run()
                    }
                }
            }
        }
    }

    @Test func aKilledConnectionFailsItsStatementOnceAndThePoolReconnects() async throws {
        try await Self.withKiller { database, kill in
            let first = try await Self.connectionID(database)
            try await kill(first)
            // Lent again at once (idle for less than the ping interval): the statement finds the connection gone.
            do {
                _ = try await Self.connectionID(database)
                Issue.record("a statement on a killed connection succeeded")
            } catch {
                #expect("\(error)".contains("connection lost"), "\(error)")
            }
            // The pool (one connection at most) dropped it: the next statement runs on a new connection.
            let second = try await Self.connectionID(database)
            #expect(second != first)
            let one = try await database.withConnection { sql in
                try await sql.raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self)
            }
            #expect(one == 1)
        }
    }

    @Test func aConnectionKilledWhileIdleIsReplacedBeforeAnyStatementFails() async throws {
        try await Self.withKiller { database, kill in
            let first = try await Self.connectionID(database)
            try await kill(first)
            // Idle for longer than the pool's ping interval (1 s): the ping finds it gone before it is lent.
            try await Task.sleep(for: .milliseconds(1500))
            let second = try await Self.connectionID(database)
            #expect(second != first)
        }
    }
}
#endif
