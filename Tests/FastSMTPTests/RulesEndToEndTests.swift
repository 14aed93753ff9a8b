import API
import DNSClient
import FastSMTPApp
import Foundation
import NIOHTTP1
import Storage
import Testing

/// The rules a user writes through the API decide what happens to mail received over SMTP: SPEC.md's spam filter,
/// drop, quarantine and release, forward to an override URL, tags and the deciding rule in the payload — with real
/// DKIM and SPF verdicts from a test zone, on SQLite and PostgreSQL. The simulator must agree with delivery.
@Suite("Rules over SMTP", .serialized)
struct RulesEndToEndTests {
    struct Sent: Sendable {
        var name: String
        var queueID: String
        var raw: String
        var mailFrom: String
    }

    @Test(
        "drop, quarantine → release, override, tags and rule; the simulator agrees", arguments: TestDatabase.available)
    func rulesDecide(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        let rootKey = APIKeyGenerator.generate()
        try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) { $0.rootAPIKey = rootKey }
            try await TestServer.run(settings: settings, dns: EmailAuthTests.zone()) { server in
                let api = APIClient(port: server.apiPort, key: rootKey)
                let domain = try await api.call(.POST, "/api/v1/domains", ["domain_name": "example.com"])
                let domainID = try #require(domain.json["id"] as? String)
                _ = try await api.call(
                    .POST, "/api/v1/domains/\(domainID)/recipients",
                    ["local_part": "alice", "webhook_url": try await receiver.url(path: "/alice")])
                let override = try await receiver.url(path: "/override")

                // SPEC.md's spam filter, plus a quarantine and a rerouting rule; a second ruleset tags DKIM passes.
                let spam = try await api.call(
                    .POST, "/api/v1/domains/\(domainID)/rulesets",
                    ["name": "spam-filter", "priority": 10, "stop_on_match": false])
                #expect(spam.status == 201)
                let spamID = try #require(spam.json["id"] as? String)
                let rules: [[String: Any]] = [
                    [
                        "field": "header:X-Priority", "operator": "equals", "value": "1", "action": "tag",
                        "add_tags": ["urgent"],
                    ],
                    [
                        "field": "spf_result", "operator": "equals", "value": "fail", "action": "tag",
                        "add_tags": ["spf-failed"],
                    ],
                    ["field": "subject", "operator": "contains", "value": "viagra", "action": "drop"],
                    ["field": "subject", "operator": "regex", "value": "\\binvoice\\b", "action": "quarantine"],
                    [
                        "field": "subject", "operator": "starts_with", "value": "route me", "action": "forward",
                        "webhook_url_override": override, "add_tags": ["rerouted"],
                    ],
                ]
                var ruleIDs: [String] = []
                for rule in rules {
                    let added = try await api.call(.POST, "/api/v1/domains/\(domainID)/rulesets/\(spamID)/rules", rule)
                    #expect(added.status == 201, "\(String(decoding: added.body, as: UTF8.self))")
                    ruleIDs.append(try #require(added.json["id"] as? String))
                }
                let dkimSet = try await api.call(
                    .POST, "/api/v1/domains/\(domainID)/rulesets", ["name": "auth", "priority": 20])
                let dkimSetID = try #require(dkimSet.json["id"] as? String)
                _ = try await api.call(
                    .POST, "/api/v1/domains/\(domainID)/rulesets/\(dkimSetID)/rules",
                    [
                        "field": "dkim_result", "operator": "equals", "value": "pass", "action": "tag",
                        "add_tags": ["dkim-ok"],
                    ])

                func send(_ name: String, from: String, _ raw: String) async throws -> Sent {
                    let transcript = try await SMTPTestClient.send(
                        port: server.smtpPort, from: from, to: ["alice@example.com"], message: raw)
                    let id = try #require(transcript.queueID, "\(name): \(transcript.data as Any)")
                    #expect(transcript.data?.code == 250, "\(name): a rule's decision is never a refusal")
                    return Sent(name: name, queueID: id, raw: raw, mailFrom: from)
                }
                let dropped = try await send(
                    "drop", from: "bob@example.org",
                    SMTPTestClient.message(subject: "Cheap VIAGRA", to: "alice@example.com"))
                let held = try await send(
                    "quarantine", from: "bob@example.org",
                    SMTPTestClient.message(subject: "Your Invoice 42", to: "alice@example.com"))
                let rerouted = try await send(
                    "override", from: "bob@example.org",
                    SMTPTestClient.message(subject: "Route me please", to: "alice@example.com")
                        .replacingOccurrences(of: "MIME-Version: 1.0", with: "MIME-Version: 1.0\r\nX-Priority: 1"))
                let signed = try await send("default", from: "test@example.net", try EmailAuthTests.signedMessage())

                // The override and the default forward arrive; nothing else does (yet).
                let arrived = try await receiver.waitForRequests(2)
                let atOverride = try #require(arrived.first { $0.path == "/override" }?.json)
                #expect(atOverride["tags"] as? [String] == ["urgent", "spf-failed", "rerouted"])
                let rule = try #require(atOverride["rule"] as? [String: Any])
                #expect(rule["id"] as? String == ruleIDs[4])
                #expect(rule["ruleset_id"] as? String == spamID)
                #expect(rule["ruleset"] as? String == "spam-filter")
                #expect(rule["action"] as? String == "forward")
                let atAlice = try #require(arrived.first { $0.path == "/alice" }?.json)
                #expect(atAlice["tags"] as? [String] == ["dkim-ok"])
                #expect(atAlice["rule"] == nil || atAlice["rule"] is NSNull)

                let droppedRows = try await server.waitForDeliveries(of: dropped.queueID) {
                    $0.first?.status == .dropped
                }
                #expect(droppedRows[0].attempts == 0)
                let heldRows = try await server.waitForDeliveries(of: held.queueID) { $0.first?.status == .quarantined }
                let reroutedRows = try await server.waitForDeliveries(of: rerouted.queueID) {
                    $0.first?.status == .delivered
                }
                #expect(reroutedRows[0].webhookURL == override)

                // The delivery log filters by the new statuses.
                let quarantined = try await api.call(
                    .GET, "/api/v1/domains/\(domainID)/delivery-log?status=quarantined", nil)
                #expect(quarantined.status == 200)
                #expect(
                    quarantined.items.compactMap { $0["id"] as? String } == [heldRows[0].id.uuidString.lowercased()])
                let droppedList = try await api.call(
                    .GET, "/api/v1/domains/\(domainID)/delivery-log?status=dropped", nil)
                #expect(droppedList.items.count == 1)

                // Release: pending, then delivered like any other; releasing again is a conflict.
                try await Task.sleep(for: .milliseconds(300))
                let stillHeld = try await server.store.delivery(id: heldRows[0].id)
                #expect(stillHeld?.status == .quarantined)
                #expect(stillHeld?.attempts == 0, "no worker ever claimed it")
                #expect(receiver.received.count == 2, "a quarantined message is not delivered until released")
                let released = try await api.call(
                    .POST, "/api/v1/delivery-log/\(heldRows[0].id.uuidString.lowercased())/release", nil)
                #expect(released.status == 200)
                #expect(released.json["status"] as? String == "pending")
                _ = try await server.waitForDeliveries(of: held.queueID) { $0.first?.status == .delivered }
                let afterRelease = try await receiver.waitForRequests(3)
                let releasedPayload = try #require(afterRelease.last?.json)
                #expect((releasedPayload["rule"] as? [String: Any])?["action"] as? String == "quarantine")
                #expect(
                    try await api.call(
                        .POST, "/api/v1/delivery-log/\(heldRows[0].id.uuidString.lowercased())/release", nil
                    ).status == 409)
                #expect(
                    try await api.call(.DELETE, "/api/v1/delivery-log/\(heldRows[0].id.uuidString.lowercased())", nil)
                        .status == 409)

                // The simulator answers what delivery did, for each message.
                for sent in [dropped, held, rerouted, signed] {
                    let row = try await server.waitForDeliveries(of: sent.queueID) { _ in true }[0]
                    let payload = try await server.store.deliveryPayload(id: row.id).flatMap {
                        try JSONSerialization.jsonObject(with: try JSONEncoder().encode($0)) as? [String: Any]
                    }
                    var body: [String: Any] = [
                        "raw_message": sent.raw, "mail_from": sent.mailFrom, "rcpt_to": "alice@example.com",
                        "client_ip": "127.0.0.1",
                    ]
                    if let dkim = row.dkimResult { body["dkim_result"] = dkim }
                    if let spf = row.spfResult { body["spf_result"] = spf }
                    let simulated = try await api.call(.POST, "/api/v1/domains/\(domainID)/rules/simulate", body)
                    #expect(simulated.status == 200, "\(sent.name)")
                    let action = simulated.json["action"] as? String
                    let expected: String =
                        switch sent.name {
                        case "drop": "drop"
                        case "quarantine": "quarantine"
                        default: "forward"
                        }
                    #expect(action == expected, "\(sent.name)")
                    #expect(simulated.json["tags"] as? [String] == payload?["tags"] as? [String], "\(sent.name)")
                    let simulatedRule = (simulated.json["rule"] as? [String: Any])?["id"] as? String
                    let deliveredRule = (payload?["rule"] as? [String: Any])?["id"] as? String
                    #expect(simulatedRule == deliveredRule, "\(sent.name)")
                    if expected == "forward" {
                        #expect(simulated.json["webhook_url"] as? String == row.webhookURL, "\(sent.name)")
                    } else {
                        #expect(simulated.json["webhook_url"] == nil, "\(sent.name)")
                    }
                    #expect((simulated.json["trace"] as? [[String: Any]])?.count == 6, "\(sent.name)")
                }
            }
        }
    }

    @Test("quarantine → delete; the API refuses invalid rules with 422", arguments: TestDatabase.available)
    func quarantineDeleteAndValidation(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let receiver = WebhookReceiver()
        let rootKey = APIKeyGenerator.generate()
        try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) {
                $0.rootAPIKey = rootKey
                $0.smtpVerifySPF = false
                $0.smtpVerifyDKIM = false
            }
            try await TestServer.run(settings: settings) { server in
                let api = APIClient(port: server.apiPort, key: rootKey)
                let domainID = try #require(
                    try await api.call(.POST, "/api/v1/domains", ["domain_name": "example.com"]).json["id"] as? String)
                _ = try await api.call(
                    .POST, "/api/v1/domains/\(domainID)/recipients",
                    ["local_part": "*", "webhook_url": try await receiver.url(path: "/all")])
                let set = try await api.call(.POST, "/api/v1/domains/\(domainID)/rulesets", ["name": "hold"])
                let setID = try #require(set.json["id"] as? String)
                let rulesPath = "/api/v1/domains/\(domainID)/rulesets/\(setID)/rules"

                // Invalid rules: 422 problem JSON naming what is wrong (and where, for a regex).
                let badRegex = try await api.call(
                    .POST, rulesPath, ["field": "subject", "operator": "regex", "value": "(a|b", "action": "drop"])
                #expect(badRegex.status == 422)
                #expect((badRegex.json["detail"] as? String)?.contains("position") == true)
                let backreference = try await api.call(
                    .POST, rulesPath, ["field": "subject", "operator": "regex", "value": "(a)\\1", "action": "drop"])
                #expect(backreference.status == 422)
                let gtOnSubject = try await api.call(
                    .POST, rulesPath, ["field": "subject", "operator": "gt", "value": "5", "action": "drop"])
                #expect(gtOnSubject.status == 422)
                let cidr = try await api.call(
                    .POST, rulesPath,
                    ["field": "client_ip", "operator": "in_cidr", "value": "300.0.0.0/8", "action": "drop"])
                #expect(cidr.status == 422)
                let overrideOnDrop = try await api.call(
                    .POST, rulesPath,
                    [
                        "field": "subject", "operator": "contains", "value": "x", "action": "drop",
                        "webhook_url_override": "https://hooks.example.net/x",
                    ])
                #expect(overrideOnDrop.status == 422)

                // A quarantine on big messages (negate: "not smaller than") from anywhere outside 10/8.
                let added = try await api.call(
                    .POST, rulesPath,
                    ["field": "size", "operator": "lt", "value": "100", "negate": true, "action": "quarantine"])
                #expect(added.status == 201)
                #expect(added.json["negate"] as? Bool == true)
                let ruleID = try #require(added.json["id"] as? String)
                // Updating to an operator the value does not fit is refused as a whole.
                let badUpdate = try await api.call(
                    .PUT, "/api/v1/domains/\(domainID)/rules/\(ruleID)", ["field": "subject"])
                #expect(badUpdate.status == 422)

                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["anyone@example.com"],
                    message: SMTPTestClient.message(subject: "big", to: "anyone@example.com"))
                let id = try #require(transcript.queueID)
                let rows = try await server.waitForDeliveries(of: id) { $0.first?.status == .quarantined }
                let deleted = try await api.call(
                    .DELETE, "/api/v1/delivery-log/\(rows[0].id.uuidString.lowercased())", nil)
                #expect(deleted.status == 204)
                #expect(try await server.store.delivery(id: rows[0].id) == nil)
                #expect(try await server.store.messageCount() == 0, "the message goes with its last delivery")
                #expect(
                    try await api.call(.DELETE, "/api/v1/delivery-log/\(rows[0].id.uuidString.lowercased())", nil)
                        .status == 404)
                #expect(receiver.received.isEmpty)
            }
        }
    }
}

