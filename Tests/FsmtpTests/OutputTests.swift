import Foundation
import Testing
import Yams

/// `-o json` and `-o yaml` are the API's own objects; tables fit the width they are given.
@Suite("fsmtp output formats")
struct OutputTests {
    @Test("json and yaml equal the API's objects; lists are lists, empty is []; tables fit a fixed width")
    func formats() async throws {
        try await FsmtpServer.run { server in
            var fsmtp = try FsmtpRunner()
            fsmtp.environment = ["FASTSMTP_API_URL": server.url, "FASTSMTP_API_KEY": server.jonathanKey]
            #expect(try await fsmtp("domains", "create", "example.com").status == 0)
            #expect(try await fsmtp("domains", "create", "empty.example").status == 0)
            let long = "https://n8n.example.com/webhook/" + String(repeating: "very-long-path-", count: 8) + "end"
            #expect(
                try await fsmtp("recipients", "add", "example.com", "support", long, "--headers", "X-A=1").status == 0)
            #expect(try await fsmtp("recipients", "add", "example.com", "*", "https://n8n.example.com/c").status == 0)
            #expect(try await fsmtp("rulesets", "create", "example.com", "spam-filter").status == 0)
            #expect(
                try await fsmtp(
                    "rules", "add", "example.com", "spam-filter", "--field", "subject", "--op", "contains", "--value",
                    "true", "--action", "quarantine"
                ).status == 0)

            let base = server.url + "/api/v1"
            let key = server.jonathanKey
            let cases: [([String], Any)] = [
                (["domains", "list"], try await RawAPI.items(base + "/domains", key: key)),
                (["domains", "show", "example.com"], try await RawAPI.get(base + "/domains/example.com", key: key)),
                (
                    ["recipients", "list", "example.com"],
                    try await RawAPI.items(base + "/domains/example.com/recipients", key: key)
                ),
                (
                    ["rulesets", "list", "example.com"],
                    try await RawAPI.get(base + "/domains/example.com/rulesets", key: key)
                ),
                (
                    ["members", "list", "example.com"],
                    try await RawAPI.get(base + "/domains/example.com/members", key: key)
                ),
                (["auth", "whoami"], try await RawAPI.get(base + "/auth/me", key: key)),
                (["auth", "keys", "list"], try await RawAPI.items(base + "/auth/keys", key: key)),
                (["rulesets", "list", "empty.example"], [Any]()),
                (["logs", "list", "empty.example"], [Any]()),
            ]
            for (arguments, expected) in cases {
                let json = try await fsmtp.run(["-o", "json"] + arguments)
                #expect(json.status == 0, "\(arguments): \(json)")
                #expect(sameJSON(json.json, expected), "\(arguments) JSON: \(json.stdout)")
                let yaml = try await fsmtp.run(arguments + ["--format", "yaml"])
                #expect(yaml.status == 0, "\(arguments): \(yaml)")
                let loaded = try Yams.load(yaml: yaml.stdout)
                #expect(sameJSON(loaded, expected), "\(arguments) YAML: \(yaml.stdout)")
            }
            #expect(try await fsmtp("-o", "json", "logs", "list", "empty.example").stdout == "[]\n")
            // A string that looks like a YAML boolean stays a string.
            let rules = try await fsmtp("-o", "yaml", "rules", "list", "example.com", "spam-filter")
            let loaded = try #require(try Yams.load(yaml: rules.stdout) as? [[String: Any]])
            #expect(loaded.first?["value"] as? String == "true")

            // Tables: every line exactly the width when the content is wider, long cells cut with "…".
            for width in [60, 80, 120] {
                let table = try await fsmtp("recipients", "list", "example.com", env: ["COLUMNS": String(width)])
                let lines = table.lines.filter { !$0.isEmpty }
                #expect(lines.count == 6, "\(table)")
                #expect(lines.allSatisfy { $0.count == width }, "width \(width):\n\(table.stdout)")
                #expect(table.stdout.contains("…"))
                #expect(lines[0].hasPrefix("┏") && lines[2].hasPrefix("┡") && lines[5].hasPrefix("└"))
            }
            let wide = try await fsmtp("recipients", "list", "example.com", env: ["COLUMNS": "400"])
            #expect(wide.stdout.contains(long) && !wide.stdout.contains("…"))
            #expect(wide.lines.contains { $0.contains("*@example.com") && $0.contains("✓") })
            let narrow = try await fsmtp("domains", "list", env: ["COLUMNS": "200"])
            let header = try #require(narrow.lines.dropFirst().first)
            #expect(header.contains("ID") && header.contains("Domain") && header.contains("Enabled"))
            var withoutNoColor = fsmtp
            withoutNoColor.noColor = false
            let plain = try await withoutNoColor("domains", "list")
            #expect(plain.status == 0, "\(plain)")
            #expect(plain.stdout.contains("✓"), "the table has its marks")
            #expect(!plain.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal, even without NO_COLOR")
            #expect(try await fsmtp("rulesets", "list", "empty.example").stdout == "No rulesets.\n")
        }
    }

    @Test("help documents exit codes; shell completion scripts are generated")
    func helpAndCompletion() async throws {
        let fsmtp = try FsmtpRunner()
        let help = try await fsmtp("--help")
        #expect(help.status == 0)
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("Exit codes: 0 success; 1 failure"), "\(help.stdout)")
        #expect(words.contains("2 usage error; 4 authentication or permission denied (401/403)"))
        for shell in ["bash", "zsh", "fish"] {
            let script = try await fsmtp("--generate-completion-script", shell)
            #expect(script.status == 0)
            #expect(script.stdout.contains("fsmtp") && script.stdout.contains("recipients"), "\(shell)")
        }
    }
}
