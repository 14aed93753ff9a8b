import DNSClient
import FastSMTPApp
import FastSMTPModels
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// A real FastSMTP (SMTP on port 0, API on port 0, worker) over a test database, run for the duration of a closure.
struct TestServer: Sendable {
    let app: FastSMTPApplication
    let smtpPort: Int
    let apiPort: Int
    var store: Store { app.store }

    /// Settings for tests: loopback, free ports, tiny retry delays, a temp data dir.
    static func settings(databaseURL: String, _ customize: (inout Settings) -> Void = { _ in }) -> Settings {
        var settings = Settings()
        settings.smtpHost = "127.0.0.1"
        settings.smtpPort = 0
        settings.apiHost = "127.0.0.1"
        settings.apiPort = 0
        settings.smtpHostname = "mx.test"
        settings.databaseURL = databaseURL
        settings.dataDir =
            FileManager.default.temporaryDirectory.appendingPathComponent("fastsmtp-data-\(UUID().uuidString)").path
        settings.webhookTimeout = 2
        settings.webhookRetryBaseDelay = 0.05
        settings.webhookMaxRetryDelay = 0.2
        settings.webhookMaxRetries = 3
        settings.workerPollInterval = 0.25
        settings.workerLease = 30
        settings.workerConcurrency = 4
        settings.instanceID = "test-\(UUID().uuidString.prefix(8))"
        customize(&settings)
        return settings
    }

    /// Starts FastSMTP, runs `body`, then shuts it down gracefully and waits for it to stop.
    /// `dns` answers DKIM and SPF lookups (default: an empty zone, so every name is NXDOMAIN at once).
    static func run<R: Sendable>(
        settings: Settings,
        roles: Roles = .all,
        dns: any DNSResolver = DNSZoneResolver(),
        logger: Logger = .quiet,
        _ body: @Sendable (TestServer) async throws -> R
    ) async throws -> R {
        let app = try await FastSMTPApplication.make(settings: settings, roles: roles, logger: logger, resolver: dns)
        let group = try app.serviceGroup(handleSignals: false)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let smtpPort = roles.smtp ? try await app.smtpServer?.localPort() ?? 0 : 0
                let apiPort = roles.api ? try await app.apiPort.value() : 0
                let result = try await body(TestServer(app: app, smtpPort: smtpPort, apiPort: apiPort))
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

    /// Polls the delivery rows of `messageID` until `condition` holds (or fails after `timeout`).
    func waitForDeliveries(
        of messageID: String,
        timeout: Duration = .seconds(20),
        until condition: ([DeliveryRecord]) -> Bool
    ) async throws -> [DeliveryRecord] {
        guard let id = UUID(uuidString: messageID) else { throw TestSetupError("not a queue id: \(messageID)") }
        let deadline = ContinuousClock.now + timeout
        var rows: [DeliveryRecord] = []
        while ContinuousClock.now < deadline {
            rows = try await store.deliveries(storedMessageID: id)
            if condition(rows) { return rows }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSetupError(
            "deliveries of \(messageID) never reached the expected state; last: \(rows.map { "\($0.status) x\($0.attempts)" })"
        )
    }
}
