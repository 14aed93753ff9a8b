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
            // 1. Accept a message with no worker running.
            let settings = TestServer.settings(databaseURL: url)
            let queueID = try await TestServer.run(
                settings: settings, roles: Roles(smtp: true, api: false, worker: false)
            ) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "orphan", to: "alice@example.com")
                )
                let queueID = try #require(transcript.queueID)
                // 2. A worker "dead-1" claims it with a short lease and then dies without recording anything.
                let claimed = try await server.store.claimDueDeliveries(limit: 10, instanceID: "dead-1", lease: 1.5)
                #expect(claimed.count == 1)
                return queueID
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
}
