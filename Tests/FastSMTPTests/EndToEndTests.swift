import FastSMTPApp
import Foundation
import Storage
import Testing

/// Mail in over real SMTP (Python smtplib) → durable queue → a real webhook receiver, on SQLite and PostgreSQL.
@Suite("End to end", .serialized)
struct EndToEndTests {
    @Test("a message is delivered to the recipient's webhook", arguments: TestDatabase.available)
    func delivers(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url(),
                    webhookHeaders: ["X-Token": "s3cret"]
                )
                let subject = "Invoice \(UUID().uuidString.prefix(6))"
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, from: "bob@example.org", to: ["Alice@Example.com"],
                    message: SMTPTestClient.message(subject: subject, to: "alice@example.com")
                )
                #expect(transcript.error == nil)
                #expect(transcript.rcpt.map(\.code) == [250])
                let queueID = try #require(
                    transcript.queueID, "no 250 queued-as reply: \(String(describing: transcript.data))")

                let requests = try await receiver.waitForRequests(1)
                let request = try #require(requests.first)
                #expect(request.headers["x-token"] == "s3cret")
                #expect(request.headers["content-type"] == "application/json")
                #expect(request.headers["user-agent"]?.hasPrefix("FastSMTP/") == true)
                let json = try #require(request.json)
                let message = try #require(json["message"] as? [String: Any])
                let envelope = try #require(message["envelope"] as? [String: Any])
                #expect(json["event"] as? String == "email.received")
                #expect(message["id"] as? String == queueID)
                #expect(message["subject"] as? String == subject)
                #expect(envelope["mail_from"] as? String == "bob@example.org")
                #expect(envelope["rcpt_to"] as? [String] == ["Alice@Example.com"])
                #expect(envelope["helo"] as? String == "client.test")
                #expect(envelope["client_ip"] as? String == "127.0.0.1")
                #expect((message["text"] as? String)?.hasPrefix("Hello from the test.") == true)
                #expect(message["raw_base64"] == nil, "raw is off by default")
                let recipient = try #require(json["recipient"] as? [String: Any])
                #expect(recipient["catch_all"] as? Bool == false)

                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .delivered }
                #expect(rows.count == 1)
                #expect(rows[0].attempts == 1)
                #expect(rows[0].lastStatusCode == 200)
                #expect(rows[0].deliveredAt != nil)
                #expect(rows[0].lockedBy == nil)
                #expect(request.headers["webhook-id"] == rows[0].id.uuidString.lowercased())

                // The Received trace field (RFC 5321 §4.4) heads the stored message and the payload's headers.
                let storedID = try #require(rows[0].storedMessageID)
                let stored = try #require(try await server.store.rawMessage(id: storedID))
                let raw = String(decoding: stored, as: UTF8.self)
                #expect(raw.hasPrefix("Received: from client.test ([127.0.0.1])"), "\(raw.prefix(200))")
                let firstField = String(raw[..<(try #require(raw.range(of: "\r\nFrom:")).lowerBound)])
                #expect(firstField.contains("by mx.test with ESMTP id \(queueID)"))
                #expect(firstField.contains("for <Alice@Example.com>;"))
                #expect(raw.contains("Subject: \(subject)"))
                let headers = try #require(message["headers"] as? [[String: Any]])
                #expect(headers.first?["name"] as? String == "Received")
                #expect((headers.first?["value"] as? String)?.contains("id \(queueID)") == true)
                #expect(message["size"] as? Int == raw.utf8.count)
            }
        }
    }

    @Test(
        "unknown domain, unknown recipient and a disabled domain get 550 5.1.1 and nothing is stored",
        arguments: TestDatabase.available)
    func refusesWhatIsNotOurs(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
            try await server.store.createDomain("example.com")
            try await server.store.createDomain("disabled.test")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/x")
            _ = try await server.store.createRecipient(
                domain: "disabled.test", localPart: nil, webhookURL: "http://127.0.0.1:9/x")
            try await server.store.setDomainEnabled("disabled.test", false)

            let transcript = try await SMTPTestClient.send(
                port: server.smtpPort,
                to: ["alice@elsewhere.org", "nobody@example.com", "anyone@disabled.test"],
                message: SMTPTestClient.message(subject: "relay attempt", to: "x@elsewhere.org")
            )
            #expect(transcript.rcpt.map(\.code) == [550, 550, 550])
            #expect(transcript.rcpt.allSatisfy { $0.text.hasPrefix("5.1.1") })
            #expect(transcript.data == nil)
            #expect(try await server.store.messageCount() == 0)
            #expect(try await server.store.deliveryCount() == 0)
        }
    }

    @Test("a catch-all takes any local part; an exact recipient wins over it", arguments: TestDatabase.available)
    func catchAll(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
                try await server.store.createDomain("catchall.test")
                _ = try await server.store.createRecipient(
                    domain: "catchall.test", localPart: "*", webhookURL: try await receiver.url(path: "/all"))
                _ = try await server.store.createRecipient(
                    domain: "catchall.test", localPart: "sales", webhookURL: try await receiver.url(path: "/sales"))
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort,
                    to: ["random-\(Int.random(in: 1...9999))@catchall.test", "SALES@catchall.test"],
                    message: SMTPTestClient.message(subject: "two", to: "x@catchall.test")
                )
                #expect(transcript.rcpt.map(\.code) == [250, 250])
                let queueID = try #require(transcript.queueID)
                let requests = try await receiver.waitForRequests(2)
                #expect(Set(requests.map(\.path)) == ["/all", "/sales"])
                let catchAllFlags = requests.sorted { $0.path < $1.path }.map {
                    ($0.json?["recipient"] as? [String: Any])?["catch_all"] as? Bool
                }
                #expect(catchAllFlags == [true, false])
                let rows = try await server.waitForDeliveries(of: queueID) {
                    $0.count == 2 && $0.allSatisfy { $0.status == .delivered }
                }
                #expect(Set(rows.map(\.webhookURL)).count == 2)
            }
        }
    }

    @Test(
        "an internationalised domain receives mail for its U-label over SMTPUTF8 (stored and routed as the A-label)",
        arguments: TestDatabase.available)
    func idnDomain(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
                let domain = try await server.store.createDomain("Bücher.example")
                #expect(domain.domainName == "xn--bcher-kva.example")
                _ = try await server.store.createRecipient(
                    domain: "bücher.example", localPart: "info", webhookURL: try await receiver.url())
                for address in ["info@bücher.example", "info@xn--bcher-kva.example"] {
                    let transcript = try await SMTPTestClient.send(
                        port: server.smtpPort, to: [address],
                        message: SMTPTestClient.message(subject: "Grüße", to: address), smtpUTF8: true)
                    #expect(transcript.rcpt.map(\.code) == [250], "\(address): \(transcript.rcpt)")
                    #expect(transcript.queueID != nil)
                }
                let requests = try await receiver.waitForRequests(2)
                #expect(requests.count == 2)
            }
        }
    }
}
