import FastSMTPModels
import Foundation
import NIOConcurrencyHelpers
import Storage
import Testing

/// Retention on a simulated clock: finished deliveries older than the cutoff go, and the messages nothing refers to
/// any more with them; pending and quarantined rows, and the messages they need, stay.
@Suite("Retention")
struct RetentionTests {
    @Test("purge removes old finished rows and orphaned messages only", arguments: TestDatabase.available)
    func purge(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { db in
            let clock = NIOLockedValueBox(Date(timeIntervalSince1970: 1_790_000_000))
            let store = Store(database: db, now: { clock.withLockedValue { $0 } })
            let domain = try await store.createDomain("example.com")
            let recipient = try await store.createRecipient(
                domain: "example.com", localPart: "a", webhookURL: "http://127.0.0.1:9/hook")

            /// One message with one delivery that ends in `status`, at the clock's current time.
            func message(_ status: DeliveryStatus) async throws -> (message: UUID, delivery: UUID) {
                let id = UUID()
                let delivery = NewDelivery(
                    domainID: domain.id, recipientID: recipient.id, webhookURL: recipient.webhookURL,
                    payloadJSON: Data(#"{"status":"\#(status.rawValue)"}"#.utf8), payloadHash: "00",
                    status: status == .quarantined || status == .dropped ? status : .pending)
                try await store.accept(
                    IncomingMessage(
                        id: id, messageID: "<\(id)@t>", mailFrom: "x@example.org", recipients: ["a@example.com"],
                        helo: "h", clientIP: "127.0.0.1", raw: Data("Subject: x\r\n\r\nx\r\n".utf8),
                        receivedAt: store.now(), instanceID: "t"),
                    deliveries: [delivery])
                let outcome: DeliveryOutcome? =
                    switch status {
                    case .delivered: .delivered(statusCode: 200)
                    case .failed: .failed(statusCode: 400, error: "x")
                    case .exhausted: .exhausted(statusCode: 500, error: "x")
                    default: nil
                    }
                if let outcome {
                    let claimed = try await store.claimDueDeliveries(limit: 10, instanceID: "t", lease: 60)
                    let lease = try #require(claimed.first { $0.record.id == delivery.id }?.lease)
                    #expect(try await store.record(outcome, lease: lease))
                }
                return (id, delivery.id)
            }

            // 40 days ago: one of each status.
            clock.withLockedValue { $0 = $0.addingTimeInterval(-40 * 86_400) }
            var old: [DeliveryStatus: (message: UUID, delivery: UUID)] = [:]
            for status in DeliveryStatus.allCases where status != .pending { old[status] = try await message(status) }
            // Today: a delivered one, too young to go.
            clock.withLockedValue { $0 = $0.addingTimeInterval(40 * 86_400) }
            let young = try await message(.delivered)
            // The old pending one last, so that no claim above touches it: it stays 40 days old, and only its
            // status can keep it.
            clock.withLockedValue { $0 = $0.addingTimeInterval(-40 * 86_400) }
            let oldPending = try await message(.pending)
            old[.pending] = oldPending
            clock.withLockedValue { $0 = $0.addingTimeInterval(40 * 86_400) }
            let pending = try #require(try await store.delivery(id: oldPending.delivery))
            #expect(pending.attempts == 0)
            #expect(pending.updatedAt < store.now().addingTimeInterval(-30 * 86_400))

            let result = try await store.purge(before: store.now().addingTimeInterval(-30 * 86_400), batchSize: 2)
            #expect(result.deliveries == 4, "delivered, failed, exhausted, dropped")
            #expect(result.messages == 4)
            for status in [DeliveryStatus.delivered, .failed, .exhausted, .dropped] {
                #expect(try await store.delivery(id: try #require(old[status]).delivery) == nil, "\(status)")
                #expect(try await store.rawMessage(id: try #require(old[status]).message) == nil, "\(status)")
            }
            for status in [DeliveryStatus.pending, .quarantined] {
                #expect(try await store.delivery(id: try #require(old[status]).delivery)?.status == status)
                #expect(try await store.rawMessage(id: try #require(old[status]).message) != nil, "\(status)")
            }
            #expect(try await store.delivery(id: young.delivery)?.status == .delivered)
            #expect(try await store.rawMessage(id: young.message) != nil)
            // Nothing left to purge: a second run removes nothing.
            #expect(
                try await store.purge(before: store.now().addingTimeInterval(-30 * 86_400))
                    == .init(deliveries: 0, messages: 0))
        }
    }
}
