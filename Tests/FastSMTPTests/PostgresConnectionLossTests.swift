import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Storage
import Testing

/// A statement on a connection the server has ended (a restart, `pg_ctl stop -m fast`, `pg_terminate_backend`: FATAL
/// 57P01) fails at once instead of waiting forever (issue #11: the driver drops a write into a closed channel).
@Suite(.enabled(if: TestDatabase.postgresURL != nil), .timeLimit(.minutes(1)))
struct PostgresConnectionLossTests {
    @Test func aStatementAfterTheServerEndedTheConnectionFailsAtOnce() async throws {
        let url = try await TestDatabase.postgresql.makeURL()
        let location = try DatabaseLocation(url: url)
        let outcome = try await Database.withDatabase(location, logger: .quiet, poolSize: 1) { database in
            try await database.withConnection { sql in
                let pid = try #require(
                    try await sql.raw("SELECT pg_backend_pid() AS pid").first()?.decode(column: "pid", as: Int.self))
                try await Database.withDatabase(location, logger: .quiet, poolSize: 1) { other in
                    try await other.withConnection { admin in
                        try await admin.raw("SELECT pg_terminate_backend(\(unsafeRaw: String(pid)))").run()
                    }
                }
                // Long enough for NIO to see the close and take the channel's handlers down.
                try await Task.sleep(for: .milliseconds(300))
                return await Self.within(.seconds(10)) {
                    do {
                        try await sql.raw("SELECT 1").run()
                        return "succeeded"
                    } catch {
                        return "failed"
                    }
                }
            }
        }
        #expect(outcome == "failed")
        // And the pool recovers: the next lease gets a live connection.
        let again = try await Database.withDatabase(location, logger: .quiet, poolSize: 1) { database in
            try await database.withConnection(beginWithin: .seconds(10)) { sql in
                try await sql.raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self)
            }
        }
        #expect(again == 1)
    }

    /// `operation`'s result, or "hung" when it has not finished within `limit` (it is left running: it may never end).
    private static func within(
        _ limit: Duration, _ operation: @escaping @Sendable () async -> String
    ) async -> String {
        let answer = NIOLockedValueBox<CheckedContinuation<String, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            answer.withLockedValue { $0 = continuation }
            let finish: @Sendable (String) -> Void = { value in
                answer.withLockedValue { pending in
                    pending?.resume(returning: value)
                    pending = nil
                }
            }
            Task { finish(await operation()) }
            Task {
                try? await Task.sleep(for: limit)
                finish("hung")
            }
        }
    }
}
