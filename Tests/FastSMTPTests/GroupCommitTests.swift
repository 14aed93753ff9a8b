import FastSMTPModels
import Foundation
import SQLKit
import Storage
import Testing

/// Group commit (#16): writes ready at the same moment share one transaction, each in a savepoint of its own, and
/// each caller is answered after that transaction's commit with its own outcome.
@Suite("Group commit")
struct GroupCommitTests {
    /// Holds SQLite's one writer in a group transaction of its own until `count` writes wait behind it (so that they
    /// share the next one), then lets go; the returned task ends with that transaction.
    static func holdWriter(_ db: Database, untilQueued count: Int) async throws -> Task<Void, any Error> {
        let (holding, held) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await db.withGroupTransaction { _ in
                held.yield()
                let deadline = ContinuousClock.now + .seconds(20)
                while db.queuedWrites < count, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        for await _ in holding { break }
        return holder
    }

    @Test("concurrent accepts share commits, and every one of them is stored", arguments: TestDatabase.available)
    func acceptsShareCommits(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 4) { db in
            let store = Store(database: db)
            let before = db.groupCommits
            let count = 200
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<count {
                    group.addTask { try await store.accept(AcceptOutcomeTests.message(), deliveries: []) }
                }
                try await group.waitForAll()
            }
            #expect(try await store.messageCount() == count)
            let after = db.groupCommits
            #expect(after.writes - before.writes == count)
            // 200 callers at once: far fewer commits than callers (each commit is an fsync).
            #expect(after.transactions - before.transactions < count / 2, "commits: \(after.transactions)")
        }
    }

    @Test(
        "a write that fails is undone alone: the others in its transaction commit", arguments: TestDatabase.available)
    func failureIsIsolated(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 4) { db in
            let store = Store(database: db)
            let taken = UUID()
            try await store.accept(AcceptOutcomeTests.message(taken), deliveries: [])
            // 20 at once: they share transactions (however the writers batch them), and each outcome is its own.
            let results = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        // Every fifth reuses an id that exists: a primary key violation, in its own savepoint.
                        let id = index % 5 == 0 ? taken : UUID()
                        return (try? await store.accept(AcceptOutcomeTests.message(id), deliveries: [])) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { !$0 }.count == 4)
            #expect(try await store.messageCount() == 1 + 16)
        }
    }

    @Test("a failed commit fails every write of its transaction and stores none of them")
    func failedCommitFailsAll() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { db in
            let store = Store(database: db)
            // A deferred foreign key is checked at COMMIT: one write that breaks it fails the whole transaction.
            let holder = try await Self.holdWriter(db, untilQueued: 6)
            let breaker = Task {
                try await db.withGroupTransaction { sql in
                    try await sql.raw("PRAGMA defer_foreign_keys = ON").run()
                    try await sql.raw(
                        """
                        INSERT INTO recipients (id, domain_id, local_part, webhook_url, webhook_headers, is_enabled,
                                                created_at, updated_at)
                        VALUES (\(bind: UUID()), \(bind: UUID()), 'x', 'http://127.0.0.1:9/', '{}', 1,
                                \(bind: Date()), \(bind: Date()))
                        """
                    ).run()
                }
            }
            let accepts = (0..<5).map { _ in
                Task { try await store.accept(AcceptOutcomeTests.message(), deliveries: []) }
            }
            try await holder.value
            await #expect(throws: (any Error).self) { try await breaker.value }
            for accept in accepts {
                await #expect(throws: (any Error).self) { try await accept.value }
            }
            #expect(try await store.messageCount() == 0, "nothing of the failed transaction exists")
            // The next transaction is a fresh one.
            try await store.accept(AcceptOutcomeTests.message(), deliveries: [])
            #expect(try await store.messageCount() == 1)
        }
    }
}

@Suite("SQLite readers")
struct SQLiteReaderTests {
    @Test("a read does not wait for the writer: routes are found while a write transaction is open")
    func readsBesideTheWriter() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { db in
            let store = Store(database: db)
            try await store.createDomain("example.com")
            _ = try await store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/hook")
            let (holding, held) = AsyncStream.makeStream(of: Void.self)
            let (releasing, release) = AsyncStream.makeStream(of: Void.self)
            // The writer holds SQLite's one write session until the read below has returned.
            let writer = Task {
                try await db.withTransaction { sql in
                    try await sql.raw("UPDATE domains SET updated_at = updated_at").run()
                    held.yield()
                    for await _ in releasing { break }
                }
            }
            for await _ in holding { break }
            let route = try await withTimeout(.seconds(10)) { try await store.route(address: "alice@example.com") }
            #expect(route?.recipient.localPart == "alice")
            release.yield()
            try await writer.value
        }
    }
}
