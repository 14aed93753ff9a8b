import DNSClient
import FastSMTPApp
import Foundation
import ServiceLifecycle
import Storage
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("shutdown lets a transaction in flight finish (250, then 421) and tells idle clients 421 4.3.2")
    func finishesTransactionInFlight() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let settings = TestServer.settings(databaseURL: url)
        let app = try await FastSMTPApplication.make(
            settings: settings, roles: Roles(smtp: true, api: false, worker: false),
            logger: .quiet, resolver: DNSZoneResolver())
        try await app.store.createDomain("example.com")
        _ = try await app.store.createRecipient(
            domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/x")
        let group = try app.serviceGroup(handleSignals: false)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(try await app.smtpServer?.localPort())

            let busy = try await RawSMTPClient.connect(port: port)
            let idle = try await RawSMTPClient.connect(port: port)
            #expect(try await busy.readReply()?.hasPrefix("220 ") == true)
            #expect(try await idle.readReply()?.hasPrefix("220 ") == true)
            #expect(try await busy.command("EHLO client.test")?.hasPrefix("250") == true)
            #expect(try await busy.command("MAIL FROM:<bob@example.org>")?.hasPrefix("250") == true)
            #expect(try await busy.command("RCPT TO:<alice@example.com>")?.hasPrefix("250") == true)
            #expect(try await busy.command("DATA")?.hasPrefix("354") == true)
            try await busy.send("Subject: in flight\r\n\r\nhalf of the body\r\n")

            await group.triggerGracefulShutdown()
            // The idle client is told and disconnected.
            let idleReply = try await idle.readReply()
            #expect(idleReply?.hasPrefix("421 4.3.2") == true, "idle client got \(idleReply ?? "nothing")")
            #expect(try await idle.readReply() == nil)
            // New connections are refused.
            await #expect(throws: (any Error).self) { _ = try await RawSMTPClient.connect(port: port) }

            // The busy client finishes its message: it is accepted, then the connection is closed.
            try await busy.send("the other half\r\n.\r\n")
            let accepted = try await busy.readReply()
            #expect(accepted?.hasPrefix("250 2.0.0") == true, "got \(accepted ?? "nothing")")
            #expect(try await busy.readReply()?.hasPrefix("421") == true)
            #expect(try await busy.readReply() == nil)
            try await tasks.waitForAll()
        }
        #expect(
            try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { database in
                try await Store(database: database).messageCount()
            } == 1)
    }
}
