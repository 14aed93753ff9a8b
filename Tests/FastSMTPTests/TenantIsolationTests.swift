import Foundation
import NIOHTTP1
import Storage
import Testing

/// Two tenants: every domain-scoped endpoint called by the user who is not a member → 404, and nothing changes.
@Suite("Tenant isolation")
struct TenantIsolationTests {
    struct Call: Sendable, CustomStringConvertible {
        var method: HTTPMethod
        var path: String
        var json: [String: any Sendable]?
        var description: String { "\(method) \(path)" }
    }

    /// Every domain-scoped operation of openapi.yaml, aimed at alice's domain and its children.
    static func calls(
        domain: String, recipient: String, ruleset: String, rule: String, member: String, delivery: String
    ) -> [Call] {
        let d = "/api/v1/domains/\(domain)"
        return [
            Call(method: .GET, path: d),
            Call(method: .PUT, path: d, json: ["is_enabled": false]),
            Call(method: .DELETE, path: d),
            Call(method: .GET, path: "\(d)/members"),
            Call(method: .POST, path: "\(d)/members", json: ["user_id": "bob", "role": "owner"]),
            Call(method: .PUT, path: "\(d)/members/\(member)", json: ["role": "member"]),
            Call(method: .DELETE, path: "\(d)/members/\(member)"),
            Call(method: .GET, path: "\(d)/recipients"),
            Call(
                method: .POST, path: "\(d)/recipients",
                json: ["local_part": "evil", "webhook_url": "https://evil.test/x"]),
            Call(method: .GET, path: "\(d)/recipients/\(recipient)"),
            Call(method: .PUT, path: "\(d)/recipients/\(recipient)", json: ["webhook_url": "https://evil.test/x"]),
            Call(method: .DELETE, path: "\(d)/recipients/\(recipient)"),
            Call(method: .GET, path: "\(d)/rulesets"),
            Call(method: .POST, path: "\(d)/rulesets", json: ["name": "evil"]),
            Call(method: .GET, path: "\(d)/rulesets/\(ruleset)"),
            Call(method: .PUT, path: "\(d)/rulesets/\(ruleset)", json: ["is_enabled": false]),
            Call(method: .DELETE, path: "\(d)/rulesets/\(ruleset)"),
            Call(
                method: .POST, path: "\(d)/rulesets/\(ruleset)/rules",
                json: ["field": "subject", "operator": "exists", "action": "drop"]),
            Call(method: .POST, path: "\(d)/rulesets/\(ruleset)/reorder", json: ["rule_ids": [rule]]),
            Call(method: .PUT, path: "\(d)/rules/\(rule)", json: ["action": "drop"]),
            Call(method: .DELETE, path: "\(d)/rules/\(rule)"),
            Call(method: .GET, path: "\(d)/delivery-log"),
            Call(method: .GET, path: "/api/v1/delivery-log/\(delivery)"),
            Call(method: .POST, path: "/api/v1/delivery-log/\(delivery)/retry"),
        ]
    }

    /// Everything of domain a.test, to compare before and after.
    func snapshot(_ api: APIFixture) async throws -> String {
        let store = api.store
        let domain = try await store.domain(id: api.domainA.id)
        let members = try await store.members(domainID: api.domainA.id).map { "\($0.userID)\($0.role)" }
        let recipients = try await store.recipients(domainID: api.domainA.id, limit: 100, after: nil)
        let rulesets = try await store.rulesets(domainID: api.domainA.id)
        let rules = try await store.rules(rulesetIDs: rulesets.map(\.id))
        let deliveries = try await store.deliveries(
            domainID: api.domainA.id, status: nil, since: nil, limit: 100, after: nil)
        return
            "\(String(describing: domain))|\(members)|\(recipients)|\(rulesets)|\(rules)|\(deliveries.map { "\($0.id)\($0.status)\($0.attempts)" })"
    }

