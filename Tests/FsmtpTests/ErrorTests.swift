import Foundation
import Testing

/// Every error class: one line on stderr, never a stack trace, and gh's exit codes (1, 2, 4).
@Suite("fsmtp errors and exit codes")
struct ErrorTests {
    @Test("server down, 401, 403, 404, 409, 422, bad flag")
    func errorClasses() async throws {
        try await FsmtpServer.run { server in
            var fsmtp = try FsmtpRunner()
            fsmtp.environment = ["FASTSMTP_API_URL": server.url, "FASTSMTP_API_KEY": server.jonathanKey]
            #expect(try await fsmtp("domains", "create", "example.com").status == 0)

            func check(
                _ arguments: [String], env: [String: String] = [:], status: Int32, says text: String,
                sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                let run = try await fsmtp.run(arguments, env: env)
                #expect(run.status == status, "\(arguments): \(run)", sourceLocation: sourceLocation)
                let lines = run.stderr.split(separator: "\n")
                #expect(lines.count == 1, "one line on stderr: \(run.stderr)", sourceLocation: sourceLocation)
                #expect(run.stderr.hasPrefix("fsmtp: "), "\(run.stderr)", sourceLocation: sourceLocation)
                #expect(run.stderr.contains(text), "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
            }

            try await check(
                ["domains", "list"], env: ["FASTSMTP_API_URL": "http://127.0.0.1:9"], status: 1,
                says: "cannot reach the FastSMTP API at http://127.0.0.1:9")
            try await check(
                ["domains", "list"], env: ["FASTSMTP_API_KEY": "fsmtp_not-a-key"], status: 4,
                says: "authentication failed")
            try await check(
                ["auth", "whoami"], env: ["FASTSMTP_API_KEY": ""], status: 4, says: "no API key configured")
            try await check(
                ["recipients", "add", "example.com", "x", "https://n8n.example.com/x"],
                env: ["FASTSMTP_API_KEY": server.bobKey], status: 4, says: "permission denied")
            try await check(["domains", "show", "nope.example"], status: 1, says: "domain nope.example not found")
            try await check(["recipients", "delete", "example.com", "ghost"], status: 1, says: "recipient 'ghost'")
            try await check(["domains", "create", "example.com"], status: 1, says: "conflict")
            try await check(
                ["recipients", "add", "example.com", "x", "ftp://nope"], status: 1, says: "invalid input: webhook_url")
            try await check(["domains", "list", "--bogus"], status: 2, says: "--bogus")
            try await check(["domains", "list", "-o", "xml"], status: 2, says: "xml")
            try await check(["recipients", "list"], status: 2, says: "default_domain")
            try await check(["logs", "list", "example.com", "--since", "soon"], status: 2, says: "--since")
            try await check(["--api-url", "ftp://x", "domains", "list"], status: 2, says: "not an http(s) URL")
        }
    }
}
