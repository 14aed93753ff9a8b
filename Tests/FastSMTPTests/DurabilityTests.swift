import FastSMTPApp
import Foundation
import SQLKit
import Storage
import Testing

/// Nothing that got a 250 is lost; nothing half-written exists; a dead worker's deliveries are picked up.
@Suite("Durability", .serialized)
struct DurabilityTests {
    @Test(
        "a storage failure at commit answers 451 4.3.0, never 250, and leaves nothing behind",
        arguments: TestDatabase.available)
    func storageFailureIs451(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/x")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "bob", webhookURL: "http://127.0.0.1:9/x")
            // Make the database refuse the second half of the transaction (the delivery rows): the message row,
            // written first, must be rolled back with it.
            try await server.app.database.withConnection { sql in
                switch server.app.database.dialect {
                case .sqlite:
                    try await sql.raw(
                        """
                        CREATE TRIGGER refuse_deliveries BEFORE INSERT ON delivery_log
                        BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                        """
                    ).run()
                case .postgresql:
                    try await sql.raw(
                        """
                        CREATE FUNCTION refuse_deliveries() RETURNS trigger AS $$
                        BEGIN RAISE EXCEPTION 'disk full (test)'; END $$ LANGUAGE plpgsql
                        """
                    ).run()
                    try await sql.raw(
                        """
                        CREATE TRIGGER refuse_deliveries BEFORE INSERT ON delivery_log
                        FOR EACH ROW EXECUTE FUNCTION refuse_deliveries()
                        """
                    ).run()
                case .mariadb:
                    try await sql.raw(
                        """
                        CREATE TRIGGER refuse_deliveries BEFORE INSERT ON delivery_log
                        FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'disk full (test)'
                        """
                    ).run()
                }
            }
            let transcript = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com", "bob@example.com"],
                message: SMTPTestClient.message(subject: "doomed", to: "alice@example.com")
            )
            #expect(transcript.rcpt.map(\.code) == [250, 250])
            let data = try #require(transcript.data)
            #expect(data.code == 451)
            #expect(data.text.hasPrefix("4.3.0"))
            #expect(try await server.store.messageCount() == 0)
            #expect(try await server.store.deliveryCount() == 0)
        }
    }

    @Test("a read-only SQLite database answers 451 at the final dot")
    func readOnlySQLite() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/x")
            try await server.app.database.withConnection { sql in
                try await sql.raw("PRAGMA query_only = ON").run()
            }
            let transcript = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"],
                message: SMTPTestClient.message(subject: "read-only", to: "alice@example.com")
            )
            #expect(transcript.rcpt.map(\.code) == [250])
            #expect(transcript.data?.code == 451)
            #expect(transcript.queueID == nil)
            try await server.app.database.withConnection { sql in
                try await sql.raw("PRAGMA query_only = OFF").run()
            }
            #expect(try await server.store.messageCount() == 0)
        }
    }

    @Test(
        "a delivery claimed by a worker that vanished is delivered by another once the lease expires",
        arguments: TestDatabase.available)
    func expiredLeaseIsRedelivered(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            // 1. Accept a message with no worker running; 2. a worker "dead-1" claims it with a short lease and then
            // dies without recording anything.
            let queueID = try await Self.acceptOne(url: url, webhook: try await receiver.url()) { store in
                let claimed = try await store.claimDueDeliveries(limit: 10, instanceID: "dead-1", lease: 1.5)
                #expect(claimed.count == 1)
            }
            // 3. A live worker: it must leave the row alone until the lease expires, then deliver it.
            let worker = TestServer.settings(databaseURL: url) { $0.instanceID = "live-2" }
            try await TestServer.run(settings: worker, roles: Roles(smtp: false, api: false, worker: true)) { server in
                try await Task.sleep(for: .milliseconds(500))
                #expect(receiver.received.isEmpty, "delivered while another worker's lease was still valid")
                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .delivered }
                #expect(rows[0].instanceID == "live-2")
                #expect(rows[0].attempts == 2)
                #expect(receiver.received.count == 1)
            }
        }
    }

    @Test(
        "a restarted instance releases the leases its previous run held: delivered at once, not after the lease",
        arguments: TestDatabase.available)
    func restartReleasesOwnLeases(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            let queueID = try await Self.acceptOne(url: url, webhook: try await receiver.url()) { store in
                // The previous run of "box-1" claimed it for five minutes and was killed before it recorded anything.
                let claimed = try await store.claimDueDeliveries(limit: 10, instanceID: "box-1", lease: 300)
                #expect(claimed.count == 1)
            }
            let worker = TestServer.settings(databaseURL: url) { $0.instanceID = "box-1" }
            try await TestServer.run(settings: worker, roles: Roles(smtp: false, api: false, worker: true)) { server in
                let rows = try await server.waitForDeliveries(of: queueID, timeout: .seconds(10)) {
                    $0.first?.status == .delivered
                }
                #expect(rows[0].attempts == 2)
                #expect(rows[0].lockedBy == nil)
                #expect(receiver.received.count == 1)
            }
        }
    }

    @Test(
        "a stale claim can neither renew nor record once another claim took the row", arguments: TestDatabase.available)
    func staleClaimCannotRecord(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let queueID = try await Self.acceptOne(url: url, webhook: "http://127.0.0.1:9/x") { _ in }
        try await TestServer.run(
            settings: TestServer.settings(databaseURL: url), roles: Roles(smtp: false, api: false, worker: false)
        ) { server in
            // The same instance id twice (two loops, or two hosts of one name): only the token tells them apart.
            let first = try #require(
                try await server.store.claimDueDeliveries(limit: 1, instanceID: "x", lease: 0.2).first)
            try await Task.sleep(for: .milliseconds(300))
            let second = try #require(
                try await server.store.claimDueDeliveries(limit: 1, instanceID: "x", lease: 60).first)
            #expect(first.lease.deliveryID == second.lease.deliveryID)
            #expect(first.lease.token != second.lease.token)
            #expect(try await server.store.renew(first.lease, for: 60) == false)
            #expect(try await server.store.record(.delivered(statusCode: 200), lease: first.lease) == false)
            #expect(try await server.store.renew(second.lease, for: 60))
            #expect(try await server.store.record(.failed(statusCode: 400, error: "HTTP 400"), lease: second.lease))
            let messageID = try #require(UUID(uuidString: queueID))
            let row = try #require(try await server.store.deliveries(storedMessageID: messageID).first)
            #expect(row.status == .failed)
            #expect(row.attempts == 2)
        }
    }

    @Test(
        "a row whose every claim died is exhausted, not leased forever; an undecodable payload is exhausted too",
        arguments: TestDatabase.available)
    func neverAttemptableRowsAreExhausted(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) { $0.webhookMaxRetries = 2 }
            let queueID = try await Self.acceptOne(url: url, webhook: try await receiver.url()) { store in
                // Three claims (1 + 2 retries), each by a worker that died before recording.
                for crash in 1...3 {
                    let claimed = try await store.claimDueDeliveries(limit: 1, instanceID: "crash-\(crash)", lease: 60)
                    #expect(claimed.count == 1)
                    try await store.database.withConnection { sql in
                        try await sql.raw("UPDATE delivery_log SET locked_until = NULL").run()
                    }
                }
            }
            let poison = try await TestServer.run(settings: settings, roles: .all) { server in
                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .exhausted }
                #expect(rows[0].attempts == 4)
                #expect(rows[0].lastError?.contains("without a recorded outcome") == true)

                let domain = try #require(try await server.store.domain(named: "example.com"))
                let recipient = try #require(
                    try await server.store.recipients(domainID: domain.id, limit: 1, after: nil).first)
                let id = try await DeliveryFixture.pendingDelivery(
                    server.store, domain: domain, recipient: recipient, payloadJSON: Data(#"{"k":"v"}"#.utf8))
                server.app.wakeup.signal()
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline, try await server.store.delivery(id: id)?.status == .pending {
                    try await Task.sleep(for: .milliseconds(25))
                }
                return try await server.store.delivery(id: id)
            }
            #expect(poison?.status == .exhausted)
            #expect(poison?.attempts == 1)
            #expect(poison?.lastError?.contains("cannot be decoded") == true)
            #expect(receiver.received.isEmpty)
        }
    }

    @Test(
        "a storage error while preparing an attempt is retried, not a permanent failure",
        arguments: TestDatabase.available)
    func storageErrorWhilePreparingIsRetried(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            // With raw_base64 on, preparing reads the stored message: make that read fail for a while.
            let settings = TestServer.settings(databaseURL: url) { $0.webhookIncludeRaw = true }
            let queueID = try await Self.acceptOne(url: url, webhook: try await receiver.url()) { store in
                try await store.database.withConnection { sql in
                    try await sql.raw("ALTER TABLE messages RENAME COLUMN raw TO raw_away").run()
                }
            }
            try await TestServer.run(settings: settings, roles: Roles(smtp: false, api: false, worker: true)) {
                server in
                let retried = try await server.waitForDeliveries(of: queueID) {
                    ($0.first?.attempts ?? 0) >= 1 && $0.first?.lastError != nil
                }
                #expect(retried[0].status == .pending)
                #expect(retried[0].lastError?.contains("storage error") == true)
                try await server.store.database.withConnection { sql in
                    try await sql.raw("ALTER TABLE messages RENAME COLUMN raw_away TO raw").run()
                }
                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .delivered }
                #expect(rows[0].attempts >= 2)
                #expect(receiver.received.count == 1)
            }
        }
    }

    @Test(
        "an attempt slower than the lease keeps its row (renewed): no second claim, one request",
        arguments: TestDatabase.available)
    func slowAttemptKeepsItsLease(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver(script: [.delayed(.milliseconds(4500), status: 200)])
        try await receiver.run {
            let queueID = try await Self.acceptOne(url: url, webhook: try await receiver.url()) { _ in }
            // Four loops in this worker: any of them would claim the row if its 3 s lease lapsed.
            let settings = TestServer.settings(databaseURL: url) {
                $0.workerLease = 3
                $0.webhookTimeout = 10
            }
            try await TestServer.run(settings: settings, roles: Roles(smtp: false, api: false, worker: true)) {
                server in
                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .delivered }
                #expect(rows[0].attempts == 1)
                #expect(receiver.received.count == 1)
            }
        }
    }

    /// Accepts one message for alice@example.com over SMTP with no worker running, then lets `prepare` act on the
    /// store before the server stops; returns the queue id.
    static func acceptOne(
        url: String, webhook: String, prepare: @Sendable (Store) async throws -> Void
    ) async throws -> String {
        try await TestServer.run(
            settings: TestServer.settings(databaseURL: url), roles: Roles(smtp: true, api: false, worker: false)
        ) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(domain: "example.com", localPart: "alice", webhookURL: webhook)
            let transcript = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"],
                message: SMTPTestClient.message(subject: "leased", to: "alice@example.com"))
            let queueID = try #require(transcript.queueID)
            try await prepare(server.store)
            return queueID
        }
    }
}