    @Test(
        "a non-member gets 404 for every domain-scoped endpoint and nothing changes", arguments: TestDatabase.available)
    func nonMemberSeesNothing(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let store = api.store
            let recipient = try await store.createRecipient(
                domain: api.domainA, localPart: "alice", webhookURL: "https://a.test/hook")
            let ruleset = try await store.createRuleset(
                domainID: api.domainA.id, name: "rs", priority: 0, stopOnMatch: true, isEnabled: true)
            let rule = try await store.addRule(
                rulesetID: ruleset.id, RuleFields(field: "subject", operator: "contains", value: "x"))
            let delivery = try await DeliveryFixture.failedDelivery(store, domain: api.domainA, recipient: recipient)
            let before = try await snapshot(api)

            let calls =
                Self.calls(
                    domain: "a.test", recipient: recipient.id.uuidString, ruleset: ruleset.id.uuidString,
                    rule: rule.id.uuidString, member: api.alice.id.uuidString, delivery: delivery.uuidString)
                + Self.calls(
                    domain: api.domainA.id.uuidString, recipient: recipient.id.uuidString, ruleset: "rs",
                    rule: rule.id.uuidString, member: api.alice.id.uuidString, delivery: delivery.uuidString)
            for call in calls {
                let reply = try await api.call(call.method, call.path, key: api.bobKey, json: call.json)
                #expect(reply.status == 404, "\(call) by a non-member answered \(reply.status)")
                #expect(reply.headers["content-type"] == "application/problem+json", "\(call)")
            }
            #expect(try await snapshot(api) == before, "a non-member's calls changed the domain")
            // The same calls by the owner do work (the matrix is not vacuous): reading succeeds.
            #expect(
                try await api.call(
                    .GET, "/api/v1/domains/a.test/recipients/\(recipient.id.uuidString)", key: api.aliceKey
                ).status == 200)
            #expect(
                try await api.call(.GET, "/api/v1/delivery-log/\(delivery.uuidString)", key: api.aliceKey).status == 200
            )
        }
    }

    @Test("delivery log: list with filters and pages, get, retry a failed delivery", arguments: TestDatabase.available)
    func deliveryLog(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let recipient = try await api.store.createRecipient(
                domain: api.domainA, localPart: "alice", webhookURL: "https://a.test/hook")
            var ids: [UUID] = []
            for _ in 0..<3 {
                ids.append(
                    try await DeliveryFixture.failedDelivery(api.store, domain: api.domainA, recipient: recipient))
            }
            let base = "/api/v1/domains/a.test/delivery-log"
            let all = try await api.call(.GET, base, key: api.aliceKey)
            #expect(all.items.count == 3)
            #expect(try await api.call(.GET, "\(base)?status=delivered", key: api.aliceKey).items.isEmpty)
            #expect(try await api.call(.GET, "\(base)?status=failed", key: api.aliceKey).items.count == 3)
            #expect(try await api.call(.GET, "\(base)?status=bogus", key: api.aliceKey).status == 422)
            #expect(try await api.call(.GET, "\(base)?since=2999-01-01T00:00:00Z", key: api.aliceKey).items.isEmpty)
            let first = try await api.call(.GET, "\(base)?limit=2", key: api.aliceKey)
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await api.call(.GET, "\(base)?limit=2&cursor=\(cursor)", key: api.aliceKey)
            let seen = (first.items + second.items).compactMap { $0["id"] as? String }
            #expect(Set(seen) == Set(ids.map { $0.uuidString.lowercased() }))
            #expect(seen.count == 3)

            let retried = try await api.call(
                .POST, "/api/v1/delivery-log/\(ids[0].uuidString)/retry", key: api.aliceKey)
            #expect(retried.status == 200)
            #expect(retried.json["status"] as? String == "pending")
            #expect(try await api.store.delivery(id: ids[0])?.status == .pending)
            #expect(
                try await api.call(.POST, "/api/v1/delivery-log/\(ids[0].uuidString)/retry", key: api.aliceKey).status
                    == 409)
            let member = try await api.key(for: api.alice, scopes: ["logs:read"])
            #expect(
                try await api.call(.POST, "/api/v1/delivery-log/\(ids[1].uuidString)/retry", key: member).status == 403)
            #expect(
                try await api.call(.GET, "/api/v1/delivery-log/\(UUID().uuidString)", key: api.aliceKey).status == 404)
        }
    }
}

/// Delivery rows as the SMTP path makes them, then failed.
enum DeliveryFixture {
    static func failedDelivery(_ store: Store, domain: DomainRecord, recipient: RecipientRecord) async throws -> UUID {
        let id = try await pendingDelivery(store, domain: domain, recipient: recipient)
        let claimed = try await store.claimDueDeliveries(limit: 100, instanceID: "test", lease: 60)
        let lease = try #require(claimed.first { $0.record.id == id }?.lease)
        try await store.record(.failed(statusCode: 400, error: "HTTP 400"), lease: lease)
        return id
    }

    /// A pending delivery row for `recipient` carrying `payloadJSON` as its stored payload.
    static func pendingDelivery(
        _ store: Store, domain: DomainRecord, recipient: RecipientRecord, payloadJSON: Data = Data(#"{"k":"v"}"#.utf8)
    ) async throws -> UUID {
        let message = IncomingMessage(
            messageID: "<\(UUID())@x>", mailFrom: "a@b.c", recipients: ["alice@\(domain.domainName)"],
            helo: "h", clientIP: "127.0.0.1", raw: Data("Subject: x\r\n\r\nx\r\n".utf8),
            receivedAt: Date(), instanceID: "test")
        let delivery = NewDelivery(
            domainID: domain.id, recipientID: recipient.id, webhookURL: recipient.webhookURL,
            payloadJSON: payloadJSON, payloadHash: "00")
        try await store.accept(message, deliveries: [delivery])
        return delivery.id
    }
}
