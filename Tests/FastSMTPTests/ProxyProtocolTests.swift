import FastSMTPApp
import FastSMTPModels
import Foundation
import Testing

@testable import SMTPServer

/// PROXY protocol v1 and v2 (HAProxy proxy-protocol.txt): the parser alone, then the listener behind a pretend
/// load balancer.
@Suite("PROXY protocol", .serialized)
struct ProxyProtocolTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A version 2 header: signature, version 2 + `command`, `family`, length, `body`.
    static func v2(command: UInt8 = 0x1, family: UInt8, _ body: [UInt8]) -> [UInt8] {
        ProxyProtocolHeader.v2Signature + [0x20 | command, family, UInt8(body.count >> 8), UInt8(body.count & 0xFF)]
            + body
    }

    static let v2IPv4 = v2(family: 0x11, [203, 0, 113, 7, 192, 0, 2, 1, 0x9C, 0x40, 0x00, 0x19])
    static let v2IPv6: [UInt8] = v2(
        family: 0x21,
        [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [7]
            + [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1] + [0x9C, 0x40, 0x00, 0x19]
    )

    // MARK: Parser

    static let valid: [(String, [UInt8], String?)] = [
        ("v1 TCP4", bytes("PROXY TCP4 203.0.113.7 192.0.2.1 40000 25\r\n"), "203.0.113.7"),
        ("v1 TCP6", bytes("PROXY TCP6 2001:db8::7 2001:db8::1 40000 25\r\n"), "2001:db8::7"),
        ("v1 UNKNOWN", bytes("PROXY UNKNOWN\r\n"), nil),
        ("v1 UNKNOWN with addresses", bytes("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), nil),
        ("v2 TCP4", v2IPv4, "203.0.113.7"),
        ("v2 TCP6", v2IPv6, "2001:db8::7"),
        (
            "v2 TCP4 with a TLV",
            v2(family: 0x11, [203, 0, 113, 7, 192, 0, 2, 1, 0, 1, 0, 25, 0x04, 0x00, 0x01, 0x00]), "203.0.113.7"
        ),
        ("v2 LOCAL", v2(command: 0x0, family: 0x00, []), nil),
        ("v2 UNSPEC", v2(family: 0x00, []), nil),
    ]

    @Test("valid headers give the source address and their exact length", arguments: valid)
    func validHeaders(name: String, header: [UInt8], source: String?) {
        let input = header + Self.bytes("EHLO x\r\n")
        guard case .header(let parsed, let length) = ProxyProtocolHeader.parse(input, mode: .any) else {
            Issue.record("\(name): \(ProxyProtocolHeader.parse(input, mode: .any))")
            return
        }
        #expect(length == header.count)
        #expect(parsed.source?.ip == source)
        // Every proper prefix is incomplete, never invalid.
        for end in 0..<header.count {
            #expect(
                ProxyProtocolHeader.parse(Array(header[..<end]), mode: .any) == .incomplete, "\(name) cut at \(end)")
        }
    }

    static let invalid: [(String, [UInt8])] = [
        ("SMTP instead of a header", bytes("EHLO client.test\r\n")),
        ("lower-case v1", bytes("proxy TCP4 203.0.113.7 192.0.2.1 40000 25\r\n")),
        ("v1 family mismatch", bytes("PROXY TCP4 2001:db8::7 192.0.2.1 40000 25\r\n")),
        ("v1 bad address", bytes("PROXY TCP4 203.0.113.300 192.0.2.1 40000 25\r\n")),
        ("v1 port too large", bytes("PROXY TCP4 203.0.113.7 192.0.2.1 65536 25\r\n")),
        ("v1 port with a leading zero", bytes("PROXY TCP4 203.0.113.7 192.0.2.1 040000 25\r\n")),
        ("v1 double space", bytes("PROXY TCP4  203.0.113.7 192.0.2.1 40000 25\r\n")),
        ("v1 missing field", bytes("PROXY TCP4 203.0.113.7 192.0.2.1 40000\r\n")),
        ("v1 bare LF", bytes("PROXY TCP4 203.0.113.7 192.0.2.1 40000 25\n")),
        ("v1 without CRLF in 107 octets", bytes("PROXY UNKNOWN " + String(repeating: "x", count: 100))),
        ("v2 version 1", ProxyProtocolHeader.v2Signature + [0x11, 0x11, 0, 12] + Array(repeating: 1, count: 12)),
        ("v2 unknown command", v2(command: 0x2, family: 0x11, Array(repeating: 1, count: 12))),
        ("v2 short IPv4 block", v2(family: 0x11, Array(repeating: 1, count: 8))),
        ("v2 UDP", v2(family: 0x12, Array(repeating: 1, count: 12))),
        ("v2 longer than the limit", ProxyProtocolHeader.v2Signature + [0x21, 0x11, 0xFF, 0xFF]),
    ]

    @Test("invalid headers are refused", arguments: invalid)
    func invalidHeaders(name: String, header: [UInt8]) {
        guard case .invalid = ProxyProtocolHeader.parse(header, mode: .any) else {
            Issue.record("\(name) was accepted: \(ProxyProtocolHeader.parse(header, mode: .any))")
            return
        }
    }

    @Test("a listener for one version refuses the other")
    func versionModes() {
        let v1 = Self.bytes("PROXY TCP4 203.0.113.7 192.0.2.1 40000 25\r\n")
        #expect(ProxyProtocolHeader.parse(v1, mode: .v2) != .incomplete)
        if case .header = ProxyProtocolHeader.parse(v1, mode: .v2) { Issue.record("v1 accepted in v2 mode") }
        if case .header = ProxyProtocolHeader.parse(Self.v2IPv4, mode: .v1) { Issue.record("v2 accepted in v1 mode") }
        if case .header = ProxyProtocolHeader.parse(v1, mode: .v1) {} else { Issue.record("v1 refused in v1 mode") }
        if case .header = ProxyProtocolHeader.parse(Self.v2IPv4, mode: .v2) {
        } else {
            Issue.record("v2 refused in v2 mode")
        }
    }

    // MARK: Listener

    /// Octets as a string of the same code points, for the Python socket client (which sends them as Latin-1).
    static func latin1(_ octets: [UInt8]) -> String {
        String(String.UnicodeScalarView(octets.map { Unicode.Scalar($0) }))
    }

    static func sendMessage(after header: String, port: Int, subject: String) async throws -> TLSSMTPClient.Exchange {
        try await TLSSMTPClient.exchange(
            port: port,
            [
                .send(header), .read, .send("EHLO client.test\r\n"), .read,
                .send("MAIL FROM:<sender@example.org>\r\n"), .read, .send("RCPT TO:<alice@example.com>\r\n"), .read,
                .send("DATA\r\n"), .read, .send("Subject: \(subject)\r\n\r\nhi\r\n.\r\n"), .read, .send("QUIT\r\n"),
                .read,
            ])
    }

    @Test("behind a balancer the client IP comes from the v1 or v2 header, LOCAL keeps the peer; no header, no session")
    func listener() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run {
            let certificates = try TestCertificates.make()
            let url = try await TestDatabase.sqlite.makeMigratedURL()
            let settings = TestServer.settings(databaseURL: url) { settings in
                settings.smtpProxyProtocol = .any
                settings.smtpVerifySPF = false
                settings.smtpVerifyDKIM = false
                settings.smtpTLSCert = certificates.certificateFile
                settings.smtpTLSKey = certificates.keyFile
                settings.smtpTLSPort = 0
            }
            try await TestServer.run(settings: settings) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: try await receiver.url())
                let headers = [
                    ("v1", "PROXY TCP4 203.0.113.7 192.0.2.1 40000 25\r\n", "203.0.113.7"),
                    ("v2", Self.latin1(Self.v2IPv6), "2001:db8::7"),
                    ("local", Self.latin1(Self.v2(command: 0x0, family: 0x00, [])), "127.0.0.1"),
                ]
                for (subject, header, _) in headers {
                    let exchange = try await Self.sendMessage(after: header, port: server.smtpPort, subject: subject)
                    #expect(exchange.replies.first??.hasPrefix("220") == true, "\(subject): \(exchange)")
                    #expect(
                        exchange.replies.dropLast().last??.hasPrefix("250 2.0.0 queued as") == true,
                        "\(subject): \(exchange)")
                }
                // PROXY before TLS on the implicit-TLS listener.
                let tls = try await TLSSMTPClient.exchange(
                    port: try #require(try await server.app.smtpServer?.localTLSPort()),
                    caFile: certificates.caFile,
                    [
                        .send("PROXY TCP4 198.51.100.9 192.0.2.1 40000 465\r\n"), .tls, .read, .send("QUIT\r\n"), .read,
                    ])
                #expect(tls.tlsVersion != nil && tls.replies.first??.hasPrefix("220") == true, "\(tls)")

                let requests = try await receiver.waitForRequests(headers.count)
                var ipBySubject: [String: String] = [:]
                for request in requests {
                    let message = request.json?["message"] as? [String: Any]
                    if let subject = message?["subject"] as? String {
                        ipBySubject[subject] = (message?["envelope"] as? [String: Any])?["client_ip"] as? String
                    }
                }
                #expect(ipBySubject == Dictionary(uniqueKeysWithValues: headers.map { ($0.0, $0.2) }))

                // Without a valid header the connection is closed before any greeting.
                for attempt in ["EHLO client.test\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"] {
                    let refused = try await TLSSMTPClient.exchange(port: server.smtpPort, [.send(attempt), .readToEnd])
                    #expect(refused.rest == "", "\(attempt.debugDescription): \(refused)")
                }
            }
        }
    }

    @Test("the per-IP limit counts the address from the header")
    func limitUsesTheProxiedAddress() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let settings = TestServer.settings(databaseURL: url) { settings in
            settings.smtpProxyProtocol = .v1
            settings.smtpMaxConnectionsPerIP = 1
        }
        try await TestServer.run(settings: settings, roles: Roles(smtp: true, api: false, worker: false)) { server in
            let held = try await RawSMTPClient.connect(port: server.smtpPort)
            try await held.send("PROXY TCP4 203.0.113.7 192.0.2.1 40000 25\r\n")
            #expect(try await held.readReply()?.hasPrefix("220") == true)
            let same = try await TLSSMTPClient.exchange(
                port: server.smtpPort, [.send("PROXY TCP4 203.0.113.7 192.0.2.1 40001 25\r\n"), .read])
            #expect(same.replies.first??.hasPrefix("421 4.7.0") == true, "\(same)")
            let other = try await TLSSMTPClient.exchange(
                port: server.smtpPort, [.send("PROXY TCP4 203.0.113.8 192.0.2.1 40002 25\r\n"), .read])
            #expect(other.replies.first??.hasPrefix("220") == true, "\(other)")
            await held.close()
        }
    }
}
