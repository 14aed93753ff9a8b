import API
import ArgumentParser
import FastSMTPApp
import FastSMTPModels
import Foundation
import SMTPServer
import Storage

/// `fastsmtp init`: database, schema, first superuser and key, first domain — asked for interactively on a terminal,
/// or taken from flags (`--yes` never asks).
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set up FastSMTP: database, schema, the first superuser and API key, the first domain.",
        discussion:
            "Example (non-interactive): fastsmtp init --yes --database-url postgresql://fastsmtp:secret@db/fastsmtp --superuser admin --domain example.com"
    )

    @Option(
        help:
            "Database URL (default: FASTSMTP_DATABASE_URL or the SQLite file in the data dir). Saved to .env when it differs."
    )
    var databaseURL: String?
    @Option(help: "Username of the first superuser.") var superuser: String?
    @Option(help: "Email of the first superuser.") var email: String?
    @Option(help: "A first domain to receive mail for (the superuser becomes its owner).") var domain: String?
    @Flag(name: [.customShort("y"), .long], help: "Do not ask; use flags and defaults.") var yes = false
    @Option(help: "The .env file to update.") var envFile = ".env"
    @Option(
        name: .customLong("self-signed-cert"),
        help:
            "Write a self-signed TLS certificate (cert.pem) and key (key.pem) for testing into this directory and save FASTSMTP_SMTP_TLS_CERT/KEY to the .env file."
    )
    var selfSignedCertDirectory: String?

    func run() async throws {
        let env = try Environment.load()
        let interactive = !yes && isatty(STDIN_FILENO) == 1
        func ask(_ question: String, _ fallback: String?) -> String? {
            guard interactive else { return fallback }
            print("\(question)\(fallback.map { " [\($0)]" } ?? ""): ", terminator: "")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces) ?? ""
            return answer.isEmpty ? fallback : answer
        }

        let url = ask("Database URL", databaseURL ?? env.settings.databaseURL) ?? env.settings.databaseURL
        let location: DatabaseLocation
        do {
            location = try DatabaseLocation(url: url)
        } catch {
            throw fail("FASTSMTP_DATABASE_URL: \(error)", code: 2)
        }
        if url != env.settings.databaseURL {
            try DotEnvFile.set("FASTSMTP_DATABASE_URL", to: url, in: envFile)
            print("Saved FASTSMTP_DATABASE_URL to \(envFile)")
        }
        if let selfSignedCertDirectory {
            try writeSelfSignedCertificate(into: selfSignedCertDirectory, hostname: env.settings.smtpHostname)
        }
        let username = ask("First superuser", superuser ?? "admin") ?? "admin"
        let domainName = ask("First domain (empty for none)", domain)
        let hashAlgorithm = env.settings.apiKeyHashAlgorithm

        do {
            try await Database.withDatabase(location, logger: env.logger, poolSize: 2) { database in
                let migrator = Migrator(database: database, logger: env.logger)
                let applied = try await migrator.upgrade()
                print(applied.isEmpty ? "Schema already at \(migrator.head)." : "Schema upgraded to \(migrator.head).")
                let store = Store(database: database)

                let user: UserRecord
                if let existing = try await store.user(named: username) {
                    user =
                        existing.isSuperuser
                        ? existing : try await store.updateUser(id: existing.id, UserChanges(isSuperuser: true))
                    print("Superuser \(username) exists.")
                } else {
                    user = try await store.createUser(username: username, email: email, isSuperuser: true)
                    print("Created superuser \(username).")
                }
                let secret = APIKeyGenerator.generate()
                _ = try await store.createAPIKey(
                    userID: user.id, name: "init", keyHash: APIKeyGenerator.hash(secret, algorithm: hashAlgorithm),
                    keyPrefix: APIKeyGenerator.displayPrefix(secret), scopes: ["admin"], expiresAt: nil
                )
                print("API key for \(username) (shown only now):\n    \(secret)")

                if let domainName, !domainName.isEmpty {
                    var record = try await store.domain(named: domainName)
                    if record == nil { record = try await store.createDomain(domainName) }
                    guard let record else { return }
                    if try await store.member(domainID: record.id, userID: user.id) == nil {
                        try await store.addMember(domainID: record.id, userID: user.id, role: .owner)
                    }
                    print("Domain \(record.domainName) is ready; add recipients with:")
                    print(
                        "    fastsmtp recipient add \(record.domainName) support https://n8n.example.com/webhook/support"
                    )
                }
            }
        } catch {
            throw fail("\(error)")
        }
        print("Done. Start the server with: fastsmtp serve")
    }
}

extension Init {
    /// Writes cert.pem and key.pem (mode 0600) into `directory` unless both exist, then points .env at them.
    func writeSelfSignedCertificate(into directory: String, hostname: String) throws {
        let base = URL(fileURLWithPath: directory).standardizedFileURL
        let certificate = base.appendingPathComponent("cert.pem").path
        let key = base.appendingPathComponent("key.pem").path
        let files = FileManager.default
        if files.fileExists(atPath: certificate), files.fileExists(atPath: key) {
            print("TLS certificate \(certificate) exists; kept.")
        } else {
            do {
                try files.createDirectory(
                    at: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let pair = try SelfSignedCertificate.make(hostname: hostname)
                guard
                    files.createFile(
                        atPath: key, contents: Data(pair.privateKeyPEM.utf8), attributes: [.posixPermissions: 0o600]),
                    files.createFile(
                        atPath: certificate, contents: Data(pair.certificatePEM.utf8),
                        attributes: [.posixPermissions: 0o644])
                else { throw fail("cannot write \(certificate) and \(key)") }
            } catch let error as ExitCode {
                throw error
            } catch {
                throw fail("self-signed certificate: \(error)")
            }
            print("Wrote a self-signed certificate for \(hostname) to \(certificate) (key: \(key)); for testing only.")
        }
        try DotEnvFile.set("FASTSMTP_SMTP_TLS_CERT", to: certificate, in: envFile)
        try DotEnvFile.set("FASTSMTP_SMTP_TLS_KEY", to: key, in: envFile)
        print("Saved FASTSMTP_SMTP_TLS_CERT and FASTSMTP_SMTP_TLS_KEY to \(envFile)")
    }
}

/// Minimal `.env` editing: replaces or appends one KEY=value line, keeping everything else.
enum DotEnvFile {
    static func set(_ key: String, to value: String, in path: String) throws {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var lines = existing.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let line =
            "\(key)=\"\(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
        if let index = lines.firstIndex(where: { $0.hasPrefix("\(key)=") || $0.hasPrefix("export \(key)=") }) {
            lines[index] = line
        } else {
            lines.append(line)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
