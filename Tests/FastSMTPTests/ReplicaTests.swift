import FastSMTPApp
import Foundation
import Storage
import Testing

@Suite("Replicas on PostgreSQL")
struct ReplicaTests {
    @Test(
        "an SMTP-only replica's commit wakes a worker-only replica at once (LISTEN/NOTIFY, not polling)",
        .enabled(if: TestDatabase.postgresURL != nil))
    func notifyWakesOtherReplica() async throws {
        let url = try await TestDatabase.postgresql.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            // Polling every minute: only the notification can make the delivery quick.
            let worker = TestServer.settings(databaseURL: url) {
                $0.instanceID = "worker-pod"
                $0.workerPollInterval = 60
            }
            try await TestServer.run(settings: worker, roles: Roles(smtp: false, api: false, worker: true)) { _ in
                let smtp = TestServer.settings(databaseURL: url) { $0.instanceID = "smtp-pod" }
                try await TestServer.run(settings: smtp, roles: Roles(smtp: true, api: false, worker: false)) {
                    server in
                    // Let the worker's first (empty) look pass, so only a notification can wake it.
                    try await Task.sleep(for: .milliseconds(300))
                    try await server.store.createDomain("example.com")
                    _ = try await server.store.createRecipient(
                        domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                    let transcript = try await SMTPTestClient.send(
                        port: server.smtpPort, to: ["alice@example.com"],
                        message: SMTPTestClient.message(subject: "across pods", to: "alice@example.com")
                    )
                    let queueID = try #require(transcript.queueID)
                    let rows = try await server.waitForDeliveries(of: queueID, timeout: .seconds(10)) {
                        $0.first?.status == .delivered
                    }
                    #expect(rows[0].instanceID == "worker-pod")
                }
            }
        }
    }
}
