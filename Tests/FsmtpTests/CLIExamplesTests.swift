import Foundation
import Testing
import Yams

/// SPEC.md's "CLI Examples" session, word for word, with the real `fsmtp` binary against a real server.
@Suite("fsmtp: SPEC.md's CLI Examples session")
struct CLIExamplesTests {
    @Test("config init, whoami, domains, recipients, rulesets, rules, a mail over SMTP, logs, health")
    func session() async throws {
        let receiver = WebhookReceiver(script: [400])
        try await receiver.run {
            try await FsmtpServer.run { server in
                let fsmtp = try FsmtpRunner()

                // Initial setup, answered at the terminal's prompts.
                let setup = try await PseudoTerminal.run(
                    FsmtpRunner.binary.path, ["config", "init"], environment: fsmtp.processEnvironment,
                    answers: [
                        ("API URL [http://localhost:8000]: ", server.url), ("API Key: ", server.jonathanKey),
                        ("Default domain (optional): ", "example.com"),
                    ])
                #expect(setup.status == 0, "\(setup.output)")
                #expect(setup.output.contains("Configuration saved to ~/.config/fastsmtp/config.toml"))
                #expect(!setup.output.contains(server.jonathanKey), "the key is not echoed")
                let attributes = try FileManager.default.attributesOfItem(atPath: fsmtp.configPath.path)
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
                let toml = try String(contentsOf: fsmtp.configPath, encoding: .utf8)
                #expect(toml.contains("default_profile = 'default'") || toml.contains("default_profile = \"default\""))
                #expect(toml.contains(server.jonathanKey) && toml.contains("example.com"))

                // The domain of the session, with jonathan as its owner.
                let created = try await fsmtp("domains", "create", "example.com")
                #expect(created.status == 0, "\(created)")
                #expect(created.stdout.hasPrefix("✓ Created domain example.com (id: "))
                #expect(try await fsmtp("domains", "create", "test.com").status == 0)
                #expect(
                    try await fsmtp("members", "add", "example.com", "jonathan", "--role", "owner").stdout
                        == "✓ Added jonathan to example.com as owner\n")
                #expect(try await fsmtp("members", "add", "test.com", "jonathan", "--role", "admin").status == 0)

                // Check connection.
                let whoami = try await fsmtp("auth", "whoami")
                #expect(whoami.status == 0, "\(whoami)")
                #expect(whoami.lines.contains("User:      jonathan"))
                #expect(whoami.lines.contains("Email:     jonathan@example.com"))
                #expect(whoami.lines.contains("Superuser: Yes"))
                #expect(whoami.lines.contains("Domains:   example.com (owner), test.com (admin)"))

                // List domains with JSON output: the API's objects.
                let domains = try await fsmtp("-o", "json", "domains", "list")
                #expect(domains.status == 0)
                let api = try await RawAPI.items(server.url + "/api/v1/domains", key: server.jonathanKey)
                #expect(sameJSON(domains.json, api))
                #expect(
                    (domains.json as? [[String: Any]])?.map { $0["domain_name"] as? String } == [
                        "example.com", "test.com",
                    ])

                // Add a recipient, and the catch-all.
                let hook = try await receiver.url("/webhook/support")
                let support = try await fsmtp(
                    "recipients", "add", "example.com", "support", hook, "--headers", "Authorization=Bearer secret123")
                #expect(support.status == 0, "\(support)")
                #expect(support.lines.first == "✓ Created recipient support@example.com → \(hook)")
                #expect(support.lines[1].hasPrefix("  Signing secret (shown once): whsec_"))
                let catchAll = try await fsmtp(
                    "recipients", "add", "example.com", "*", "https://n8n.example.com/webhook/catchall")
                #expect(
                    catchAll.lines.first
                        == "✓ Created catch-all recipient *@example.com → https://n8n.example.com/webhook/catchall")

                // Create a ruleset for spam filtering; add rules.
                let ruleset = try await fsmtp("rulesets", "create", "example.com", "spam-filter", "--priority", "10")
                #expect(ruleset.stdout.hasPrefix("✓ Created ruleset 'spam-filter' (id: "), "\(ruleset)")
                #expect(ruleset.stdout.count == "✓ Created ruleset 'spam-filter' (id: 12345678)\n".count)
                let drop = try await fsmtp(
                    "rules", "add", "example.com", "spam-filter", "--field", "spf_result", "--op", "equals", "--value",
                    "fail", "--action", "drop")
                #expect(drop.stdout == "✓ Added rule: DROP when spf_result equals 'fail'\n", "\(drop)")
                let tag = try await fsmtp(
                    "rules", "add", "example.com", "spam-filter", "--field", "dkim_result", "--op", "equals", "--value",
                    "fail", "--action", "tag", "--tag", "dkim-failed")
                #expect(tag.stdout == "✓ Added rule: TAG [dkim-failed] when dkim_result equals 'fail'\n", "\(tag)")
                let rules = try await fsmtp("-o", "json", "rules", "list", "example.com", "spam-filter")
                #expect((rules.json as? [[String: Any]])?.map { $0["action"] as? String } == ["drop", "tag"])

                // A mail over SMTP; the webhook refuses it once (400: failed at once).
                let reply = try await SMTPSender.send(
                    port: server.smtpPort, from: "alice@example.org", to: "support@example.com",
                    message: SMTPSender.message(subject: "Hello", from: "alice@example.org", to: "support@example.com"))
                #expect(reply.hasPrefix("250"), "\(reply)")
                try await eventually("a failed delivery") {
                    let failed = try await fsmtp("-o", "json", "logs", "list", "--status", "failed")
                    return (failed.json as? [Any])?.count == 1
                }

                // Check delivery logs (default_domain: the domain may be left out, too).
                let logs = try await fsmtp("logs", "list", "example.com", "--status", "failed", "--since", "1 hour ago")
                #expect(logs.status == 0, "\(logs)")
                #expect(logs.lines[1].contains("ID") && logs.lines[1].contains("Message ID"))
                #expect(logs.lines[1].contains("Attempts") && logs.lines[1].contains("Last Error"))
                let row = try #require(logs.lines.first { $0.contains("failed") })
                let shortID = try #require(
                    row.split(separator: "│").first?.trimmingCharacters(in: .whitespaces))
                #expect(shortID.count == 8)
                #expect(try await fsmtp("logs", "list", "--since", "2099-01-01T00:00Z").stdout == "No deliveries.\n")
                let shown = try await fsmtp("logs", "show", shortID)
                #expect(shown.status == 0, "\(shown)")
                #expect(shown.lines.contains { $0.hasPrefix("Status:") && $0.hasSuffix("failed") })
                #expect(shown.lines.contains { $0.hasPrefix("Last status:") && $0.hasSuffix("400") })

                // Retry failed delivery: now the webhook takes it.
                let retry = try await fsmtp("logs", "retry", shortID)
                #expect(retry.stdout == "✓ Delivery \(shortID) queued for retry\n", "\(retry)")
                try await eventually("the retried delivery") {
                    let delivery = try await fsmtp("-o", "json", "logs", "show", shortID)
                    return (delivery.json as? [String: Any])?["status"] as? String == "delivered"
                }
                #expect(receiver.received == 2)

                // Health.
                let health = try await fsmtp("health")
                #expect(health.status == 0, "\(health)")
                #expect(health.lines.first?.hasPrefix("✓ \(server.url) is up (version ") == true)
                #expect(health.lines.contains { $0.hasPrefix("✓ Ready: database ok") })
            }
        }
    }
}
