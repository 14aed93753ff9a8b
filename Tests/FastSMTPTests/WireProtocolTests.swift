import FastSMTPApp
import FastSMTPModels
import Foundation
import Storage
import Testing

/// The state machine's rules, seen from a socket against the real listener.
@Suite("SMTP on the wire")
struct WireProtocolTests {
    func withServer(
        _ customize: @escaping @Sendable (inout Settings) -> Void = { _ in },
        _ body: @Sendable (TestServer) async throws -> Void
    ) async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        var settings = TestServer.settings(databaseURL: url)
        customize(&settings)
        try await TestServer.run(settings: settings, roles: Roles(smtp: true, api: false, worker: false)) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/x")
            try await body(server)
        }
    }

    @Test("pipelined commands in one packet are answered in order (RFC 2920)")
    func pipelining() async throws {
        try await withServer { server in
            let client = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await client.readReply()
            let ehlo = try #require(try await client.command("EHLO client.test"))
            for keyword in ["SIZE", "8BITMIME", "SMTPUTF8", "PIPELINING", "ENHANCEDSTATUSCODES"] {
                #expect(ehlo.contains(keyword), "EHLO lacks \(keyword): \(ehlo)")
            }
            try await client.send(
                "MAIL FROM:<b@example.org>\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n")
            var replies: [String] = []
            for _ in 0..<4 { replies.append(try await client.readReply() ?? "") }
            #expect(replies.map { String($0.prefix(3)) } == ["250", "550", "250", "354"])
            try await client.send("Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n")
            #expect(try await client.readReply()?.hasPrefix("250 2.0.0 queued as ") == true)
            #expect(try await client.readReply()?.hasPrefix("221") == true)
            #expect(try await server.store.messageCount() == 1)
        }
    }

    @Test("SIZE over the limit is refused at MAIL, a larger body after DATA with 552 5.3.4, nothing stored")
    func sizeLimit() async throws {
        try await withServer({ $0.smtpMaxMessageSize = 2_000 }) { server in
            let client = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await client.readReply()
            #expect(try await client.command("EHLO client.test")?.contains("SIZE 2000") == true)
            #expect(try await client.command("MAIL FROM:<b@example.org> SIZE=5000")?.hasPrefix("552 5.3.4") == true)
            #expect(try await client.command("MAIL FROM:<b@example.org>")?.hasPrefix("250") == true)
            #expect(try await client.command("RCPT TO:<alice@example.com>")?.hasPrefix("250") == true)
            #expect(try await client.command("DATA")?.hasPrefix("354") == true)
            try await client.send(
                "Subject: big\r\n\r\n" + String(repeating: "0123456789abcdef0123456789abcdef\r\n", count: 200) + ".\r\n"
            )
            #expect(try await client.readReply()?.hasPrefix("552 5.3.4") == true)
            // The session is usable afterwards.
            #expect(try await client.command("NOOP")?.hasPrefix("250") == true)
            #expect(try await server.store.messageCount() == 0)
        }
    }

    @Test("too many recipients get 452 4.5.3")
    func recipientLimit() async throws {
        try await withServer({ $0.smtpMaxRecipients = 2 }) { server in
            try await server.store.createDomain("many.test")
            _ = try await server.store.createRecipient(
                domain: "many.test", localPart: "*", webhookURL: "http://127.0.0.1:9/x")
            let client = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await client.readReply()
            _ = try await client.command("EHLO client.test")
            _ = try await client.command("MAIL FROM:<b@example.org>")
            #expect(try await client.command("RCPT TO:<a@many.test>")?.hasPrefix("250") == true)
            #expect(try await client.command("RCPT TO:<b@many.test>")?.hasPrefix("250") == true)
            #expect(try await client.command("RCPT TO:<c@many.test>")?.hasPrefix("452 4.5.3") == true)
        }
    }

    @Test("an idle client gets 421 4.4.2 and is disconnected")
    func idleTimeout() async throws {
        try await withServer({ $0.smtpIdleTimeout = 0.3 }) { server in
            let client = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await client.readReply()
            let started = ContinuousClock.now
            #expect(try await client.readReply()?.hasPrefix("421 4.4.2") == true)
            #expect(try await client.readReply() == nil)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("after 10 errors the server answers 421 and closes")
    func tooManyErrors() async throws {
        try await withServer { server in
            let client = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await client.readReply()
            var codes: [String] = []
            for _ in 0..<10 { codes.append(String((try await client.command("BOGUS") ?? "").prefix(3))) }
            #expect(codes == Array(repeating: "500", count: 9) + ["421"])
            #expect(try await client.readReply() == nil)
        }
    }

    @Test("a command line over 512 octets is refused; the session goes on")
    func longCommandLine() async throws {
        try await withServer { server in
            let client = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await client.readReply()
            let long = "NOOP " + String(repeating: "x", count: 600)
            #expect(try await client.command(long)?.hasPrefix("500") == true)
            #expect(try await client.command("NOOP")?.hasPrefix("250") == true)
        }
    }
}
