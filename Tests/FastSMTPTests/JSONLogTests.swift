import FastSMTPApp
import Foundation
import Logging
import NIOConcurrencyHelpers
import Storage
import Telemetry
import Testing

/// `FASTSMTP_LOG_FORMAT=json`: one JSON object per line, with the ids of the message's path (issue #13).
@Suite("JSON logs")
struct JSONLogTests {
    final class Lines: Sendable {
        private let box = NIOLockedValueBox([String]())
        func append(_ line: String) { box.withLockedValue { $0.append(line) } }
        var all: [String] { box.withLockedValue { $0 } }
    }

    static func objects(_ lines: [String]) throws -> [[String: Any]] {
        try lines.map { line in
            #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false, "not one line: \(line)")
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object, "not a JSON object: \(line)")
        }
    }

    @Test func escapingKeepsEveryLineOneJSONObject() throws {
        let lines = Lines()
        var logger = Logger(label: "fastsmtp") { label in JSONLogHandler(label: label) { lines.append($0) } }
        logger.logLevel = .trace
        logger[metadataKey: "nested"] = ["list": ["a\"b", "c\\d"], "n": "\u{1}\u{7F}\u{2028}"]
        logger.info("line one\nline two\r\t\"quoted\" ünïcödé 📬", metadata: ["client": "192.0.2.1"])
        let objects = try Self.objects(lines.all)
        #expect(objects.count == 1)
        let object = try #require(objects.first)
        #expect(object["msg"] as? String == "line one\nline two\r\t\"quoted\" ünïcödé 📬")
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "fastsmtp")
        let ts = try #require(object["ts"] as? String)
        #expect(ts.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/#) != nil, "\(ts)")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["client"] as? String == "192.0.2.1")
        let nested = try #require(metadata["nested"] as? [String: Any])
        #expect(nested["list"] as? [String] == ["a\"b", "c\\d"])
        #expect(nested["n"] as? String == "\u{1}\u{7F}\u{2028}")
    }

    @Test("a message's path logs its ids on every line", arguments: TestDatabase.available)
    func idsOnThePath(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let lines = Lines()
        var logger = Logger(label: "fastsmtp") { label in JSONLogHandler(label: label) { lines.append($0) } }
        logger.logLevel = .info
        let captured = logger
        let receiver = WebhookReceiver(fallback: .status(200))
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url), logger: captured) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "json", to: "alice@example.com"))
                let queueID = try #require(transcript.queueID)
                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .delivered }
                let deliveryID = rows[0].id.uuidString.lowercased()
                try await Task.sleep(for: .milliseconds(200))

                let objects = try Self.objects(lines.all)
                func metadata(ofLine message: String) throws -> [String: String] {
                    let line = try #require(objects.first { $0["msg"] as? String == message }, "no '\(message)' line")
                    return (line["metadata"] as? [String: String]) ?? [:]
                }
                let accepted = try metadata(ofLine: "message accepted")
                #expect(accepted["message.id"] == queueID)
                #expect(accepted["smtp.client.ip"] == "127.0.0.1")
                #expect(accepted["smtp.session.id"]?.isEmpty == false)
                let attempt = try metadata(ofLine: "delivery attempt")
                #expect(attempt["message.id"] == queueID)
                #expect(attempt["delivery.id"]?.lowercased() == deliveryID)
            }
        }
    }
}
