import FastSMTPApp
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

/// Secrets never reach the log, at any level: API keys, the root key, the database password, webhook credentials.
@Suite("Secrets in logs")
struct SecretsInLogsTests {
    @Test(
        "a full run logged at trace level contains no key, password or webhook credential",
        arguments: TestDatabase.available)
    func noSecretsLogged(database: TestDatabase) async throws {
        let migrated = try await database.makeMigratedURL()
        let password = "DbPassw0rd-\(UUID().uuidString.prefix(8))"
        var withPassword = URLComponents(string: migrated)
        // The throwaway cluster trusts loopback: the password is carried, never checked.
        if database == .postgresql { withPassword?.password = password }
        let url = database == .postgresql ? withPassword?.string ?? migrated : migrated
        let lines = LogCapture()
        let logger = {
            var logger = Logger(label: "fastsmtp") { _ in lines }
            logger.logLevel = .trace
            return logger
        }()
        let rootKey = "fsk_root_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let bearer = "Bearer webhook-credential-\(UUID().uuidString.prefix(8))"
        let receiver = WebhookReceiver()
        let created: [String] = try await receiver.run {
            let settings = TestServer.settings(databaseURL: url) { $0.rootAPIKey = rootKey }
            return try await TestServer.run(settings: settings, logger: logger) { server in
                let base = "http://127.0.0.1:\(server.apiPort)"
                // Through the API: a user, a key for it, a domain and a recipient with a credential header.
                let user = try await APIFixture.call(
                    base: base, .POST, "/api/v1/users", key: rootKey, json: ["username": "dora"])
                let userID = try #require(UUID(uuidString: user.json["id"] as? String ?? ""), "\(user.json)")
                let dora = try #require(try await server.store.user(id: userID))
                let firstKey = try await APIFixture.makeKey(server.store, user: dora, scopes: ["admin"])
                let key = try await APIFixture.call(
                    base: base, .POST, "/api/v1/auth/keys", key: firstKey, json: ["name": "ci", "scopes": ["admin"]])
                let doraKey = try #require(key.json["key"] as? String, "\(key.json)")
                #expect(
                    try await APIFixture.call(
                        base: base, .POST, "/api/v1/domains", key: rootKey, json: ["domain_name": "example.com"]
                    ).status == 201)
                let recipient = try await APIFixture.call(
                    base: base, .POST, "/api/v1/domains/example.com/recipients", key: rootKey,
                    json: [
                        "local_part": "alice", "webhook_url": try await receiver.url(),
                        "webhook_headers": ["Authorization": bearer],
                    ])
                let signingSecret = try #require(recipient.json["signing_secret"] as? String)
                _ = try await APIFixture.call(base: base, .GET, "/api/v1/auth/me", key: doraKey)
                _ = try await APIFixture.call(base: base, .GET, "/api/v1/domains", key: "fsk_wrong_key_given")
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"],
                    message: SMTPTestClient.message(subject: "logged", to: "alice@example.com"))
                _ = try await server.waitForDeliveries(of: try #require(transcript.queueID)) {
                    $0.first?.status == .delivered
                }
                return [firstKey, doraKey, signingSecret]
            }
        }
        let secrets = [rootKey, password, bearer] + created
        let log = lines.text
        #expect(log.count > 1_000, "the capture holds the run (\(log.count) characters)")
        #expect(receiver.received.first?.headers["authorization"] == bearer)
        for secret in secrets {
            #expect(!log.contains(secret), "the log contains a secret (\(secret.prefix(6))…)")
        }
    }
}

/// Every line logged, as text: message, metadata (keys and values) and source.
///
/// A value, as a `LogHandler` must be: every `Logger` copy carries its own metadata (the loggers of concurrent
/// sessions set theirs at once); only the captured lines are shared, behind a lock.
struct LogCapture: LogHandler {
    private final class Lines: Sendable {
        let box = NIOLockedValueBox([String]())
    }

    private let lines = Lines()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.box.withLockedValue {
            $0.append("\(event.level) \(event.message) \(all.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }

    var text: String { lines.box.withLockedValue { $0.joined(separator: "\n") } }
}
