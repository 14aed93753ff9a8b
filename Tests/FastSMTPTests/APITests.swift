import FastSMTPApp
import FastSMTPClient
import Foundation
import Storage
import Testing

/// Every endpoint's success path and documented errors, live over HTTP, on SQLite and PostgreSQL.
@Suite("REST API")
struct APITests {
    @Test("health, readiness and the OpenAPI document need no key", arguments: TestDatabase.available)
    func publicEndpoints(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            #expect(try await api.call(.GET, "/api/v1/health", key: nil).status == 200)
            #expect(try await api.call(.GET, "/api/v1/ready", key: nil).json["status"] as? String == "ready")
            let document = try await api.call(.GET, "/api/v1/openapi.yaml", key: nil)
            #expect(document.status == 200)
            #expect(String(decoding: document.body, as: UTF8.self).contains("operationId: createRecipient"))

            // A failing database check says so without the driver's text (that goes to the log).
            try await api.server.app.database.withConnection { sql in
                try await sql.raw("ALTER TABLE schema_migrations RENAME COLUMN revision TO revision_away").run()
            }
            let failing = try await api.call(.GET, "/api/v1/ready", key: nil)
            try await api.server.app.database.withConnection { sql in
                try await sql.raw("ALTER TABLE schema_migrations RENAME COLUMN revision_away TO revision").run()
            }
            #expect(failing.status == 503)
            #expect(failing.json["database"] as? String == "error")
            let text = String(decoding: failing.body, as: UTF8.self)
            #expect(!text.contains("revision_away") && !text.contains("column"), "the driver's error leaked: \(text)")
        }
    }

    @Test(
        "authentication: X-API-Key and Bearer work; missing, unknown, expired, revoked, rotated-away and inactive-user keys get 401",
        arguments: TestDatabase.available)
    func authentication(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            #expect(
                try await api.call(.GET, "/api/v1/auth/me", key: api.aliceKey).json["user"].flatMap {
                    ($0 as? [String: Any])?["username"] as? String
                } == "alice")
            #expect(try await api.call(.GET, "/api/v1/auth/me", key: api.aliceKey, bearer: true).status == 200)
            let root = try await api.call(.GET, "/api/v1/auth/me", key: api.rootKey)
            #expect((root.json["user"] as? [String: Any])?["is_superuser"] as? Bool == true)

            let missing = try await api.call(.GET, "/api/v1/auth/me", key: nil)
            #expect(missing.status == 401)
            #expect(missing.headers["content-type"] == "application/problem+json")
            #expect(missing.json["status"] as? Int == 401)
            #expect(try await api.call(.GET, "/api/v1/auth/me", key: "fsmtp_notarealkey").status == 401)

            let expired = try await api.key(
                for: api.alice, scopes: ["admin"], expiresAt: Date().addingTimeInterval(-60))
            #expect(try await api.call(.GET, "/api/v1/auth/me", key: expired).status == 401)

            // Create, rotate, revoke through the API.
            let created = try await api.call(
                .POST, "/api/v1/auth/keys", key: api.aliceKey, json: ["name": "ci", "scopes": ["domains:read"]])
            #expect(created.status == 201)
            let secret = try #require(created.json["key"] as? String)
            let keyID = try #require(created.json["id"] as? String)
            #expect(secret.hasPrefix("fsmtp_") && secret.count >= 40)
            #expect((created.json["key_prefix"] as? String).map { secret.hasPrefix($0) } == true)
            #expect(try await api.call(.GET, "/api/v1/domains", key: secret).status == 200)

            let rotated = try await api.call(.POST, "/api/v1/auth/keys/\(keyID)/rotate", key: api.aliceKey)
            #expect(rotated.status == 200)
            let newSecret = try #require(rotated.json["key"] as? String)
            #expect(
                try await api.call(.GET, "/api/v1/domains", key: secret).status == 401,
                "the old secret must stop working at once")
            #expect(try await api.call(.GET, "/api/v1/domains", key: newSecret).status == 200)

            #expect(try await api.call(.DELETE, "/api/v1/auth/keys/\(keyID)", key: api.aliceKey).status == 204)
            #expect(try await api.call(.GET, "/api/v1/domains", key: newSecret).status == 401)
            let listed = try await api.call(.GET, "/api/v1/auth/keys", key: api.aliceKey)
            #expect(listed.items.contains { $0["id"] as? String == keyID && $0["is_active"] as? Bool == false })
            #expect(!String(decoding: listed.body, as: UTF8.self).contains(newSecret), "secrets are never listed")

            // An inactive user's keys stop working.
            _ = try await api.store.updateUser(id: api.bob.id, UserChanges(isActive: false))
            #expect(try await api.call(.GET, "/api/v1/auth/me", key: api.bobKey).status == 401)
        }
    }

    @Test("scopes narrow and never widen", arguments: TestDatabase.available)
    func scopes(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let readOnly = try await api.key(for: api.alice, scopes: ["recipients:read", "domains:read"])
            let path = "/api/v1/domains/a.test/recipients"
            #expect(try await api.call(.GET, path, key: readOnly).status == 200)
            let denied = try await api.call(
                .POST, path, key: readOnly, json: ["local_part": "x", "webhook_url": "https://h.test/x"])
            #expect(denied.status == 403)
            #expect(try await api.store.recipients(domainID: api.domainA.id, limit: 10, after: nil).isEmpty)
            #expect(
                try await api.call(.PUT, "/api/v1/domains/a.test", key: readOnly, json: ["is_enabled": false]).status
                    == 403)
            #expect(try await api.call(.GET, "/api/v1/domains/a.test/rulesets", key: readOnly).status == 403)
            // A key cannot mint a key with more than it has.
            #expect(
                try await api.call(.POST, "/api/v1/auth/keys", key: readOnly, json: ["name": "x", "scopes": ["admin"]])
                    .status == 403)
            #expect(
                try await api.call(
                    .POST, "/api/v1/auth/keys", key: readOnly, json: ["name": "x", "scopes": ["domains:read"]]
                ).status == 201)
            // An admin-scoped key of a non-superuser still cannot do superuser things.
            #expect(try await api.call(.GET, "/api/v1/users", key: api.aliceKey).status == 403)
            #expect(
                try await api.call(.POST, "/api/v1/domains", key: api.aliceKey, json: ["domain_name": "c.test"]).status
                    == 403)
        }
    }

    @Test("users and domains: superuser CRUD, conflicts and validation", arguments: TestDatabase.available)
    func usersAndDomains(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let created = try await api.call(
                .POST, "/api/v1/users", key: api.rootKey, json: ["username": "carol", "email": "carol@c.test"])
            #expect(created.status == 201)
            let carolID = try #require(created.json["id"] as? String)
            #expect(
                try await api.call(.POST, "/api/v1/users", key: api.rootKey, json: ["username": "carol"]).status == 409)
            #expect(
                try await api.call(.POST, "/api/v1/users", key: api.rootKey, json: ["username": "bad name!"]).status
                    == 422)
            #expect(
                try await api.call(.POST, "/api/v1/users", key: api.rootKey, json: ["email": "x@y.z"]).status == 422)
            #expect(
                try await api.call(.GET, "/api/v1/users/\(carolID)", key: api.rootKey).json["username"] as? String
                    == "carol")
            let updated = try await api.call(
                .PUT, "/api/v1/users/\(carolID)", key: api.rootKey, json: ["is_superuser": true])
            #expect(updated.json["is_superuser"] as? Bool == true)
            #expect(updated.json["email"] as? String == "carol@c.test", "absent fields stay as they are")
            let page = try await api.call(.GET, "/api/v1/users?limit=2", key: api.rootKey)
            #expect(page.items.count == 2)
            let cursor = try #require(page.json["next_cursor"] as? String)
            let rest = try await api.call(.GET, "/api/v1/users?limit=2&cursor=\(cursor)", key: api.rootKey)
            #expect(
                Set((page.items + rest.items).compactMap { $0["username"] as? String }) == ["alice", "bob", "carol"])
            #expect(try await api.call(.GET, "/api/v1/users?limit=0", key: api.rootKey).status == 422)
            #expect(try await api.call(.DELETE, "/api/v1/users/\(carolID)", key: api.rootKey).status == 204)
            #expect(try await api.call(.GET, "/api/v1/users/\(carolID)", key: api.rootKey).status == 404)

            let domain = try await api.call(
                .POST, "/api/v1/domains", key: api.rootKey,
                json: ["domain_name": "New.Example.COM.", "verify_spf": false])
            #expect(domain.status == 201)
            #expect(domain.json["domain_name"] as? String == "new.example.com")
            #expect(domain.json["verify_spf"] as? Bool == false)
            #expect(
                try await api.call(.POST, "/api/v1/domains", key: api.rootKey, json: ["domain_name": "new.example.com"])
                    .status == 409)
            // The API takes the ASCII form (fsmtp converts); a name in another script is refused with a pointer to it.
            let idn = try await api.call(
                .POST, "/api/v1/domains", key: api.rootKey, json: ["domain_name": "Bücher.Example"])
            #expect(idn.status == 422)
            #expect((idn.json["detail"] as? String)?.contains("xn--") == true)
            let ascii = try await api.call(
                .POST, "/api/v1/domains", key: api.rootKey, json: ["domain_name": "XN--Bcher-kva.Example"])
            #expect(ascii.json["domain_name"] as? String == "xn--bcher-kva.example", "lowercased")
            for bad in [
                "nodot", "bad_label.test", "-x.test", "bad space.test", String(repeating: "a", count: 64) + ".test",
            ] {
                #expect(
                    try await api.call(.POST, "/api/v1/domains", key: api.rootKey, json: ["domain_name": bad]).status
                        == 422, "\(bad)")
            }
            let listed = try await api.call(.GET, "/api/v1/domains", key: api.aliceKey)
            #expect(
                listed.items.compactMap { $0["domain_name"] as? String } == ["a.test"],
                "members see their own domains only")
            let changed = try await api.call(
                .PUT, "/api/v1/domains/a.test", key: api.aliceKey,
                json: ["verify_dkim": false, "reject_spf_fail": true, "is_enabled": false])
            #expect(changed.status == 200)
            #expect(changed.json["verify_dkim"] as? Bool == false)
            #expect(changed.json["reject_spf_fail"] as? Bool == true)
            #expect(changed.json["is_enabled"] as? Bool == false)
            // The same shape as POST and the response: null is the server setting again; absent is unchanged.
            let reset = try await api.call(
                .PUT, "/api/v1/domains/\(api.domainA.id.uuidString.lowercased())", key: api.aliceKey,
                json: ["verify_dkim": NSNull()])
            #expect(reset.status == 200)
            #expect(reset.json["verify_dkim"] == nil || reset.json["verify_dkim"] is NSNull)
            #expect(reset.json["reject_spf_fail"] as? Bool == true)
            #expect(reset.json["is_enabled"] as? Bool == false)
            for bad: Any in ["maybe", "true", "default", 1] {
                #expect(
                    try await api.call(.PUT, "/api/v1/domains/a.test", key: api.aliceKey, json: ["verify_dkim": bad])
                        .status == 422, "\(bad)")
            }
            #expect(try await api.call(.DELETE, "/api/v1/domains/a.test", key: api.aliceKey).status == 204)
            #expect(try await api.store.domain(named: "a.test") == nil)
        }
    }

    @Test(
        "members: admins manage members, only owners manage owners, the last owner stays",
        arguments: TestDatabase.available)
    func members(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let carol = try await api.store.createUser(username: "carol")
            let base = "/api/v1/domains/a.test/members"
            let added = try await api.call(
                .POST, base, key: api.aliceKey, json: ["user_id": "carol", "role": "admin"])
            #expect(added.status == 201)
            #expect(added.json["role"] as? String == "admin")
            #expect(try await api.call(.POST, base, key: api.aliceKey, json: ["user_id": "carol"]).status == 409)
            #expect(try await api.call(.POST, base, key: api.aliceKey, json: ["user_id": "nobody"]).status == 404)
            // Neither field nor an unknown one: refused by the schema.
            #expect(try await api.call(.POST, base, key: api.aliceKey, json: ["role": "member"]).status == 422)
            #expect(try await api.call(.POST, base, key: api.aliceKey, json: ["username": "carol"]).status == 422)
            #expect(try await api.call(.GET, base, key: api.aliceKey).array.count == 2)

            let carolKey = try await api.key(for: carol, scopes: ["admin"])
            // An admin may add members but not owners, and may not touch the owner.
            // The refusal is the same whether the user exists or not: it reveals no usernames.
            for name in ["bob", "no-such-user"] {
                let refused = try await api.call(.POST, base, key: carolKey, json: ["user_id": name, "role": "owner"])
                #expect(refused.status == 403, "\(name)")
                #expect(refused.json["detail"] as? String == "only owners may grant, change or remove the owner role")
            }
            #expect(
                try await api.call(
                    .POST, base, key: carolKey, json: ["user_id": api.bob.id.uuidString, "role": "owner"]
                ).status == 403)
            #expect(
                try await api.call(
                    .POST, base, key: carolKey, json: ["user_id": api.bob.id.uuidString, "role": "member"]
                ).status == 201)
            #expect(try await api.call(.DELETE, "\(base)/\(api.alice.id.uuidString)", key: carolKey).status == 403)
            #expect(
                try await api.call(.PUT, "\(base)/\(api.bob.id.uuidString)", key: carolKey, json: ["role": "admin"])
                    .json["role"] as? String == "admin")
            // The last owner can be neither demoted nor removed.
            #expect(
                try await api.call(
                    .PUT, "\(base)/\(api.alice.id.uuidString)", key: api.aliceKey, json: ["role": "member"]
                ).status == 409)
            #expect(try await api.call(.DELETE, "\(base)/\(api.alice.id.uuidString)", key: api.aliceKey).status == 409)
            #expect(try await api.call(.DELETE, "\(base)/\(api.bob.id.uuidString)", key: api.aliceKey).status == 204)
            #expect(try await api.store.member(domainID: api.domainA.id, userID: api.bob.id) == nil)
        }
    }

    @Test("recipients: CRUD, catch-all, the signing secret once, validation", arguments: TestDatabase.available)
    func recipients(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let base = "/api/v1/domains/a.test/recipients"
            let created = try await api.call(
                .POST, base, key: api.aliceKey,
                json: [
                    "local_part": "Support", "webhook_url": "https://n8n.example.com/webhook/x",
                    "webhook_headers": ["Authorization": "Bearer s"],
                ])
            #expect(created.status == 201)
            #expect(created.json["address"] as? String == "support@a.test")
            #expect((created.json["signing_secret"] as? String)?.hasPrefix("whsec_") == true)
            let id = try #require(created.json["id"] as? String)
            let fetched = try await api.call(.GET, "\(base)/\(id)", key: api.aliceKey)
            #expect(fetched.json["signing_secret"] == nil, "the secret is shown only on creation")
            // Header values are write-only: every response masks them; the stored value is what is sent.
            #expect((fetched.json["webhook_headers"] as? [String: String]) == ["Authorization": "********"])
            #expect((created.json["webhook_headers"] as? [String: String]) == ["Authorization": "********"])
            let listed = try await api.call(.GET, base, key: api.aliceKey)
            #expect(
                listed.items.allSatisfy {
                    ($0["webhook_headers"] as? [String: String])?.values.allSatisfy { $0 == "********" } ?? false
                })
            let recipientID = try #require(UUID(uuidString: id))
            #expect(
                try await api.store.recipient(id: recipientID, domainID: api.domainA.id)?.webhookHeaders == [
                    "Authorization": "Bearer s"
                ])
            // Sending back what a GET showed keeps the stored value; `********` for a header with none is a conflict.
            let roundTrip = ["webhook_headers": ["Authorization": "********", "X-Extra": "1"]]
            #expect(
                try await api.call(
                    .PUT, "\(base)/\(id)", key: api.aliceKey, json: ["webhook_headers": ["X-New": "********"]]
                ).status == 409)
            #expect(
                try await api.call(
                    .PUT, "\(base)/\(id)", key: api.aliceKey, json: ["keep_header_values": true]
                ).status == 422, "an unknown field is refused, not ignored")
            let kept = try await api.call(.PUT, "\(base)/\(id)", key: api.aliceKey, json: roundTrip)
            #expect(kept.status == 200)
            #expect(
                (kept.json["webhook_headers"] as? [String: String]) == [
                    "Authorization": "********", "X-Extra": "********",
                ])
            #expect(
                try await api.store.recipient(id: recipientID, domainID: api.domainA.id)?.webhookHeaders
                    == ["Authorization": "Bearer s", "X-Extra": "1"])

            let catchAll = try await api.call(
                .POST, base, key: api.aliceKey, json: ["local_part": "*", "webhook_url": "https://h.test/all"])
            #expect(catchAll.status == 201)
            #expect(catchAll.json["address"] as? String == "*@a.test")
            #expect(catchAll.json["local_part"] == nil || catchAll.json["local_part"] is NSNull)
            #expect(
                try await api.call(.POST, base, key: api.aliceKey, json: ["webhook_url": "https://h.test/all2"]).status
                    == 409)
            #expect(
                try await api.call(
                    .POST, base, key: api.aliceKey, json: ["local_part": "support", "webhook_url": "https://h.test/s"]
                ).status == 409)

            for bad in ["ftp://h.test/x", "https://user:pw@h.test/x", "not a url", "http://h.test/a b"] {
                #expect(
                    try await api.call(.POST, base, key: api.aliceKey, json: ["local_part": "v", "webhook_url": bad])
                        .status == 422, "\(bad)")
            }
            // Well formed, but the webhook policy forbids the target: 403.
            for denied in ["http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x", "http://0/"] {
                #expect(
                    try await api.call(
                        .POST, base, key: api.aliceKey, json: ["local_part": "v", "webhook_url": denied]
                    )
                    .status == 403, "\(denied)")
            }
            #expect(
                try await api.call(
                    .POST, base, key: api.aliceKey,
                    json: ["local_part": "v", "webhook_url": "https://h.test", "webhook_headers": ["Bad Name": "x"]]
                ).status == 422)
            #expect(
                try await api.call(
                    .POST, base, key: api.aliceKey, json: ["local_part": "a@b", "webhook_url": "https://h.test"]
                ).status == 422)

            let updated = try await api.call(.PUT, "\(base)/\(id)", key: api.aliceKey, json: ["is_enabled": false])
            #expect(updated.json["is_enabled"] as? Bool == false)
            #expect(updated.json["webhook_url"] as? String == "https://n8n.example.com/webhook/x")
            #expect(try await api.call(.GET, base, key: api.aliceKey).items.count == 2)
            #expect(try await api.call(.DELETE, "\(base)/\(id)", key: api.aliceKey).status == 204)
            #expect(try await api.call(.GET, "\(base)/\(id)", key: api.aliceKey).status == 404)
        }
    }

    @Test(
        "rulesets and rules: create, add, reorder, update, delete, with regex validation",
        arguments: TestDatabase.available)
    func rules(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let base = "/api/v1/domains/a.test/rulesets"
            #expect(
                try await api.call(.POST, base, key: api.aliceKey, json: ["name": "spam-filter", "priority": 10]).status
                    == 201)
            #expect(try await api.call(.POST, base, key: api.aliceKey, json: ["name": "spam-filter"]).status == 409)
            let r1 = try await api.call(
                .POST, "\(base)/spam-filter/rules", key: api.aliceKey,
                json: ["field": "spf_result", "operator": "equals", "value": "fail", "action": "drop"])
            #expect(r1.status == 201)
            #expect(r1.json["order"] as? Int == 0)
            let r2 = try await api.call(
                .POST, "\(base)/spam-filter/rules", key: api.aliceKey,
                json: [
                    "field": "header:X-Spam", "operator": "regex", "value": "^yes", "action": "tag",
                    "add_tags": ["spam"],
                ])
            #expect(r2.json["order"] as? Int == 1)
            #expect(
                try await api.call(
                    .POST, "\(base)/spam-filter/rules", key: api.aliceKey,
                    json: ["field": "subject", "operator": "regex", "value": "(unclosed"]
                ).status == 422)
            #expect(
                try await api.call(
                    .POST, "\(base)/spam-filter/rules", key: api.aliceKey,
                    json: ["field": "nonsense", "operator": "equals"]
                ).status == 422)
            #expect(
                try await api.call(
                    .POST, "\(base)/spam-filter/rules", key: api.aliceKey,
                    json: ["field": "subject", "operator": "sounds_like"]
                ).status == 422)

            let id1 = try #require(r1.json["id"] as? String)
            let id2 = try #require(r2.json["id"] as? String)
            let reordered = try await api.call(
                .POST, "\(base)/spam-filter/reorder", key: api.aliceKey, json: ["rule_ids": [id2, id1]])
            #expect((reordered.json["rules"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id2, id1])
            #expect(
                try await api.call(.POST, "\(base)/spam-filter/reorder", key: api.aliceKey, json: ["rule_ids": [id2]])
                    .status == 409, "the list does not match the ruleset")
            #expect(
                try await api.call(
                    .POST, "\(base)/spam-filter/reorder", key: api.aliceKey, json: ["rule_ids": [id2, id2, id1]]
                ).status == 422, "uniqueItems")

            let changed = try await api.call(
                .PUT, "/api/v1/domains/a.test/rules/\(id1)", key: api.aliceKey, json: ["action": "quarantine"])
            #expect(changed.json["action"] as? String == "quarantine")
            #expect(changed.json["field"] as? String == "spf_result")
            #expect(try await api.call(.DELETE, "/api/v1/domains/a.test/rules/\(id1)", key: api.aliceKey).status == 204)
            let listed = try await api.call(.GET, base, key: api.aliceKey)
            #expect(listed.array.first?["rules"].flatMap { ($0 as? [Any])?.count } == 1)
            let ruleset = try await api.call(
                .PUT, "\(base)/spam-filter", key: api.aliceKey, json: ["is_enabled": false])
            #expect(ruleset.json["is_enabled"] as? Bool == false)
            #expect(ruleset.json["priority"] as? Int == 10)
            #expect(try await api.call(.DELETE, "\(base)/spam-filter", key: api.aliceKey).status == 204)
            #expect(try await api.call(.GET, "\(base)/spam-filter", key: api.aliceKey).status == 404)
        }
    }

    @Test("test-webhook reports what the receiver answered; the typed client works", arguments: TestDatabase.available)
    func testWebhookAndClient(database: TestDatabase) async throws {
        let receiver = WebhookReceiver(script: [.status(202)], fallback: .status(500))
        try await receiver.run {
            try await APIFixture.run(database: database) { api in
                let url = try await receiver.url()
                let ok = try await api.call(
                    .POST, "/api/v1/test-webhook", key: api.aliceKey, json: ["webhook_url": url, "subject": "Ping"])
                #expect(ok.status == 200)
                #expect(ok.json["status_code"] as? Int == 202)
                #expect(ok.json["success"] as? Bool == true)
                let sent = try #require(receiver.received.first?.json?["message"] as? [String: Any])
                #expect(sent["subject"] as? String == "Ping")
                let failing = try await api.call(
                    .POST, "/api/v1/test-webhook", key: api.aliceKey, json: ["webhook_url": url])
                #expect(failing.json["status_code"] as? Int == 500)
                #expect(failing.json["success"] as? Bool == false)
                let unreachable = try await api.call(
                    .POST, "/api/v1/test-webhook", key: api.aliceKey, json: ["webhook_url": "http://127.0.0.1:9/x"])
                #expect(unreachable.json["success"] as? Bool == false)
                #expect(unreachable.json["error"] as? String != nil)

                // Who may test: a domain admin or owner, or a superuser; a plain member may not, whatever the scopes;
                // and a refused destination is never contacted.
                let carol = try await api.store.createUser(username: "carol")
                try await api.store.addMember(domainID: api.domainA.id, userID: carol.id, role: .member)
                let carolKey = try await api.key(for: carol, scopes: ["recipients:write"])
                let asMember = try await api.call(
                    .POST, "/api/v1/test-webhook", key: carolKey, json: ["webhook_url": url])
                #expect(asMember.status == 403)
                _ = try await api.store.updateMember(domainID: api.domainA.id, userID: carol.id, role: .admin)
                let asAdmin = try await api.call(
                    .POST, "/api/v1/test-webhook", key: carolKey, json: ["webhook_url": url])
                #expect(asAdmin.status == 200)
                let asRoot = try await api.call(
                    .POST, "/api/v1/test-webhook", key: api.rootKey, json: ["webhook_url": url])
                #expect(asRoot.status == 200)
                let before = receiver.received.count
                let metadata = try await api.call(
                    .POST, "/api/v1/test-webhook", key: api.rootKey,
                    json: ["webhook_url": "http://2852039166/latest/meta-data/"])
                // The test ran and was refused before anything left: the result says so.
                #expect(metadata.status == 200)
                #expect(metadata.json["success"] as? Bool == false)
                #expect((metadata.json["error"] as? String)?.contains("169.254.169.254") == true)
                #expect(receiver.received.count == before)

                // The generated client, as fsmtp uses it.
                let client = Client.fastSMTP(url: URL(string: api.base)!, apiKey: api.aliceKey)
                let me = try await client.getMe().ok.body.json
                #expect(me.user.username == "alice")
                #expect(me.memberships.map(\.domainName) == ["a.test"])
                let domains = try await client.listDomains().ok.body.json
                #expect(domains.items.map(\.domainName) == ["a.test"])
            }
        }
    }
}
