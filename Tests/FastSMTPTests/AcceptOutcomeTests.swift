import FastSMTPApp
import FastSMTPModels
import Foundation
import Storage
import Testing

/// Only the wait for the database to *begin* is bounded: a store that has begun is waited for and its real outcome
/// answered, so a slow commit is a late 250, never a 451 followed by a duplicate; a database that cannot begin in
/// time is a 451 with nothing stored.
@Suite("Accept outcome", .serialized)
struct AcceptOutcomeTests {
    static func message(_ id: UUID = UUID()) -> IncomingMessage {
        IncomingMessage(
            id: id, messageID: "<\(id)@example.org>", mailFrom: "a@example.org", recipients: ["b@example.com"],
            helo: "client.test", clientIP: "127.0.0.1", raw: Data("Subject: x\r\n\r\nhi\r\n".utf8), receivedAt: Date(),
            instanceID: "test")
    }

    /// Another process (Python's sqlite3) holding SQLite's write lock for a while.
    struct WriteLock {
        let task: Task<Void, any Error>
        /// Exists once the holder is about to let go: anything that finished before it never waited.
        let releasedPath: String

        var released: Bool { FileManager.default.fileExists(atPath: releasedPath) }
    }

    /// Holds SQLite's write lock from another process for `seconds`; returns once it holds it.
    static func holdWriteLock(path: String, seconds: Double) async throws -> WriteLock {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
        let (ready, released) = (base + ".ready", base + ".released")
        let script = """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            time.sleep(float(sys.argv[4]))
            open(sys.argv[3], "w").close()
            db.execute("COMMIT")
            """
        let task = Task {
            _ = try await runProcess("/usr/bin/env", ["python3", "-c", script, path, ready, released, String(seconds)])
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: ready) {
            guard ContinuousClock.now < deadline else { throw TestSetupError("the lock holder never started") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return WriteLock(task: task, releasedPath: released)
    }

    static func sqlitePath(_ url: String) throws -> String {
        guard case .sqlite(let path) = try DatabaseLocation(url: url) else { throw TestSetupError("not SQLite") }
        return path
    }

    @Test(
        "a database that cannot begin in time: DatabaseBusyError and nothing stored", arguments: TestDatabase.available)
    func busyStoresNothing(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1) { db in
            let store = Store(database: db)
            // The only connection (or SQLite's one session) is busy for longer than the accept may wait to begin.
            let (holding, held) = AsyncStream.makeStream(of: Void.self)
            let holder = Task {
                try await db.withConnection { _ in
                    held.yield()
                    try await Task.sleep(for: .seconds(4))
                }
            }
            for await _ in holding { break }
            let started = ContinuousClock.now
            await #expect(throws: DatabaseBusyError.self) {
                try await store.accept(Self.message(), deliveries: [], beginWithin: .milliseconds(300))
            }
            // Well short of the holder's 4 s, with room for a loaded 2-core machine.
            #expect(ContinuousClock.now - started < .seconds(3), "the wait to begin is bounded")
            try await holder.value
            #expect(try await store.messageCount() == 0)
            // Once the database is free, the same call stores.
            try await store.accept(Self.message(), deliveries: [], beginWithin: .milliseconds(300))
            #expect(try await store.messageCount() == 1)
        }
    }

    @Test("a transaction slowed past the bound after it began is waited for and commits once (SQLite)")
    func slowCommitIsWaitedFor() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let path = try Self.sqlitePath(url)
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1) { db in
            let store = Store(database: db)
            let lock = try await Self.holdWriteLock(path: path, seconds: 1.5)
            // Begins at once (the in-process lock is free), then BEGIN IMMEDIATE waits for the other process: far
            // past the 200 ms bound, and yet it commits.
            try await store.accept(Self.message(), deliveries: [], beginWithin: .milliseconds(200))
            #expect(lock.released, "it really waited for the other writer")
            try await lock.task.value
            #expect(try await store.messageCount() == 1)
        }
    }

    @Test("over SMTP: a commit delayed past the storage timeout answers 250, and a retrying sender stores it once")
    func lateCommitIsA250() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let path = try Self.sqlitePath(url)
        // SMTP alone: a worker polling meanwhile would hold the one SQLite session while it waits for the lock.
        let settings = TestServer.settings(databaseURL: url) { $0.smtpStorageTimeout = 0.5 }
        try await TestServer.run(settings: settings, roles: Roles(smtp: true, api: false, worker: false)) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/hook")
            let lock = try await Self.holdWriteLock(path: path, seconds: 2)
            let message = SMTPTestClient.message(subject: "slow commit", to: "alice@example.com")
            var transcript = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"], message: message)
            try await lock.task.value
            #expect(transcript.error == nil)
            // As an MTA would: anything but 250 is tried again. Before, the 0.5 s bound answered 451 while the commit
            // still landed, and this retry stored the message a second time.
            if transcript.data?.code != 250 {
                Issue.record("the first answer was \(String(describing: transcript.data)), not 250")
                transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"], message: message)
            }
            let queueID = try #require(transcript.queueID)
            #expect(try await server.store.messageCount() == 1)
            #expect(
                try await server.store.deliveries(storedMessageID: try #require(UUID(uuidString: queueID))).count == 1)
        }
    }

    @Test("serve refuses an in-memory SQLite database: a 250 there would promise nothing")
    func memoryDatabaseRefused() async throws {
        let settings = TestServer.settings(databaseURL: "sqlite:///:memory:")
        await #expect(throws: StartupError.self) {
            _ = try await FastSMTPApplication.make(settings: settings, logger: .quiet)
        }
    }
}
