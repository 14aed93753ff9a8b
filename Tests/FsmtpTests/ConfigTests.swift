import Foundation
import Testing

/// Profiles, the precedence flag > environment > profile > default, the file's mode and the masked key.
@Suite("fsmtp configuration")
struct ConfigTests {
    @Test("profiles, precedence, mode 0600, masked key")
    func profilesAndPrecedence() async throws {
        try await FsmtpServer.run { server in
            let fsmtp = try FsmtpRunner()
            let down = "http://127.0.0.1:9"

            let add = try await fsmtp("config", "profiles", "add", "prod", "--api-url", down, "--api-key", "fsmtp_bad")
            #expect(add.status == 0, "\(add)")
            #expect(
                try await fsmtp(
                    "config", "profiles", "add", "local", "--api-url", server.url, "--api-key", server.jonathanKey,
                    "--default-domain", "example.com"
                ).status == 0)
            let attributes = try FileManager.default.attributesOfItem(atPath: fsmtp.configPath.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            // The first profile added became the default.
            #expect(try await fsmtp("auth", "whoami").status == 1)
            let use = try await fsmtp("config", "profiles", "use", "local")
            #expect(use.stdout == "✓ Now using profile local\n")
            #expect(try await fsmtp("auth", "whoami").status == 0)
            let list = try await fsmtp("config", "profiles", "list")
            #expect(list.lines.contains { $0.contains("* ") && $0.contains("local") })

            // Flag > environment > profile.
            #expect(try await fsmtp("auth", "whoami", "--profile", "prod").status == 1)
            #expect(try await fsmtp("auth", "whoami", env: ["FASTSMTP_PROFILE": "prod"]).status == 1)
            #expect(
                try await fsmtp("--profile", "local", "auth", "whoami", env: ["FASTSMTP_PROFILE": "prod"]).status == 0)
            #expect(try await fsmtp("auth", "whoami", env: ["FASTSMTP_API_URL": down]).status == 1)
            #expect(
                try await fsmtp("auth", "whoami", "--api-url", server.url, env: ["FASTSMTP_API_URL": down]).status == 0)
            #expect(try await fsmtp("auth", "whoami", env: ["FASTSMTP_API_KEY": "fsmtp_wrong"]).status == 4)
            #expect(
                try await fsmtp(
                    "auth", "whoami", "--api-key", server.jonathanKey, env: ["FASTSMTP_API_KEY": "fsmtp_wrong"]
                )
                .status == 0)
            let prodWithGoodURL = try await fsmtp(
                "auth", "whoami", "--profile", "prod", env: ["FASTSMTP_API_URL": server.url])
            #expect(prodWithGoodURL.status == 4, "prod's bad key with the environment's URL: \(prodWithGoodURL)")
            #expect(try await fsmtp("auth", "whoami", "--profile", "nope").status == 2)

            // config show: sources, and the key masked as gh does.
            let show = try await fsmtp("config", "show")
            #expect(show.status == 0, "\(show)")
            let masked = "fsmtp_" + String(repeating: "*", count: server.jonathanKey.count - "fsmtp_".count)
            #expect(show.stdout.contains(masked))
            #expect(!show.stdout.contains(server.jonathanKey))
            #expect(show.lines.contains("Profile:        local"))
            #expect(show.lines.contains("API URL:        \(server.url) (profile local)"))
            #expect(show.lines.contains("Default domain: example.com"))
            let shownJSON = try #require(
                try await fsmtp("config", "show", "-o", "json", "--api-url", down).json as? [String: Any])
            #expect(shownJSON["api_url"] as? String == down)
            #expect(shownJSON["api_key"] as? String == masked)

            // config set writes the current profile; default_domain is then used for a left-out domain.
            #expect(try await fsmtp("domains", "create", "other.example").status == 0)
            let set = try await fsmtp("config", "set", "default_domain", "other.example")
            #expect(set.status == 0, "\(set)")
            #expect(try await fsmtp("domains", "show").stdout.contains("other.example"))
            #expect(try await fsmtp("config", "set", "colour", "blue").status == 2)
            let toml = try String(contentsOf: fsmtp.configPath, encoding: .utf8)
            #expect(toml.contains("[profiles.local]") && toml.contains("other.example"))

            // config init without a terminal: flags, the key checked first (a refused key saves nothing).
            let fresh = try FsmtpRunner()
            let refused = try await fresh("config", "init", "--api-url", server.url, "--api-key", "fsmtp_wrong")
            #expect(refused.status == 4, "\(refused)")
            #expect(!FileManager.default.fileExists(atPath: fresh.configPath.path))
            #expect(try await fresh("config", "init", "--api-url", server.url).status == 2, "no key, no terminal")
            let initialised = try await fresh(
                "config", "init", "--api-url", server.url, "--api-key", server.bobKey, "--default-domain", "b.example",
                "--profile", "ci")
            #expect(
                initialised.stdout == "✓ Authenticated as bob\nConfiguration saved to ~/.config/fastsmtp/config.toml\n")
            let initialisedShow = try #require(try await fresh("-o", "json", "config", "show").json as? [String: Any])
            #expect(initialisedShow["profile"] as? String == "ci")
            #expect(initialisedShow["default_domain"] as? String == "b.example")

            // XDG_CONFIG_HOME moves the file; ~/.fastsmtp.toml is read when it is absent.
            let xdg = try Scratch.directory("xdg")
            let moved = try await fsmtp(
                "config", "profiles", "add", "x", "--api-url", server.url, env: ["XDG_CONFIG_HOME": xdg.path])
            #expect(moved.status == 0)
            #expect(FileManager.default.fileExists(atPath: xdg.appendingPathComponent("fastsmtp/config.toml").path))
            let legacyHome = try FsmtpRunner()
            try """
            default_profile = "old"
            [profiles.old]
            api_url = "\(server.url)"
            api_key = "\(server.jonathanKey)"
            """.write(to: legacyHome.home.appendingPathComponent(".fastsmtp.toml"), atomically: true, encoding: .utf8)
            #expect(try await legacyHome("auth", "whoami").status == 0)
        }
    }
}
