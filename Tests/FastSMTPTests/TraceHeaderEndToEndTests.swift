import Foundation
import Storage
import Testing

/// Every accepted message carries FastSMTP's `Received:` field: in the stored message and first in the payload's
/// headers, naming the client, this host, the protocol, the queue id and the single recipient.
@Suite("Received trace field over SMTP")
struct TraceHeaderEndToEndTests {
    @Test("stored message and payload start with the Received field", arguments: TestDatabase.available)
    func received(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "traced", to: "alice@example.com"))
                let queueID = try #require(transcript.queueID)
                let storedID = try #require(UUID(uuidString: queueID))
                let stored = try #require(try await server.store.rawMessage(id: storedID))
                let raw = String(decoding: stored, as: UTF8.self)
                #expect(raw.hasPrefix("Received: from "), "\(raw.prefix(200))")
                let firstField = String(raw[..<(raw.range(of: "\r\nFrom:")?.lowerBound ?? raw.endIndex)])
                #expect(firstField.contains("([127.0.0.1])"))
                #expect(firstField.contains("by mx.test with ESMTP id \(queueID)"))
                #expect(firstField.contains("for <alice@example.com>;"))
                #expect(raw.contains("Subject: traced"))
                let payload = try #require(try await receiver.waitForRequests(1).first?.json)
                let message = try #require(payload["message"] as? [String: Any])
                let headers = try #require(message["headers"] as? [[String: Any]])
                #expect(headers.first?["name"] as? String == "Received")
                #expect((headers.first?["value"] as? String)?.contains("id \(queueID)") == true)
                #expect(message["size"] as? Int == raw.utf8.count)
            }
        }
    }
}
