import FastSMTPApp
import Foundation
import SQLKit
import Testing

@testable import SMTPServer
@testable import Storage

/// Big messages: spooled while they arrive, stored in chunks, delivered whole; a budget bounds what is in flight.
@Suite("Big messages", .serialized)
struct BigMessageTests {
    @Test(
        "a message past the spool threshold and the chunk size arrives whole; nothing is left in the spool",
        arguments: TestDatabase.available)
    func spooledAndChunked(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) { $0.smtpSpoolThreshold = 64 * 1024 }
            try await TestServer.run(settings: settings) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                // 2.5 MiB of text lines, numbered so that a lost, doubled or reordered piece shows.
                let body = (0..<40_000).map { "line \($0) of a big message, padded to be a little longer.\n" }
                    .joined()
                let sent = SMTPTestClient.message(subject: "big", to: "alice@example.com", body: body)
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"], message: sent)
                let queueID = try #require(transcript.queueID)
                let messageID = try #require(UUID(uuidString: queueID))

                let request = try #require(try await receiver.waitForRequests(1).first)
                let text = try #require((request.json?["message"] as? [String: Any])?["text"] as? String)
                #expect(text == body.replacingOccurrences(of: "\n", with: "\r\n"))

                let stored = try #require(try await server.store.rawMessage(id: messageID))
                let expected = Data(sent.utf8)
                #expect(stored.count > expected.count)
                #expect(stored.suffix(expected.count) == expected, "the stored message is not what was sent")
                #expect(String(decoding: stored.prefix(9), as: UTF8.self) == "Received:")
                let chunks = try await server.app.database.withConnection { sql in
                    try await sql.raw("SELECT count(*) AS n FROM message_chunks WHERE message_id = \(bind: messageID)")
                        .first()?.decode(column: "n", as: Int.self)
                }
                #expect(chunks == (stored.count + Store.rawChunkSize - 1) / Store.rawChunkSize)
                let spool = (settings.dataDir as NSString).appendingPathComponent("spool")
                #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
            }
        }
    }

    @Test("a message that does not fit the budget of bytes in flight gets 451 4.3.1 and is not stored")
    func budgetRefusesWith451() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let settings = TestServer.settings(databaseURL: url) {
            $0.smtpMaxMessageSize = 100_000
            $0.smtpMaxInFlightBytes = 100_000
        }
        try await TestServer.run(settings: settings, roles: Roles(smtp: true, api: false, worker: false)) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/x")
            let budget = try #require(server.app.smtpServer?.budget)
            let message =
                SMTPTestClient.message(
                    subject: "20 KB", to: "alice@example.com", body: String(repeating: "x", count: 70) + "\n")
                + String(repeating: String(repeating: "y", count: 70) + "\r\n", count: 280)
            // Other messages hold 90 KB of the 100 KB: 20 KB more does not fit.
            #expect(budget.reserve(90_000))
            let refused = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"], message: message)
            #expect(refused.data?.code == 451)
            #expect(refused.data?.text.hasPrefix("4.3.1") == true)
            #expect(try await server.store.messageCount() == 0)
            // Once they are done, the same message is accepted.
            budget.release(90_000)
            let accepted = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"], message: message)
            #expect(accepted.data?.code == 250)
            #expect(try await server.store.messageCount() == 1)
            #expect(budget.inFlight == 0)
        }
    }
}
