import FastSMTPApp
import FastSMTPModels
import Foundation
import SQLKit
import Testing

@testable import Storage

/// The message part of a payload is stored once per message; each delivery stores its own part and is sent where its
/// recipient is when it is sent.
@Suite("Payload storage", .serialized)
struct PayloadStorageTests {
    @Test(
        "one message to many recipients stores its text once; each payload lists only its own domain's recipients",
        arguments: TestDatabase.available)
    func storedOncePerMessage(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await TestServer.run(settings: TestServer.settings(databaseURL: url)) { server in
                let hook = try await receiver.url()
                try await server.store.createDomain("example.com")
                try await server.store.createDomain("other.org")
                var to: [String] = []
                for index in 0..<10 {
                    _ = try await server.store.createRecipient(
                        domain: "example.com", localPart: "user\(index)", webhookURL: hook)
                    to.append("user\(index)@example.com")
                }
                _ = try await server.store.createRecipient(domain: "other.org", localPart: "carol", webhookURL: hook)
                to.append("carol@other.org")
                let body = String(repeating: "The quick brown fox jumps over the lazy dog.\n", count: 4_000)
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: to,
                    message: SMTPTestClient.message(subject: "big", to: "user0@example.com", body: body))
                let queueID = try #require(transcript.queueID)
                let requests = try await receiver.waitForRequests(11)

                // Each payload: the whole text, and the envelope recipients of its own domain only.
                for request in requests {
                    let json = try #require(request.json)
                    let message = try #require(json["message"] as? [String: Any])
                    let rcptTo = try #require((message["envelope"] as? [String: Any])?["rcpt_to"] as? [String])
                    let recipient = try #require((json["recipient"] as? [String: Any])?["address"] as? String)
                    let expected = recipient.hasSuffix("@other.org") ? ["carol@other.org"] : Array(to.prefix(10))
                    #expect(rcptTo == expected, "\(recipient) saw \(rcptTo)")
                    #expect((message["text"] as? String)?.count == body.count)
                }
                // Stored: the text once, in the stored message; the payload parts are small.
                let messageID = try #require(UUID(uuidString: queueID))
                let sizes = try await server.app.database.withConnection { sql in
                    let cast = server.app.database.dialect == .postgresql ? "::text" : ""
                    let message = try await sql.raw(
                        "SELECT length(payload\(unsafeRaw: cast)) AS n FROM messages WHERE id = \(bind: messageID)"
                    ).first()?.decode(column: "n", as: Int.self)
                    let deliveries = try await sql.raw(
                        "SELECT length(payload\(unsafeRaw: cast)) AS n FROM delivery_log WHERE stored_message_id = \(bind: messageID)"
                    ).all().map { try $0.decode(column: "n", as: Int.self) }
                    return (message: message ?? 0, deliveries: deliveries)
                }
                // The message row's payload part holds no body: the worker takes it from the stored message.
                #expect(sizes.message < 4_000, "message payload part: \(sizes.message) bytes")
                #expect(try await server.store.rawMessage(id: messageID)?.count ?? 0 > body.count)
                #expect(sizes.deliveries.count == 11)
                #expect(sizes.deliveries.allSatisfy { $0 < 2_000 }, "delivery rows: \(sizes.deliveries)")
            }
        }
    }

    @Test(
        "a pending delivery goes where its recipient is now, with its headers now; a deleted recipient's ends failed",
        arguments: TestDatabase.available)
    func sentWhereTheRecipientIsNow(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let old = WebhookReceiver()
        let new = WebhookReceiver()
        try await old.run {
            try await new.run {
                // Accepted while no worker runs; then the recipient moves and one is deleted.
                let queued = try await TestServer.run(
                    settings: TestServer.settings(databaseURL: url), roles: Roles(smtp: true, api: false, worker: false)
                ) { server in
                    try await server.store.createDomain("example.com")
                    let alice = try await server.store.createRecipient(
                        domain: "example.com", localPart: "alice", webhookURL: try await old.url(),
                        webhookHeaders: ["Authorization": "Bearer old"])
                    let bob = try await server.store.createRecipient(
                        domain: "example.com", localPart: "bob", webhookURL: try await old.url())
                    var ids: [String] = []
                    for to in ["alice@example.com", "bob@example.com"] {
                        let transcript = try await SMTPTestClient.send(
                            port: server.smtpPort, to: [to], message: SMTPTestClient.message(subject: "moved", to: to))
                        ids.append(try #require(transcript.queueID))
                    }
                    _ = try await server.store.updateRecipient(
                        id: alice.id, domainID: alice.domainID,
                        RecipientChanges(
                            webhookURL: try await new.url(), webhookHeaders: ["Authorization": "Bearer new"]))
                    #expect(try await server.store.deleteRecipient(id: bob.id, domainID: bob.domainID))
                    return ids
                }
                try await TestServer.run(
                    settings: TestServer.settings(databaseURL: url), roles: Roles(smtp: false, api: false, worker: true)
                ) { server in
                    let alice = try await server.waitForDeliveries(of: queued[0]) { $0.first?.status == .delivered }
                    #expect(alice[0].webhookURL == (try await new.url()))
                    let bob = try await server.waitForDeliveries(of: queued[1]) { $0.first?.status == .failed }
                    #expect(bob[0].lastError == "recipient deleted")
                }
                #expect(old.received.isEmpty, "a request went to the old URL")
                #expect(new.received.count == 1)
                #expect(new.received.first?.headers["authorization"] == "Bearer new")
            }
        }
    }

    @Test(
        "going back to revision 0005 puts each delivery's payload and each message's chunks together again",
        arguments: TestDatabase.available)
    func downgradeReassembles(database kind: TestDatabase) async throws {
        let url = try await kind.makeMigratedURL()
        let queueID = try await TestServer.run(
            settings: TestServer.settings(databaseURL: url), roles: Roles(smtp: true, api: false, worker: false)
        ) { server in
            try await server.store.createDomain("example.com")
            _ = try await server.store.createRecipient(
                domain: "example.com", localPart: "alice", webhookURL: "http://127.0.0.1:9/x")
            let transcript = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"],
                message: SMTPTestClient.message(
                    subject: "old times", to: "alice@example.com",
                    body: String(repeating: "stored in chunks since revision 0006\n", count: 40_000)))
            return try #require(transcript.queueID)
        }
        let messageID = try #require(UUID(uuidString: queueID))
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { database in
            let store = Store(database: database)
            let delivery = try #require(try await store.deliveries(storedMessageID: messageID).first)
            let expected = try #require(try await store.deliveryPayload(id: delivery.id))
            let raw = try #require(try await store.rawMessage(id: messageID))
            #expect(raw.count > Store.rawChunkSize)
            _ = try await Migrator(database: database, logger: .quiet).downgrade(to: "0005")
            let json = try await database.withConnection { sql in
                let cast = database.dialect == .postgresql ? "::text" : ""
                return try await sql.raw(
                    "SELECT payload\(unsafeRaw: cast) AS p FROM delivery_log WHERE id = \(bind: delivery.id)"
                ).first()?.decode(column: "p", as: String.self)
            }
            let payload = try JSONDecoder().decode(WebhookPayload.self, from: Data(try #require(json).utf8))
            #expect(payload == expected)
            #expect(payload.message.envelope.rcptTo == ["alice@example.com"])
            #expect(payload.message.subject == "old times")
            // The chunks are one blob again.
            let inline = try await database.withConnection { sql in
                try await sql.raw("SELECT raw FROM messages WHERE id = \(bind: messageID)").first()?.decode(
                    column: "raw", as: Data.self)
            }
            #expect(inline == raw)
        }
    }
}

@Suite("Message chunks")
struct MessageChunkTests {
    @Test("chunks cover the pieces exactly, in order, whatever their sizes")
    func chunksCoverThePieces() {
        let size = Store.rawChunkSize
        for pieces in [[0, 10], [10, 0], [3, size * 2 + 5], [size, size], [size + 1], [1, size - 1], [0]] {
            let parts = pieces.enumerated().map { index, count in [UInt8](repeating: UInt8(index + 1), count: count) }
            let whole = parts.flatMap { $0 }
            let ranges = Store.chunkRanges(size: whole.count)
            #expect(ranges.count == max(1, (whole.count + size - 1) / size))
            #expect(ranges.allSatisfy { $0.count <= size })
            let joined = ranges.flatMap { Array(Store.bytes($0, of: parts).readableBytesView) }
            #expect(joined == whole, "pieces \(pieces)")
        }
    }
}
