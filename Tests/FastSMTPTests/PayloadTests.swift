import Crypto
import FastSMTPApp
import Foundation
import Storage
import Testing

/// Payload v1 end to end: a real MIME message over SMTP arrives decoded, complete and signed.
@Suite("Webhook payload v1", .serialized)
struct PayloadTests {
    static let pdf = Array((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
    static let png = Array((0..<700).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) })

    /// multipart/mixed: multipart/alternative (QP UTF-8 text + base64 HTML) and two base64 attachments.
    static func message() -> String {
        func base64Lines(_ bytes: [UInt8]) -> String {
            let b64 = Data(bytes).base64EncodedString()
            return stride(from: 0, to: b64.count, by: 76).map { start in
                let s = b64.index(b64.startIndex, offsetBy: start)
                return String(b64[s..<b64.index(s, offsetBy: min(76, b64.count - start))])
            }.joined(separator: "\r\n")
        }
        let html = Data("<p>Gr\u{fc}\u{df}e aus <b>M\u{fc}nchen</b></p>".utf8).base64EncodedString()
        return [
            "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.org>",
            "To: Alice <alice@example.com>, bob@example.com",
            "Cc: carol@example.net",
            "Subject: =?UTF-8?B?UmVjaG51bmcgZsO8ciBOb3ZlbWJlcg==?=",
            "Message-ID: <payload-test@example.org>",
            "In-Reply-To: <earlier@example.org>",
            "References: <first@example.org> <earlier@example.org>",
            "Date: Sat, 28 Nov 2026 08:00:00 +0100",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"outer\"",
            "",
            "--outer",
            "Content-Type: multipart/alternative; boundary=\"inner\"",
            "",
            "--inner",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Gr=C3=BC=C3=9Fe aus M=C3=BCnchen",
            "--inner",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            html,
            "--inner--",
            "--outer",
            "Content-Type: application/pdf; name=\"rechnung.pdf\"",
            "Content-Disposition: attachment; filename*=UTF-8''Rechnung%20N%C2%B01.pdf",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(pdf),
            "--outer",
            "Content-Type: image/png",
            "Content-Disposition: inline; filename=logo.png",
            "Content-ID: <logo@example.org>",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(png),
            "--outer--",
            "",
        ].joined(separator: "\r\n")
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test(
        "text, html, addresses and attachments arrive decoded; the Standard Webhooks signature verifies",
        arguments: TestDatabase.available)
    func fullPayload(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
                try await server.store.createDomain("example.com")
                let recipient = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                let secret = try #require(recipient.signingSecret)
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, from: "juergen@example.org",
                    to: ["alice@example.com"], message: Self.message())
                #expect(transcript.queueID != nil, "\(String(describing: transcript.data)) \(transcript.error ?? "")")
                let request = try #require(try await receiver.waitForRequests(1).first)

                // Signature, checked with our own HMAC (not the server's code).
                let id = try #require(request.headers["webhook-id"])
                let timestamp = try #require(request.headers["webhook-timestamp"])
                let signature = try #require(request.headers["webhook-signature"])
                let key = try #require(Data(base64Encoded: String(secret.dropFirst("whsec_".count))))
                let signed = Data("\(id).\(timestamp).".utf8) + request.body
                let mac = Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key)))
                    .base64EncodedString()
                #expect(signature == "v1,\(mac)")
                #expect(abs((Int(timestamp) ?? 0) - Int(Date().timeIntervalSince1970)) < 60)
                let tampered = Data("\(id).\(timestamp).".utf8) + request.body + Data(" ".utf8)
                #expect(
                    Data(HMAC<SHA256>.authenticationCode(for: tampered, using: SymmetricKey(data: key)))
                        .base64EncodedString() != mac)

                let json = try #require(request.json)
                #expect(json["version"] as? String == "1")
                let message = try #require(json["message"] as? [String: Any])
                #expect(message["subject"] as? String == "Rechnung für November")
                // RFC 3339 with milliseconds (#16: orders messages within a second, times the path).
                let receivedAt = try #require(message["received_at"] as? String)
                #expect(receivedAt.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil, "\(receivedAt)")
                #expect((message["from"] as? [String: Any])?["name"] as? String == "Jürgen Müller")
                #expect((message["from"] as? [String: Any])?["address"] as? String == "juergen@example.org")
                #expect(
                    (message["to"] as? [[String: Any]])?.compactMap { $0["address"] as? String } == [
                        "alice@example.com", "bob@example.com",
                    ])
                #expect((message["cc"] as? [[String: Any]])?.count == 1)
                #expect(message["in_reply_to"] as? String == "<earlier@example.org>")
                #expect(message["references"] as? [String] == ["<first@example.org>", "<earlier@example.org>"])
                #expect((message["text"] as? String)?.hasPrefix("Grüße aus München") == true)
                #expect(message["html"] as? String == "<p>Grüße aus <b>München</b></p>")
                #expect(message["raw_base64"] == nil, "raw is off by default")

                let attachments = try #require(message["attachments"] as? [[String: Any]])
                #expect(attachments.count == 2)
                let pdf = try #require(attachments.first { $0["content_type"] as? String == "application/pdf" })
                #expect(pdf["filename"] as? String == "Rechnung N°1.pdf")
                #expect(pdf["disposition"] as? String == "attachment")
                #expect(pdf["size"] as? Int == Self.pdf.count)
                let pdfBytes = try #require((pdf["content_base64"] as? String).flatMap { Data(base64Encoded: $0) })
                #expect(Self.sha256(Array(pdfBytes)) == Self.sha256(Self.pdf))
                #expect(pdf["sha256"] as? String == Self.sha256(Self.pdf))
                let png = try #require(attachments.first { $0["content_type"] as? String == "image/png" })
                #expect(png["content_id"] as? String == "logo@example.org")
                #expect(png["disposition"] as? String == "inline")
                let pngBytes = try #require((png["content_base64"] as? String).flatMap { Data(base64Encoded: $0) })
                #expect(Array(pngBytes) == Self.png)
            }
        }
    }

    @Test("attachments past the inline cap are listed without content; raw_base64 when configured")
    func capAndRaw() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) {
                $0.webhookMaxInlineAttachmentBytes = 1000
                $0.webhookIncludeRaw = true
            }
            try await TestServer.run(settings: settings) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                _ = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"], message: Self.message())
                let message = try #require(
                    try await receiver.waitForRequests(1).first?.json?["message"] as? [String: Any])
                let attachments = try #require(message["attachments"] as? [[String: Any]])
                let pdf = try #require(attachments.first { $0["content_type"] as? String == "application/pdf" })
                #expect(pdf["content_omitted"] as? Bool == true)
                #expect(pdf["content_base64"] == nil)
                #expect(pdf["sha256"] as? String == Self.sha256(Self.pdf))
                let png = try #require(attachments.first { $0["content_type"] as? String == "image/png" })
                #expect(png["content_omitted"] as? Bool == false, "700 bytes fit in the remaining budget")
                let raw = try #require((message["raw_base64"] as? String).flatMap { Data(base64Encoded: $0) })
                #expect(String(decoding: raw, as: UTF8.self).contains("Message-ID: <payload-test@example.org>"))
            }
        }
    }
}
