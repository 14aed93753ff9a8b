import FastSMTPApp
import Foundation
import Storage
import Testing

/// A webhook exchange is bounded as a whole, one dead destination cannot starve the others, and shutdown is bounded.
@Suite("Webhook bounds", .serialized)
struct WebhookBoundsTests {
    @Test(
        "a receiver that sends its head and then stalls, or never answers, frees the worker within the timeout",
        arguments: [WebhookReceiver.Answer.trickle, .hang])
    func stalledReceiverFreesTheWorker(answer: WebhookReceiver.Answer) async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let stalled = WebhookReceiver(fallback: answer)
        let healthy = WebhookReceiver()
        try await stalled.run {
            try await healthy.run {
                // One worker loop: while it is held, nothing else is delivered.
                let settings = TestServer.settings(databaseURL: url) {
                    $0.webhookTimeout = 1
                    $0.workerConcurrency = 1
                    $0.webhookMaxRetries = 0
                }
                try await TestServer.run(settings: settings) { server in
                    try await server.store.createDomain("example.com")
                    _ = try await server.store.createRecipient(
                        domain: "example.com", localPart: "stalled", webhookURL: try await stalled.url())
                    _ = try await server.store.createRecipient(
                        domain: "example.com", localPart: "healthy", webhookURL: try await healthy.url())
                    let first = try await SMTPTestClient.send(
                        port: server.smtpPort, to: ["stalled@example.com"],
                        message: SMTPTestClient.message(subject: "stall", to: "stalled@example.com"))
                    _ = try await stalled.waitForRequests(1)
                    let started = ContinuousClock.now
                    let second = try await SMTPTestClient.send(
                        port: server.smtpPort, to: ["healthy@example.com"],
                        message: SMTPTestClient.message(subject: "next", to: "healthy@example.com"))
                    let stalledRows = try await server.waitForDeliveries(of: try #require(first.queueID)) {
                        $0.first?.status == .exhausted
                    }
                    #expect(stalledRows[0].lastError?.hasPrefix("timeout") == true, "\(stalledRows[0].lastError ?? "")")
                    _ = try await server.waitForDeliveries(of: try #require(second.queueID)) {
                        $0.first?.status == .delivered
                    }
                    let elapsed = ContinuousClock.now - started
                    #expect(
                        elapsed < .seconds(8),
                        "the worker was held \(elapsed) by a 1 s timeout (the receiver stalls 30 s)")
                }
            }
        }
    }

    @Test(
        "rows to a destination that never answers hold at most its share of the workers; a healthy one keeps going",
        arguments: TestDatabase.available)
    func deadDestinationCannotStarveOthers(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let dead = WebhookReceiver(fallback: .hang)
        let healthy = WebhookReceiver()
        try await dead.run {
            try await healthy.run {
                let count = 20
                let queueID = try await TestServer.run(
                    settings: TestServer.settings(databaseURL: url), roles: Roles(smtp: true, api: false, worker: false)
                ) { server in
                    try await server.store.createDomain("example.com")
                    var to: [String] = []
                    for index in 0..<count {
                        _ = try await server.store.createRecipient(
                            domain: "example.com", localPart: "dead\(index)", webhookURL: try await dead.url())
                        _ = try await server.store.createRecipient(
                            domain: "example.com", localPart: "ok\(index)", webhookURL: try await healthy.url())
                        to += ["dead\(index)@example.com", "ok\(index)@example.com"]
                    }
                    let transcript = try await SMTPTestClient.send(
                        port: server.smtpPort, to: to, message: SMTPTestClient.message(subject: "mixed", to: to[0]))
                    return try #require(transcript.queueID)
                }
                // Eight loops, four requests per destination, and attempts that would hang for 10 s.
                let settings = TestServer.settings(databaseURL: url) {
                    $0.workerConcurrency = 8
                    $0.webhookHostConcurrency = 4
                    $0.webhookTimeout = 10
                    $0.shutdownTimeout = 0.2
                }
                try await TestServer.run(settings: settings, roles: Roles(smtp: false, api: false, worker: true)) {
                    server in
                    let started = ContinuousClock.now
                    _ = try await healthy.waitForRequests(count, timeout: .seconds(8))
                    let elapsed = ContinuousClock.now - started
                    #expect(elapsed < .seconds(7), "the healthy destination waited \(elapsed) behind the dead one")
                    // At most its four slots, whatever order the claims took the rows in; all four in the end.
                    #expect(dead.received.count <= 4, "requests to the dead destination: \(dead.received.count)")
                    let deadline = ContinuousClock.now + .seconds(5)
                    while dead.received.count < 4, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    #expect(dead.received.count == 4, "requests to the dead destination: \(dead.received.count)")
                    let rows = try await server.waitForDeliveries(of: queueID, timeout: .seconds(5)) {
                        $0.filter { $0.status == .delivered }.count == count
                    }
                    #expect(rows.filter { $0.status == .pending }.count == count)
                }
            }
        }
    }

    @Test("graceful shutdown waits FASTSMTP_SHUTDOWN_TIMEOUT, then releases the attempts in flight, uncounted")
    func shutdownReleasesAttemptsInFlight() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let receiver = WebhookReceiver(fallback: .hang)
        try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) {
                $0.webhookTimeout = 20
                $0.shutdownTimeout = 0.5
            }
            let (queueID, shutdownBegan) = try await TestServer.run(settings: settings) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "in flight", to: "alice@example.com"))
                _ = try await receiver.waitForRequests(1)
                return (try #require(transcript.queueID), ContinuousClock.now)
            }
            let stopped = ContinuousClock.now - shutdownBegan
            #expect(stopped < .seconds(3), "shutdown took \(stopped) with a 0.5 s bound")
            try await TestServer.run(
                settings: TestServer.settings(databaseURL: url), roles: Roles(smtp: false, api: false, worker: false)
            ) { server in
                let messageID = try #require(UUID(uuidString: queueID))
                let row = try #require(try await server.store.deliveries(storedMessageID: messageID).first)
                #expect(row.status == .pending)
                #expect(row.attempts == 0)
                #expect(row.lockedBy == nil)
                #expect(row.lastError == nil)
            }
        }
    }
}
