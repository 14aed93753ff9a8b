import DNSClient
import FastSMTPApp
import Foundation
import Storage
import Testing

/// DKIM and SPF wired into SMTP, with global settings and per-domain overrides.
@Suite("Email authentication over SMTP", .serialized)
struct EmailAuthTests {
    /// example.org allows only 192.0.2.1 to send, so mail from 127.0.0.1 fails SPF; example.net publishes the
    /// Ed25519 key that signed the fixture message.
    static func zone() -> DNSZoneResolver {
        DNSZoneResolver([
            ("example.org", .txt("v=spf1 ip4:192.0.2.1 -all")),
            ("test._domainkey.example.net", .txt("v=DKIM1; k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y=")),
        ])
    }

    /// A message signed with Ed25519, relaxed/relaxed, d=example.net (from the DKIM conformance fixtures).
    static func signedMessage() throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MailAuthTests/Fixtures/dkim/generated/ed25519-sha256-relaxed-relaxed.eml")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    }

    func seed(_ server: TestServer, receiver: WebhookReceiver, domain: String = "example.com") async throws {
        try await server.store.createDomain(domain)
        _ = try await server.store.createRecipient(
            domain: domain, localPart: "alice", webhookURL: try await receiver.url())
    }

    @Test(
        "with reject on, an SPF-failing sender is refused at RCPT with 550 5.7.1 and nothing is stored",
        arguments: TestDatabase.available)
    func spfRejectAtRCPT(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) { $0.smtpRejectSPFFail = true }
            try await TestServer.run(settings: settings, dns: Self.zone()) { server in
                try await seed(server, receiver: receiver)
                let refused = try await SMTPTestClient.send(
                    port: server.smtpPort, from: "bob@example.org", to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "spoofed", to: "alice@example.com")
                )
                #expect(refused.rcpt.map(\.code) == [550])
                #expect(refused.rcpt.first?.text.hasPrefix("5.7.1") == true)
                #expect(try await server.store.messageCount() == 0)
                // A domain that overrides the global policy still receives it.
                _ = try await server.store.updateDomain(
                    id: try #require(try await server.store.domain(named: "example.com")).id,
                    DomainChanges(rejectSPFFail: .some(false)))
                let accepted = try await SMTPTestClient.send(
                    port: server.smtpPort, from: "bob@example.org", to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "now accepted", to: "alice@example.com")
                )
                #expect(accepted.queueID != nil)
            }
        }
    }

    @Test(
        "with reject off the message is delivered and the payload and log carry the verdicts",
        arguments: TestDatabase.available)
    func verdictsInPayload(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url), dns: Self.zone()) { server in
                try await seed(server, receiver: receiver)
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, from: "bob@example.org", to: ["alice@example.com"],
                    message: try Self.signedMessage()
                )
                let queueID = try #require(
                    transcript.queueID, "\(String(describing: transcript.data)) \(transcript.error ?? "")")
                let request = try #require(try await receiver.waitForRequests(1).first)
                let message = try #require(request.json?["message"] as? [String: Any])
                let auth = try #require(message["auth"] as? [String: Any])
                let spf = try #require(auth["spf"] as? [String: Any])
                #expect(spf["result"] as? String == "fail")
                #expect(spf["domain"] as? String == "example.org")
                let dkim = try #require(auth["dkim"] as? [[String: Any]])
                #expect(dkim.first?["result"] as? String == "pass")
                #expect(dkim.first?["domain"] as? String == "example.net")
                #expect(dkim.first?["selector"] as? String == "test")
                let results = try #require(message["authentication_results"] as? String)
                #expect(results.hasPrefix("mx.test; "))
                #expect(results.contains("dkim=pass header.d=example.net header.s=test"))
                #expect(results.contains("spf=fail smtp.mailfrom=example.org"))
                let rows = try await server.waitForDeliveries(of: queueID) { $0.first?.status == .delivered }
                #expect(rows[0].dkimResult == "pass")
                #expect(rows[0].spfResult == "fail")
            }
        }
    }

    @Test(
        "a domain that rejects DKIM failures refuses a tampered message with 550 5.7.20",
        arguments: TestDatabase.available)
    func dkimReject(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url), dns: Self.zone()) { server in
                try await seed(server, receiver: receiver)
                let domain = try #require(try await server.store.domain(named: "example.com"))
                _ = try await server.store.updateDomain(id: domain.id, DomainChanges(rejectDKIMFail: .some(true)))
                let tampered = try Self.signedMessage().replacingOccurrences(
                    of: "This is a test message.", with: "This is a tampered message.")
                let refused = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"], message: tampered)
                #expect(refused.data?.code == 550)
                #expect(refused.data?.text.hasPrefix("5.7.20") == true)
                #expect(try await server.store.messageCount() == 0)
                // The untouched message passes.
                let intact = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"], message: try Self.signedMessage())
                #expect(intact.queueID != nil)
                // With verification off for the domain, nothing is checked: no verdicts recorded.
                _ = try await server.store.updateDomain(
                    id: domain.id,
                    DomainChanges(
                        verifyDKIM: .some(false), verifySPF: .some(false),
                        rejectDKIMFail: .some(nil)))
                let unchecked = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"], message: tampered)
                let rows = try await server.waitForDeliveries(of: try #require(unchecked.queueID)) {
                    $0.first?.status == .delivered
                }
                #expect(rows[0].dkimResult == nil)
                #expect(rows[0].spfResult == nil)
            }
        }
    }
}
