import FastSMTPApp
import FastSMTPModels
import Foundation
import Testing

/// SMTP smuggling, connection limits and slow clients, against the real listener.
@Suite("SMTP hardening", .serialized)
struct HardeningTests {
    static func withServer(
        _ customize: @escaping @Sendable (inout Settings) -> Void = { _ in },
        _ body: @Sendable (TestServer) async throws -> Void
    ) async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let settings = TestServer.settings(databaseURL: url) { settings in
            settings.smtpVerifySPF = false
            settings.smtpVerifyDKIM = false
            customize(&settings)
        }
        try await TestServer.run(settings: settings, roles: Roles(smtp: true, api: false, worker: false)) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/x")
            try await body(server)
        }
    }

    // MARK: SMTP smuggling

    /// The end-of-data sequences of the SMTP smuggling research (SEC Consult, December 2023, and the
    /// smtp-smuggling-tools scanner). `refused`: the message holds a bare CR or LF and is refused as a whole;
    /// otherwise it is one message with the "smuggled" text as content.
    struct SmugglingVariant: Sendable, CustomTestStringConvertible {
        var name: String
        var sequence: String
        var refused: Bool
        var testDescription: String { name }
    }

    static let smugglingVariants: [SmugglingVariant] = [
        .init(name: "<LF>.<LF>", sequence: "\n.\n", refused: true),
        .init(name: "<LF>.<CR><LF>", sequence: "\n.\r\n", refused: true),
        .init(name: "<CR><LF>.<LF>", sequence: "\r\n.\n", refused: true),
        .init(name: "<CR>.<CR>", sequence: "\r.\r", refused: true),
        .init(name: "<CR>.<CR><LF>", sequence: "\r.\r\n", refused: true),
        .init(name: "<CR><LF>.<CR>", sequence: "\r\n.\r", refused: true),
        .init(name: "<CR>.<LF>", sequence: "\r.\n", refused: true),
        .init(name: "<LF>.<CR>", sequence: "\n.\r", refused: true),
        .init(name: "<CR><LF><NUL>.<CR><LF>", sequence: "\r\n\u{0}.\r\n", refused: false),
        .init(name: "<CR><LF>.<NUL><CR><LF>", sequence: "\r\n.\u{0}\r\n", refused: false),
    ]

    @Test("an SMTP smuggling end-of-data variant never splits the message", arguments: smugglingVariants)
    func smuggling(variant: SmugglingVariant) async throws {
        try await Self.withServer { server in
            let client = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await client.readReply()
            #expect(try await client.command("EHLO client.test")?.hasPrefix("250") == true)
            #expect(try await client.command("MAIL FROM:<sender@example.org>")?.hasPrefix("250") == true)
            #expect(try await client.command("RCPT TO:<alice@example.com>")?.hasPrefix("250") == true)
            #expect(try await client.command("DATA")?.hasPrefix("354") == true)
            try await client.send(
                "Subject: first\r\n\r\nhello" + variant.sequence
                    + "MAIL FROM:<smuggled@evil.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n"
            )
            let reply = try #require(try await client.readReply())
            // The only replies are the one for the whole content and the one for QUIT: no command inside was run.
            #expect(try await client.readReply()?.hasPrefix("221") == true)
            #expect(try await client.readReply() == nil)
            if variant.refused {
                #expect(reply.hasPrefix("554 5.6.0"), "\(reply)")
                #expect(try await server.store.messageCount() == 0)
            } else {
                #expect(reply.hasPrefix("250 2.0.0 queued as "), "\(reply)")
                #expect(try await server.store.messageCount() == 1)
                let id = try #require(UUID(uuidString: String(reply.dropFirst("250 2.0.0 queued as ".count))))
                let raw = String(decoding: try #require(try await server.store.rawMessage(id: id)), as: UTF8.self)
                #expect(raw.contains("MAIL FROM:<smuggled@evil.test>\r\n"))
                #expect(raw.contains("Subject: smuggled"))
            }
        }
    }

    // MARK: Connection limits

    /// Reads the greeting of a new connection.
    static func greeting(port: Int) async throws -> (RawSMTPClient, String?) {
        let client = try await RawSMTPClient.connect(port: port)
        return (client, try await client.readReply())
    }

    /// Polls until a new connection is greeted with 220 (the server releases a slot when a connection's task ends).
    static func eventuallyGreeted(port: Int) async throws -> Bool {
        for _ in 0..<100 {
            let (client, reply) = try await greeting(port: port)
            await client.close()
            if reply?.hasPrefix("220") == true { return true }
            try await Task.sleep(for: .milliseconds(30))
        }
        return false
    }

    @Test("connections per client IP beyond the limit get 421 4.7.0 and are closed; a freed slot is reused")
    func perIPLimit() async throws {
        try await Self.withServer({ $0.smtpMaxConnectionsPerIP = 2 }) { server in
            let (first, firstReply) = try await Self.greeting(port: server.smtpPort)
            let (second, secondReply) = try await Self.greeting(port: server.smtpPort)
            #expect(firstReply?.hasPrefix("220") == true)
            #expect(secondReply?.hasPrefix("220") == true)
            let (third, thirdReply) = try await Self.greeting(port: server.smtpPort)
            #expect(thirdReply?.hasPrefix("421 4.7.0") == true, "\(String(describing: thirdReply))")
            #expect(try await third.readReply() == nil)
            // The admitted sessions work on.
            #expect(try await first.command("NOOP")?.hasPrefix("250") == true)
            _ = try await second.command("QUIT")
            #expect(try await Self.eventuallyGreeted(port: server.smtpPort))
            await first.close()
        }
    }

    @Test("connections beyond the total limit get 421 4.7.0")
    func totalLimit() async throws {
        try await Self.withServer({ $0.smtpMaxConnections = 3 }) { server in
            var open: [RawSMTPClient] = []
            for _ in 0..<3 {
                let (client, reply) = try await Self.greeting(port: server.smtpPort)
                #expect(reply?.hasPrefix("220") == true)
                open.append(client)
            }
            let (_, refused) = try await Self.greeting(port: server.smtpPort)
            #expect(refused?.hasPrefix("421 4.7.0") == true)
            for client in open { await client.close() }
            #expect(try await Self.eventuallyGreeted(port: server.smtpPort))
        }
    }

    // MARK: Slow clients

    @Test("a client that dribbles a command byte by byte is cut at the command timeout; whole commands are not")
    func commandTimeout() async throws {
        try await Self.withServer({
            $0.smtpCommandTimeout = 0.8
            $0.smtpIdleTimeout = 30
        }) { server in
            let steady = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await steady.readReply()
            for _ in 0..<6 {  // 1.8 s in all, each command well inside the timeout
                #expect(try await steady.command("NOOP")?.hasPrefix("250") == true)
                try await Task.sleep(for: .milliseconds(300))
            }

            let slow = try await RawSMTPClient.connect(port: server.smtpPort)
            _ = try await slow.readReply()
            let started = ContinuousClock.now
            for byte in "NOOP NOOP NOOP NOOP" {  // never idle, never finished
                try? await slow.send(String(byte))
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await slow.readReply()?.hasPrefix("421 4.4.2") == true)
            #expect(try await slow.readReply() == nil)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("DATA slower than the minimum rate is cut after the DATA timeout; a faster transfer may take longer")
    func dataTimeout() async throws {
        try await Self.withServer({
            $0.smtpDataTimeout = 0.6
            $0.smtpMinDataRate = 1000
            $0.smtpIdleTimeout = 30
        }) { server in
            func startData() async throws -> RawSMTPClient {
                let client = try await RawSMTPClient.connect(port: server.smtpPort)
                _ = try await client.readReply()
                _ = try await client.command("EHLO client.test")
                _ = try await client.command("MAIL FROM:<sender@example.org>")
                _ = try await client.command("RCPT TO:<alice@example.com>")
                #expect(try await client.command("DATA")?.hasPrefix("354") == true)
                return client
            }
            // 2 000 octets every 100 ms: each chunk buys 2 s, so 1.5 s of transfer is fine.
            let fast = try await startData()
            let line = String(repeating: "x", count: 98) + "\r\n"
            for _ in 0..<15 {
                try await fast.send(String(repeating: line, count: 20))
                try await Task.sleep(for: .milliseconds(100))
            }
            try await fast.send(".\r\n")
            #expect(try await fast.readReply()?.hasPrefix("250 2.0.0 queued as") == true)

            // 10 octets every 100 ms buy almost nothing: cut shortly after 0.6 s.
            let slow = try await startData()
            let started = ContinuousClock.now
            for _ in 0..<30 {
                try? await slow.send("slowslow\r\n")
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await slow.readReply()?.hasPrefix("421 4.4.2") == true)
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(try await server.store.messageCount() == 1)
        }
    }
}
