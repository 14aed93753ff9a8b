import FastSMTPApp
import Foundation
import Storage
import Testing

/// The retry policy end to end: real HTTP answers drive the queue.
@Suite("Delivery retries", .serialized)
struct RetryTests {
    /// Sends one message to alice@example.com whose webhook is `receiver`, returns the queue id.
    func sendOne(_ server: TestServer, receiver: WebhookReceiver) async throws -> String {
        try await server.store.createDomain("example.com")
        _ = try await server.store.createRecipient(
            domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
        let transcript = try await SMTPTestClient.send(
            port: server.smtpPort, to: ["alice@example.com"],
            message: SMTPTestClient.message(subject: "retry", to: "alice@example.com")
        )
        return try #require(
            transcript.queueID, "not accepted: \(String(describing: transcript.data)) \(transcript.error ?? "")")
    }

    @Test("503, 503, then 200 → delivered after 3 attempts", arguments: TestDatabase.available)
    func transientFailuresThenSuccess(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver(script: [.status(503), .status(503)], fallback: .status(200))
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
                let queueID = try await sendOne(server, receiver: receiver)
                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .delivered }
                #expect(rows[0].attempts == 3)
                #expect(rows[0].lastStatusCode == 200)
                let requests = receiver.received
                #expect(requests.count == 3)
                // Receivers dedupe on webhook-id: the same on every attempt.
                #expect(Set(requests.compactMap { $0.headers["webhook-id"] }).count == 1)
            }
        }
    }

    @Test("400 → failed at once, no retry", arguments: TestDatabase.available)
    func permanentFailure(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver(fallback: .status(400))
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
                let queueID = try await sendOne(server, receiver: receiver)
                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .failed }
                #expect(rows[0].attempts == 1)
                #expect(rows[0].lastStatusCode == 400)
                #expect(rows[0].lastError?.contains("400") == true)
                try await Task.sleep(for: .milliseconds(500))
                #expect(receiver.received.count == 1)
            }
        }
    }

    @Test("a webhook that never answers → exhausted after 1 + max_retries attempts", arguments: TestDatabase.available)
    func noAnswerExhausts(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver(fallback: .hang)
        try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) {
                $0.webhookTimeout = 1
                $0.webhookMaxRetries = 2
            }
            try await TestServer.run(settings: settings) { server in
                let queueID = try await sendOne(server, receiver: receiver)
                let rows = try await server.waitForDeliveries(of: queueID, timeout: .seconds(30)) {
                    $0.first?.status == .exhausted
                }
                #expect(rows[0].attempts == 3)
                #expect(rows[0].lastStatusCode == nil)
                #expect(rows[0].lastError?.contains("timeout") == true)
                #expect(receiver.received.count == 3)
            }
        }
    }
}
