import FastSMTPApp
import FastSMTPModels
import Foundation
import NIOSSL
import Testing

/// STARTTLS (RFC 3207) and implicit TLS against the real listener, with Python's smtplib and ssl as the peer, a CA
/// made in the test, and certificate rotation on disk.
@Suite("SMTP over TLS", .serialized)
struct TLSTests {
    struct Context: Sendable {
        let server: TestServer
        let tlsPort: Int
        let certificates: TestCertificates
    }

    /// A server with STARTTLS on its plain port and implicit TLS on a second one; example.com/alice routes to
    /// `webhookURL`.
    static func withTLSServer(
        webhookURL: String = "http://127.0.0.1:9/x",
        roles: Roles = Roles(smtp: true, api: false, worker: false),
        _ customize: @escaping @Sendable (inout Settings) -> Void = { _ in },
        _ body: @Sendable (Context) async throws -> Void
    ) async throws {
        let certificates = try TestCertificates.make()
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let settings = TestServer.settings(databaseURL: url) { settings in
            settings.smtpTLSCert = certificates.certificateFile
            settings.smtpTLSKey = certificates.keyFile
            settings.smtpTLSPort = 0
            settings.smtpTLSReloadInterval = 0
            settings.smtpVerifySPF = false
            settings.smtpVerifyDKIM = false
            customize(&settings)
        }
        try await TestServer.run(settings: settings, roles: roles) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: webhookURL)
            let tlsPort = try #require(try await server.app.smtpServer?.localTLSPort())
            try await body(Context(server: server, tlsPort: tlsPort, certificates: certificates))
        }
    }

    static func envelope(of request: WebhookReceiver.Received) -> [String: Any]? {
        ((request.json?["message"] as? [String: Any])?["envelope"] as? [String: Any])
    }

    static func subject(of request: WebhookReceiver.Received) -> String? {
        (request.json?["message"] as? [String: Any])?["subject"] as? String
    }

    @Test("smtplib with STARTTLS and with SMTP_SSL delivers end to end; the payload says whether TLS was used")
    func deliversOverTLS() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await Self.withTLSServer(webhookURL: try await receiver.url(), roles: .all) { context in
                let fingerprint = try context.certificates.installedFingerprint()
                let starttls = try await TLSSMTPClient.send(
                    port: context.server.smtpPort, mode: .starttls, caFile: context.certificates.caFile,
                    to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "over starttls", to: "alice@example.com")
                )
                #expect(starttls.error == nil)
                #expect(starttls.starttls?.code == 220)
                #expect(starttls.starttls?.text.hasPrefix("2.0.0") == true)
                #expect(["TLSv1.2", "TLSv1.3"].contains(starttls.tlsVersion ?? ""))
                #expect(starttls.certificateSHA256 == fingerprint)
                #expect(
                    starttls.ehlo?.text.contains("STARTTLS") == false,
                    "STARTTLS advertised after TLS: \(String(describing: starttls.ehlo))")
                #expect(starttls.queueID != nil)

                let implicit = try await TLSSMTPClient.send(
                    port: context.tlsPort, mode: .implicit, caFile: context.certificates.caFile,
                    to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "over implicit tls", to: "alice@example.com")
                )
                #expect(implicit.error == nil)
                #expect(implicit.certificateSHA256 == fingerprint)
                #expect(implicit.ehlo?.text.contains("STARTTLS") == false)
                #expect(implicit.queueID != nil)

                let plain = try await TLSSMTPClient.send(
                    port: context.server.smtpPort, mode: .plain, caFile: context.certificates.caFile,
                    to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "in plaintext", to: "alice@example.com")
                )
                #expect(
                    plain.ehlo?.text.contains("STARTTLS") == true,
                    "STARTTLS not advertised: \(String(describing: plain.ehlo))")
                #expect(plain.tlsVersion == nil)
                #expect(plain.queueID != nil)

                let requests = try await receiver.waitForRequests(3)
                var tlsBySubject: [String: Bool] = [:]
                for request in requests {
                    if let subject = Self.subject(of: request) {
                        tlsBySubject[subject] = Self.envelope(of: request)?["tls"] as? Bool
                    }
                }
                #expect(tlsBySubject == ["over starttls": true, "over implicit tls": true, "in plaintext": false])
            }
        }
    }

    @Test("require-STARTTLS: MAIL before STARTTLS gets 530 5.7.0; after STARTTLS or over implicit TLS it is accepted")
    func requireSTARTTLS() async throws {
        try await Self.withTLSServer({ $0.smtpRequireSTARTTLS = true }) { context in
            let message = SMTPTestClient.message(subject: "required", to: "alice@example.com")
            let plain = try await TLSSMTPClient.send(
                port: context.server.smtpPort, mode: .plain, caFile: context.certificates.caFile,
                to: ["alice@example.com"], message: message
            )
            #expect(plain.mail?.code == 530)
            #expect(plain.mail?.text.hasPrefix("5.7.0") == true)
            #expect(plain.data == nil)

            let starttls = try await TLSSMTPClient.send(
                port: context.server.smtpPort, mode: .starttls, caFile: context.certificates.caFile,
                to: ["alice@example.com"], message: message
            )
            #expect(starttls.mail?.code == 250)
            #expect(starttls.queueID != nil)

            let implicit = try await TLSSMTPClient.send(
                port: context.tlsPort, mode: .implicit, caFile: context.certificates.caFile,
                to: ["alice@example.com"], message: message
            )
            #expect(implicit.mail?.code == 250)
            #expect(implicit.queueID != nil)
            #expect(try await context.server.store.messageCount() == 2)
        }
    }

    @Test("commands pipelined after STARTTLS in the same packet are discarded, not executed")
    func pipelinedInjectionIsDiscarded() async throws {
        try await Self.withTLSServer { context in
            let exchange = try await TLSSMTPClient.exchange(
                port: context.server.smtpPort, caFile: context.certificates.caFile,
                [
                    .read, .send("EHLO client.test\r\n"), .read,
                    .send("STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\nRCPT TO:<alice@example.com>\r\n"), .read,
                    .tls, .send("EHLO client.test\r\n"), .read,
                    .send("RCPT TO:<alice@example.com>\r\n"), .read,
                    .send("QUIT\r\n"), .read,
                ])
            #expect(exchange.error == nil)
            let replies = exchange.replies.map { $0 ?? "<closed>" }
            #expect(replies.count == 6)
            #expect(replies[2].hasPrefix("220 2.0.0"))
            #expect(exchange.tlsVersion != nil)
            #expect(replies[3].hasPrefix("250"))
            // Had the injected MAIL run, this RCPT would be accepted.
            #expect(replies[4].hasPrefix("503 5.5.1"), "\(replies)")
            #expect(replies[5].hasPrefix("221"))
        }
    }

    @Test("plaintext sent right after STARTTLS in its own packet never reaches the session")
    func plaintextAfterSTARTTLSIsNeverExecuted() async throws {
        try await Self.withTLSServer { context in
            let exchange = try await TLSSMTPClient.exchange(
                port: context.server.smtpPort, caFile: context.certificates.caFile,
                [
                    .read, .send("EHLO client.test\r\n"), .read,
                    .send("STARTTLS\r\n"), .send("MAIL FROM:<injected@evil.test>\r\n"), .read,
                    .tls, .send("EHLO client.test\r\n"), .read, .send("RCPT TO:<alice@example.com>\r\n"), .read,
                ])
            // Either the server discarded the plaintext (then RCPT has no MAIL) or the plaintext reached the TLS
            // handler and the handshake failed. Never may the injected MAIL count.
            if exchange.error == nil {
                #expect(exchange.replies.last??.hasPrefix("503 5.5.1") == true, "\(exchange.replies)")
            } else {
                #expect(exchange.tlsVersion == nil)
            }
            #expect(!exchange.replies.contains { $0?.hasPrefix("250 2.1.5") == true })
        }
    }

    @Test(
        "after the certificate files are replaced, a new connection sees the new certificate; a broken pair keeps the old"
    )
    func certificateReload() async throws {
        try await Self.withTLSServer { context in
            let certificates = context.certificates
            func fingerprints() async throws -> (starttls: String?, implicit: String?) {
                let starttls = try await TLSSMTPClient.exchange(
                    port: context.server.smtpPort, caFile: certificates.caFile,
                    [
                        .read, .send("EHLO c\r\n"), .read, .send("STARTTLS\r\n"), .read, .tls, .send("QUIT\r\n"), .read,
                    ])
                let implicit = try await TLSSMTPClient.exchange(
                    port: context.tlsPort, caFile: certificates.caFile,
                    [
                        .tls, .read, .send("QUIT\r\n"), .read,
                    ])
                return (starttls.certificateSHA256, implicit.certificateSHA256)
            }
            let first = try certificates.installedFingerprint()
            #expect(try await fingerprints() == (first, first))

            let second = try certificates.installServerPair()
            #expect(second != first)
            #expect(try await fingerprints() == (second, second))

            // A key that does not belong to the certificate: logged, the second pair stays in use.
            let unrelated = try certificates.makeServerPair()
            try TestCertificates.write(unrelated.keyPEM, to: certificates.keyFile)
            #expect(try await fingerprints() == (second, second))
            // Garbage: the same.
            try TestCertificates.write(
                "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n",
                to: certificates.certificateFile)
            #expect(try await fingerprints() == (second, second))

            let third = try certificates.installServerPair()
            #expect(try await fingerprints() == (third, third))
        }
    }

    @Test("TLS 1.2 and 1.3 are accepted, TLS 1.1 is refused")
    func minimumTLSVersion() async throws {
        try await Self.withTLSServer { context in
            let tls12 = try await TLSHandshakeProbe.negotiate(port: context.tlsPort, maximum: .tlsv12)
            let tls13 = try await TLSHandshakeProbe.negotiate(port: context.tlsPort, maximum: .tlsv13)
            #expect(tls12 == .tlsv12)
            #expect(tls13 == .tlsv13)
            await #expect(throws: (any Error).self) {
                try await TLSHandshakeProbe.negotiate(port: context.tlsPort, maximum: .tlsv11)
            }
        }
    }
}

extension TLSSMTPClient.Transcript {
    var queueID: String? {
        guard let data, data.code == 250, let range = data.text.range(of: "queued as ") else { return nil }
        return String(data.text[range.upperBound...])
    }
}
