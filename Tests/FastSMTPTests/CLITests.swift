import FastSMTPTestSupport
import Foundation
import Storage
import Testing

/// The `fastsmtp` admin CLI as a user runs it: a real process, settings from the environment, exit codes.
@Suite("fastsmtp CLI")
struct CLITests {
    /// The built `fastsmtp` next to the test bundle (the test target depends on it, so it is always built).
    static var binary: URL {
        var directory = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("fastsmtp").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("fastsmtp")
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `fastsmtp` with `arguments` in `directory` with only the given FASTSMTP_* settings.
    static func fastsmtp(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:]
    ) async throws -> Run {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.uppercased().hasPrefix("FASTSMTP_") }
        env["FASTSMTP_LOG_LEVEL"] = "error"
        env.merge(environment) { $1 }
        let result = try await runProcessCapturing(binary.path, arguments, directory: directory, environment: env)
        return Run(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    static func tempDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fastsmtp-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("init, users, keys, domains, members and recipients on a fresh SQLite database")
    func adminCommands() async throws {
        let dir = try Self.tempDirectory()
        let initRun = try await Self.fastsmtp(
            ["init", "--yes", "--superuser", "admin", "--domain", "example.com"], in: dir)
        #expect(initRun.status == 0, "\(initRun.stderr)")
        #expect(initRun.stdout.contains("Created superuser admin."))
        let key = initRun.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first {
            $0.hasPrefix("fsmtp_")
        }
        #expect(key != nil, "init prints the new key")
        #expect(try await Self.fastsmtp(["db", "current"], in: dir).stdout.contains("(head)"))

        #expect(try await Self.fastsmtp(["user", "create", "bob", "--email", "bob@example.com"], in: dir).status == 0)
        let duplicate = try await Self.fastsmtp(["user", "create", "bob"], in: dir)
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("already exists"))
        #expect(try await Self.fastsmtp(["user", "create", "bad name!"], in: dir).status != 0)
        let users = try await Self.fastsmtp(["user", "list"], in: dir).stdout
        #expect(users.contains("admin") && users.contains("[superuser]") && users.contains("bob <bob@example.com>"))
        #expect(try await Self.fastsmtp(["user", "set-superuser", "bob", "--enable"], in: dir).status == 0)
        #expect(
            try await Self.fastsmtp(["user", "set-superuser", "bob"], in: dir).status != 0,
            "needs --enable or --disable")
        let generated = try await Self.fastsmtp(
            ["user", "generate-key", "bob", "--scopes", "recipients:read,domains:read"], in: dir)
        #expect(generated.status == 0)
        #expect(generated.stdout.contains("fsmtp_"))
        #expect(
            try await Self.fastsmtp(["user", "generate-key", "bob", "--scopes", "everything"], in: dir).status != 0)

        #expect(
            try await Self.fastsmtp(["domain", "add-member", "example.com", "bob", "--role", "admin"], in: dir).stdout
                .contains("admin of example.com"))
        #expect(
            try await Self.fastsmtp(["domain", "add-member", "example.com", "bob", "--role", "king"], in: dir).status
                != 0)
        #expect(
            try await Self.fastsmtp(["recipient", "add", "example.com", "*", "https://n8n.example.com/hook"], in: dir)
                .stdout.contains("catch-all"))
        let badURL = try await Self.fastsmtp(["recipient", "add", "example.com", "x", "ftp://nope"], in: dir)
        #expect(badURL.status == 1)
        #expect(badURL.stderr.contains("http(s)"))
        #expect(try await Self.fastsmtp(["domain", "remove-member", "example.com", "bob"], in: dir).status == 0)
        #expect(try await Self.fastsmtp(["domain", "remove-member", "example.com", "bob"], in: dir).status == 1)
        #expect(try await Self.fastsmtp(["user", "delete", "bob"], in: dir).status == 0)
        #expect(try await Self.fastsmtp(["domain", "list"], in: dir).stdout.contains("example.com"))

        // The database the commands wrote is the one `serve` would use.
        let url = "sqlite:///" + dir.appendingPathComponent("data/fastsmtp.db").path
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { database in
            let store = Store(database: database)
            #expect(try await store.user(named: "admin")?.isSuperuser == true)
            #expect(try await store.user(named: "bob") == nil)
            let domain = try #require(try await store.domain(named: "example.com"))
            #expect(try await store.members(domainID: domain.id).map(\.username) == ["admin"])
        }
    }

    @Test("bad settings stop with one line naming the variable and exit code 2; show-config masks secrets")
    func configuration() async throws {
        let dir = try Self.tempDirectory()
        let bad = try await Self.fastsmtp(["show-config"], in: dir, environment: ["FASTSMTP_SMTP_PORT": "99999"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("FASTSMTP_SMTP_PORT"))
        #expect(bad.stderr.split(separator: "\n").count == 1)
        #expect(
            try await Self.fastsmtp(["serve"], in: dir, environment: ["FASTSMTP_DATABASE_URL": "oracle://x"]).status
                == 2)
        let shown = try await Self.fastsmtp(
            ["show-config"], in: dir,
            environment: [
                "FASTSMTP_ROOT_API_KEY": "fsmtp_supersecret", "FASTSMTP_DATABASE_URL": "postgresql://u:hunter2@db/x",
            ])
        #expect(shown.status == 0)
        #expect(!shown.stdout.contains("supersecret") && !shown.stdout.contains("hunter2"))
        #expect(shown.stdout.contains("FASTSMTP_ROOT_API_KEY") && shown.stdout.contains("********"))
    }
}
