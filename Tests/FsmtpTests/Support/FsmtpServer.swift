import API
import DNSClient
import FastSMTPApp
import FastSMTPModels
import Foundation
import Logging
import SMTPServer
import ServiceLifecycle
import Storage

/// A real FastSMTP (SMTP, API and worker on port 0 over a fresh SQLite database) with two users:
/// jonathan, a superuser (SPEC's CLI Examples session), and bob, a plain user whose key may only read domains.
struct FsmtpServer: Sendable {
    let app: FastSMTPApplication
    let smtpPort: Int
    let apiPort: Int
    let jonathanKey: String
    let bobKey: String

    var store: Store { app.store }
    var url: String { "http://127.0.0.1:\(apiPort)" }

    static func run<R: Sendable>(_ body: @Sendable (FsmtpServer) async throws -> R) async throws -> R {
        let directory = try Scratch.directory("server")
        var settings = Settings()
        settings.smtpHost = "127.0.0.1"
        settings.smtpPort = 0
        settings.apiHost = "127.0.0.1"
        settings.apiPort = 0
        settings.smtpHostname = "mx.test"
        settings.databaseURL = "sqlite:///" + directory.appendingPathComponent("test.db").path
        settings.dataDir = directory.path
        settings.rootAPIKey = APIKeyGenerator.generate()
        settings.webhookTimeout = 2
        settings.webhookRetryBaseDelay = 0.05
        settings.webhookMaxRetryDelay = 0.2
        settings.webhookMaxRetries = 3
        settings.workerPollInterval = 0.25
        settings.workerConcurrency = 2
        settings.instanceID = "fsmtp-test"
        settings.smtpVerifyDKIM = false
        settings.smtpVerifySPF = false

        var logger = Logger(label: "fsmtp-test")
        logger.logLevel = .critical
        let app = try await FastSMTPApplication.make(
            settings: settings, roles: .all, logger: logger, resolver: DNSZoneResolver())
        let group = try app.serviceGroup(handleSignals: false)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let smtpPort = try await app.smtpServer?.localPort() ?? 0
                let apiPort = try await app.apiPort.value()
                let store = app.store
                let jonathan = try await store.createUser(
                    username: "jonathan", email: "jonathan@example.com", isSuperuser: true)
                let bob = try await store.createUser(username: "bob")
                let server = FsmtpServer(
                    app: app, smtpPort: smtpPort, apiPort: apiPort,
                    jonathanKey: try await makeKey(store, user: jonathan, scopes: ["admin"]),
                    bobKey: try await makeKey(store, user: bob, scopes: ["domains:read"]))
                let result = try await body(server)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                throw error
            }
        }
    }

    static func makeKey(_ store: Store, user: UserRecord, scopes: [String]) async throws -> String {
        let secret = APIKeyGenerator.generate()
        _ = try await store.createAPIKey(
            userID: user.id, name: "test", keyHash: APIKeyGenerator.hash(secret),
            keyPrefix: APIKeyGenerator.displayPrefix(secret), scopes: scopes, expiresAt: nil)
        return secret
    }
}

enum Scratch {
    static func directory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fsmtp-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
