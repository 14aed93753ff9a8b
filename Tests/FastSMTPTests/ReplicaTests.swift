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

extension ReplicaTests {
    @Test(
        "a rule written on one replica decides the next message on another (NOTIFY fastsmtp_rules, not the 60 s age)",
        .enabled(if: TestDatabase.postgresURL != nil))
    func ruleChangeReachesOtherReplica() async throws {
        let url = try await TestDatabase.postgresql.makeMigratedURL()
        let api = TestServer.settings(databaseURL: url) { $0.instanceID = "api-pod" }
        try await TestServer.run(settings: api, roles: Roles(smtp: false, api: true, worker: false)) { apiPod in
            let smtp = TestServer.settings(databaseURL: url) {
                $0.instanceID = "smtp-pod"
                $0.smtpVerifySPF = false
                $0.smtpVerifyDKIM = false
            }
            try await TestServer.run(settings: smtp, roles: Roles(smtp: true, api: false, worker: false)) { smtpPod in
                let domain = try await apiPod.store.createDomain("example.com")
                _ = try await apiPod.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/hook")
                func send(_ subject: String) async throws -> DeliveryStatus? {
                    let transcript = try await SMTPTestClient.send(
                        port: smtpPod.smtpPort, to: ["alice@example.com"],
                        message: SMTPTestClient.message(subject: subject, to: "alice@example.com"))
                    let queueID = try #require(transcript.queueID)
                    let id = try #require(UUID(uuidString: queueID))
                    return try await smtpPod.store.deliveries(storedMessageID: id).first?.status
                }
                // The SMTP replica compiles the domain's (empty) rules and caches them.
                #expect(try await send("before") == .pending)
                // The API replica adds a drop rule; only its notification can reach the other's cache this soon.
                let ruleset = try await apiPod.store.createRuleset(
                    domainID: domain.id, name: "drop-all", priority: 0, stopOnMatch: true, isEnabled: true)
                _ = try await apiPod.store.addRule(
                    rulesetID: ruleset.id, RuleFields(field: "size", operator: "gt", value: "0", action: "drop"))
                var status: DeliveryStatus?
                for attempt in 0..<25 {
                    status = try await send("after \(attempt)")
                    if status == .dropped { break }
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(status == .dropped, "the SMTP replica still ran its cached rules")
            }
        }
    }
}
