import Foundation
import Testing

/// The commands SPEC.md's session does not show: updates and deletes, members, keys, reorder, the simulator,
/// quarantine release and test webhook.
@Suite("fsmtp commands")
struct CommandsTests {
    @Test("domains, members, recipients, keys, rulesets, rules (reorder, simulate), quarantine release, test webhook")
    func everyOtherCommand() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run {
            try await FsmtpServer.run { server in
                var fsmtp = try FsmtpRunner()
                fsmtp.environment = ["FASTSMTP_API_URL": server.url, "FASTSMTP_API_KEY": server.jonathanKey]
                func json(_ arguments: String...) async throws -> Any? {
                    let run = try await fsmtp.run(["-o", "json"] + arguments)
                    #expect(run.status == 0, "\(arguments): \(run)")
                    return run.json
                }

                // Domains.
                #expect(try await fsmtp("domains", "create", "example.com", "--verify-spf").status == 0)
                let update = try await fsmtp("domains", "update", "example.com", "--disable", "--verify-dkim", "true")
                #expect(update.lines.first == "✓ Updated domain example.com", "\(update)")
                let domain = try #require(try await json("domains", "show", "example.com") as? [String: Any])
                #expect(domain["is_enabled"] as? Bool == false)
                #expect(domain["verify_dkim"] as? Bool == true && domain["verify_spf"] as? Bool == true)
                #expect(
                    try await fsmtp("domains", "update", "example.com", "--enable", "--verify-spf", "default").status
                        == 0)
                let enabled = try #require(try await json("domains", "show", "example.com") as? [String: Any])
                #expect(enabled["is_enabled"] as? Bool == true && enabled["verify_spf"] == nil)
                // Only what was named changed: the DKIM check kept its true.
                #expect(enabled["verify_dkim"] as? Bool == true)

                // Members by username.
                #expect(
                    try await fsmtp("members", "add", "example.com", "bob").stdout
                        == "✓ Added bob to example.com as member\n")
                #expect(
                    try await fsmtp("members", "update", "example.com", "bob", "--role", "admin").stdout
                        == "✓ bob is now admin of example.com\n")
                let members = try #require(try await json("members", "list", "example.com") as? [[String: Any]])
                #expect(members.map { "\($0["username"] ?? "") \($0["role"] ?? "")" } == ["bob admin"])
                #expect(
                    try await fsmtp("members", "remove", "example.com", "bob").stdout
                        == "✓ Removed bob from example.com\n")
                #expect(try await fsmtp("members", "remove", "example.com", "bob").status == 1)

                // Recipients by local part, "*" and short id.
                let hook = try await receiver.url("/hook")
                #expect(try await fsmtp("recipients", "add", "example.com", "support", hook).status == 0)
                #expect(try await fsmtp("recipients", "add", "example.com", "*", hook).status == 0)
                let disabled = try await fsmtp("recipients", "update", "example.com", "support", "--disable")
                #expect(
                    disabled.stdout == "✓ Updated recipient support@example.com → \(hook) (disabled)\n", "\(disabled)")
                #expect(try await fsmtp("recipients", "update", "example.com", "support", "--enable").status == 0)
                #expect(
                    try await fsmtp("recipients", "delete", "example.com", "*").stdout
                        == "✓ Deleted recipient *@example.com\n")

                // API keys: create, use, rotate (the old secret stops working), delete.
                let created = try await fsmtp(
                    "auth", "keys", "create", "--name", "ci", "--scopes", "domains:read,logs:read")
                #expect(created.lines.first?.hasPrefix("✓ Created API key 'ci' (id: ") == true, "\(created)")
                let key = try #require(created.lines.first { $0.hasPrefix("Key: ") }).dropFirst(5)
                let me = try #require(
                    try await fsmtp("-o", "json", "auth", "whoami", "--api-key", String(key)).json as? [String: Any])
                #expect(me["scopes"] as? [String] == ["domains:read", "logs:read"])
                let rotated = try await fsmtp("auth", "keys", "rotate", "ci")
                #expect(rotated.lines.first?.hasPrefix("✓ Rotated API key 'ci'") == true, "\(rotated)")
                let newKey = try #require(rotated.lines.first { $0.hasPrefix("Key: ") }).dropFirst(5)
                #expect(try await fsmtp("auth", "whoami", "--api-key", String(key)).status == 4)
                #expect(try await fsmtp("auth", "whoami", "--api-key", String(newKey)).status == 0)
                #expect(try await fsmtp("auth", "keys", "list").stdout.contains("ci"))
                #expect(try await fsmtp("auth", "keys", "delete", "ci").stdout.hasPrefix("✓ Deleted API key 'ci'"))
                #expect(try await fsmtp("auth", "whoami", "--api-key", String(newKey)).status == 4)

                // Rulesets and rules: reorder by short ids, update, simulate.
                #expect(try await fsmtp("rulesets", "create", "example.com", "filters").status == 0)
                let hold = try #require(
                    try await json(
                        "rules", "add", "example.com", "filters", "--field", "subject", "--op", "contains", "--value",
                        "hold", "--action", "quarantine") as? [String: Any])
                let tag = try #require(
                    try await json(
                        "rules", "add", "example.com", "filters", "--field", "header:X-Spam", "--op", "exists",
                        "--action", "tag", "--tag", "spam", "--no-negate") as? [String: Any])
                let holdID = try #require(hold["id"] as? String)
                let tagID = try #require(tag["id"] as? String)
                let reorder = try await fsmtp(
                    "rules", "reorder", "example.com", "filters", String(tagID.prefix(8)), String(holdID.prefix(8)))
                #expect(reorder.lines.first == "✓ Reordered the rules of 'filters'", "\(reorder)")
                let order = try #require(try await json("rules", "list", "example.com", "filters") as? [[String: Any]])
                #expect(order.map { $0["id"] as? String } == [tagID, holdID])
                let updated = try await fsmtp(
                    "rules", "update", "example.com", String(holdID.prefix(8)), "--value", "HOLD")
                #expect(updated.stdout == "✓ Updated rule: QUARANTINE when subject contains 'HOLD'\n", "\(updated)")
                let file = fsmtp.home.appendingPathComponent("hold.eml")
                try SMTPSender.message(subject: "please hold", from: "alice@example.org", to: "support@example.com")
                    .write(to: file, atomically: true, encoding: .utf8)
                let simulated = try await fsmtp("rules", "simulate", "example.com", file.path)
                #expect(simulated.status == 0, "\(simulated)")
                #expect(simulated.lines.contains("Recipient: support@example.com"))
                #expect(simulated.lines.contains("Action:    QUARANTINE"))
                // The same message on standard input: it is really read (an empty one would be forwarded).
                let piped = try await fsmtp.run(
                    ["-o", "json", "rules", "simulate", "example.com", "-", "--rcpt-to", "support@example.com"],
                    stdin: try String(contentsOf: file, encoding: .utf8))
                #expect(piped.status == 0, "\(piped)")
                #expect((piped.json as? [String: Any])?["action"] as? String == "quarantine")

                // A held mail, released.
                let reply = try await SMTPSender.send(
                    port: server.smtpPort, from: "alice@example.org", to: "support@example.com",
                    message: String(contentsOf: file, encoding: .utf8))
                #expect(reply.hasPrefix("250"), "\(reply)")
                let held = try #require(
                    try await json("logs", "list", "example.com", "--status", "quarantined") as? [[String: Any]])
                let heldID = try #require(held.first?["id"] as? String)
                let release = try await fsmtp(
                    "logs", "release", String(heldID.prefix(8)),
                    env: [
                        "FASTSMTP_DEFAULT_DOMAIN": "example.com"
                    ])
                #expect(release.stdout == "✓ Delivery \(heldID.prefix(8)) released from quarantine\n", "\(release)")
                try await eventually("the released delivery") { receiver.received == 1 }
                #expect(
                    try await fsmtp("logs", "delete", heldID).status == 1, "only a quarantined delivery is discarded")

                // test webhook: the receiver answers; a closed port does not (exit 1).
                let tested = try await fsmtp("test", "webhook", hook, "--subject", "ping")
                #expect(tested.status == 0, "\(tested)")
                #expect(tested.lines.first?.hasPrefix("✓ \(hook) answered 200 in ") == true)
                let refused = try await fsmtp("test", "webhook", "http://127.0.0.1:9/hook")
                #expect(refused.status == 1)
                #expect(refused.lines.first?.hasPrefix("✗ http://127.0.0.1:9/hook failed: ") == true, "\(refused)")

                // Rulesets update and delete; the domain goes last.
                let changed = try await fsmtp(
                    "rulesets", "update", "example.com", "filters", "--priority", "5", "--disable")
                #expect(changed.stdout == "✓ Updated ruleset 'filters' (priority 5, disabled)\n", "\(changed)")
                #expect(
                    try await fsmtp("rulesets", "delete", "example.com", "filters").stdout
                        == "✓ Deleted ruleset 'filters'\n")
                #expect(try await fsmtp("domains", "delete", "example.com").stdout == "✓ Deleted domain example.com\n")
                let remaining = try #require(try await json("domains", "list") as? [[String: Any]])
                #expect(!remaining.contains { $0["domain_name"] as? String == "example.com" })
            }
        }
    }
}