extension RulesEndToEndTests {
    @Test(
        "a rule written through the API decides the very next message (the cached book is dropped)",
        arguments: TestDatabase.available)
    func ruleChangeTakesEffectAtOnce(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let rootKey = APIKeyGenerator.generate()
        let settings = TestServer.settings(databaseURL: url) {
            $0.rootAPIKey = rootKey
            $0.smtpVerifySPF = false
            $0.smtpVerifyDKIM = false
        }
        try await TestServer.run(settings: settings, roles: Roles(smtp: true, api: true, worker: false)) { server in
            let api = APIClient(port: server.apiPort, key: rootKey)
            let domainID = try #require(
                try await api.call(.POST, "/api/v1/domains", ["domain_name": "example.com"]).json["id"] as? String)
            _ = try await api.call(
                .POST, "/api/v1/domains/\(domainID)/recipients",
                ["local_part": "alice", "webhook_url": "http://127.0.0.1:9/hook"])
            func send(_ subject: String) async throws -> DeliveryStatus? {
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: subject, to: "alice@example.com"))
                let queueID = try #require(transcript.queueID)
                let id = try #require(UUID(uuidString: queueID))
                return try await server.store.deliveries(storedMessageID: id).first?.status
            }
            #expect(try await send("hello") == .pending, "no rules yet: forwarded (and the empty book cached)")
            let set = try await api.call(.POST, "/api/v1/domains/\(domainID)/rulesets", ["name": "hold"])
            let setID = try #require(set.json["id"] as? String)
            let rule = try await api.call(
                .POST, "/api/v1/domains/\(domainID)/rulesets/\(setID)/rules",
                ["field": "subject", "operator": "contains", "value": "hello", "action": "quarantine"])
            #expect(try await send("hello again") == .quarantined, "added")
            let ruleID = try #require(rule.json["id"] as? String)
            _ = try await api.call(.PUT, "/api/v1/domains/\(domainID)/rules/\(ruleID)", ["action": "drop"])
            #expect(try await send("hello once more") == .dropped, "updated")
            _ = try await api.call(.PUT, "/api/v1/domains/\(domainID)/rulesets/\(setID)", ["is_enabled": false])
            #expect(try await send("hello, last") == .pending, "ruleset disabled")
        }
    }
}

/// The live API of a server a test started itself, with one key.
struct APIClient: Sendable {
    let port: Int
    let key: String

    func call(_ method: NIOHTTP1.HTTPMethod, _ path: String, _ json: Any?) async throws -> APIFixture.Reply {
        try await APIFixture.call(base: "http://127.0.0.1:\(port)", method, path, key: key, json: json)
    }
}
