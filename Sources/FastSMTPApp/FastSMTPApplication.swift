import API
import AsyncHTTPClient
import DNSClient
import Delivery
import FastSMTPModels
import Foundation
import Hummingbird
import Logging
import MailAuth
import SMTPCore
import SMTPServer
import ServiceLifecycle
import Storage
import Telemetry

/// Which parts of FastSMTP one process runs (`serve --smtp-only|--api-only|--worker-only`).
public struct Roles: Sendable, Equatable {
    public var smtp: Bool
    public var api: Bool
    public var worker: Bool

    public static let all = Roles(smtp: true, api: true, worker: true)

    public init(smtp: Bool, api: Bool, worker: Bool) {
        self.smtp = smtp
        self.api = api
        self.worker = worker
    }
}

public struct StartupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// FastSMTP assembled from ``Settings``: the database, then the worker, the API and the SMTP listener, run in one
/// `ServiceGroup`. Services stop in reverse order, so listeners stop first and the database last.
public final class FastSMTPApplication: Sendable {
    public let settings: Settings
    public let roles: Roles
    public let database: Database
    public let store: Store
    public let wakeup: DeliveryWakeup
    public let smtpServer: SMTPServer?
    /// The pending deliveries as SMTP's backpressure sees them (SMTP role only).
    let backlog: BacklogGauge?
    public let apiPort = PortPromise()
    /// The port `/metrics` is served on when `FASTSMTP_METRICS_PORT` is set.
    public let metricsPort = PortPromise()
    /// What this process counts (`/metrics`).
    public let metrics: ServerMetrics
    let logger: Logger
    /// Sends webhooks (worker and test-webhook); nil for an SMTP-only instance.
    let dispatcher: WebhookDispatcher?
    /// The superuser key (settings, or generated on first start).
    let rootAPIKey: String?

    /// Opens the database and checks its schema: on SQLite pending migrations are applied; on PostgreSQL and
    /// MariaDB (shared by replicas, migrated by a job) a schema that is behind stops startup.
    /// - Parameter resolver: DNS for DKIM, SPF and webhook hosts; by default the stub resolver over
    ///   `FASTSMTP_DNS_SERVERS` or /etc/resolv.conf (tests pass a zone).
    public static func make(
        settings: Settings, roles: Roles = .all, logger: Logger,
        resolver: (any DNSResolver)? = nil
    ) async throws -> FastSMTPApplication {
        var resolver = resolver
        if resolver == nil, roles.smtp || roles.worker || roles.api {
            do {
                resolver = try StubResolver(configuration: .fromSystem(), logger: logger)
            } catch {
                throw StartupError("\(error)")
            }
        }
        let location = try DatabaseLocation(url: settings.databaseURL)
        if case .sqliteMemory = location {
            throw StartupError(
                "FASTSMTP_DATABASE_URL: an in-memory SQLite database loses every accepted message at exit, so a 250 "
                    + "would promise nothing; use a file (sqlite:///./data/fastsmtp.db) or PostgreSQL")
        }
        if location.kind != .sqlite, roles.smtp || roles.worker {
            // A short-lived pool just for the check; the application's own pool runs inside the service group.
            try await Database.withDatabase(location, logger: logger, poolSize: 1) { database in
                let migrator = Migrator(database: database, logger: logger)
                guard try await migrator.isCurrent() else {
                    throw StartupError(
                        "database schema is at \(try await migrator.current()), this FastSMTP needs \(migrator.head): run `fastsmtp db upgrade` first"
                    )
                }
            }
        }
        let database = try await Database.open(
            location, logger: logger, poolSize: settings.databasePoolSize + settings.databasePoolMaxOverflow
        )
        // Whatever fails from here closes the database it opened: it will never run.
        let rootAPIKey: String?
        do {
            if database.dialect == .sqlite {
                let migrator = Migrator(database: database, logger: logger)
                let applied = try await migrator.upgrade()
                if !applied.isEmpty {
                    logger.info("database upgraded", metadata: ["migration.head": "\(migrator.head)"])
                }
            }
            rootAPIKey = roles.api ? try RootAPIKey.resolve(settings: settings).key : settings.rootAPIKey
        } catch {
            try? await database.close()
            throw error
        }
        return FastSMTPApplication(
            settings: settings, roles: roles, database: database, rootAPIKey: rootAPIKey,
            resolver: resolver, logger: logger)
    }

    private init(
        settings: Settings, roles: Roles, database: Database, rootAPIKey: String?,
        resolver: (any DNSResolver)?, logger: Logger
    ) {
        self.settings = settings
        self.roles = roles
        self.database = database
        self.logger = logger
        self.store = Store(database: database)
        self.wakeup = DeliveryWakeup()
        let metrics = ServerMetrics(version: FastSMTPVersion.current)
        self.metrics = metrics
        self.dispatcher =
            roles.worker || roles.api
            ? WebhookDispatcher(
                targets: WebhookGuard(policy: WebhookTarget(settings: settings), resolver: resolver),
                timeout: .seconds(settings.webhookTimeout))
            : nil
        self.rootAPIKey = rootAPIKey
        if roles.smtp {
            func seconds(_ value: Double) -> Duration { .milliseconds(Int64(min(value, 1e12) * 1000)) }
            let backlog = BacklogGauge(store: store, logger: logger)
            self.backlog = backlog
            let intake = MailIntake(
                store: store, wakeup: wakeup, settings: settings,
                authenticator: resolver.map { EmailAuthenticator(resolver: $0, receivingHost: settings.smtpHostname) },
                storageTimeout: seconds(settings.smtpStorageTimeout), logger: logger, metrics: metrics,
                backpressure: Backpressure(
                    backlogSoftLimit: settings.smtpBacklogSoftLimit, backlogHardLimit: settings.smtpBacklogHardLimit),
                backlog: backlog
            )
            self.smtpServer = SMTPServer(
                configuration: SMTPServerConfiguration(
                    host: settings.smtpHost,
                    port: settings.smtpPort,
                    session: SMTPSessionConfiguration(
                        hostname: settings.smtpHostname,
                        maxMessageSize: settings.smtpMaxMessageSize,
                        maxRecipients: settings.smtpMaxRecipients,
                        requireTLS: settings.smtpRequireSTARTTLS
                    ),
                    idleTimeout: seconds(settings.smtpIdleTimeout),
                    tls: settings.smtpTLSCert.flatMap { cert in
                        settings.smtpTLSKey.map { key in
                            SMTPTLSConfiguration(
                                certificatePath: cert, privateKeyPath: key, implicitTLSPort: settings.smtpTLSPort,
                                reloadInterval: seconds(settings.smtpTLSReloadInterval)
                            )
                        }
                    },
                    proxyProtocol: ProxyProtocolMode(rawValue: settings.smtpProxyProtocol.rawValue) ?? .off,
                    limits: SMTPConnectionLimits(
                        maxConnections: settings.smtpMaxConnections,
                        maxConnectionsPerIP: settings.smtpMaxConnectionsPerIP,
                        commandTimeout: seconds(settings.smtpCommandTimeout),
                        dataTimeout: seconds(settings.smtpDataTimeout),
                        minDataRate: settings.smtpMinDataRate
                    ),
                    spool: MessageSpoolConfiguration(
                        directory: (settings.dataDir as NSString).appendingPathComponent("spool"),
                        threshold: settings.smtpSpoolThreshold),
                    maxInFlightBytes: settings.smtpMaxInFlightBytes
                ),
                delegate: intake,
                logger: logger,
                metrics: metrics
            )
        } else {
            self.smtpServer = nil
            self.backlog = nil
        }
    }

    /// The services in start order.
    public func services() throws -> [any Service] {
        var services: [any Service] = [database]
        let migrator = Migrator(database: database, logger: logger)
        if let dispatcher { services.append(HTTPClientService(dispatcher: dispatcher)) }
        if roles.smtp || roles.api, database.supportsNotifications {
            services.append(RuleChangeListener(store: store))
        }
        if roles.worker, let dispatcher {
            services.append(
                DeliveryWorker(
                    store: store,
                    dispatcher: dispatcher,
                    wakeup: wakeup,
                    configuration: .init(
                        instanceID: settings.instanceID,
                        concurrency: settings.workerConcurrency,
                        pollInterval: .milliseconds(Int64(settings.workerPollInterval * 1000)),
                        lease: settings.workerLease,
                        policy: settings.retryPolicy,
                        includeRaw: settings.webhookIncludeRaw,
                        hostConcurrency: settings.webhookHostConcurrency,
                        shutdownTimeout: .milliseconds(Int64(settings.shutdownTimeout * 1000))
                    ),
                    logger: logger,
                    metrics: metrics
                ))
            services.append(
                RetentionJob(store: store, days: settings.retentionDays, interval: .seconds(600), logger: logger))
        }
        if roles.api {
            let apiPort = apiPort
            let router = try APIServer.router(
                store: store, settings: settings, rootKey: rootAPIKey,
                dispatcher: dispatcher,
                migrator: migrator, wakeWorkers: { [wakeup] in wakeup.signal() }, logger: logger
            )
            if settings.metricsPort == nil {
                MetricsEndpoint(metrics: metrics, store: store, logger: logger).register(on: router)
            }
            services.append(
                Application(
                    router: router,
                    configuration: .init(
                        address: .hostname(settings.apiHost, port: settings.apiPort), serverName: "FastSMTP"),
                    onServerRunning: { channel in apiPort.complete(.success(channel.localAddress?.port ?? 0)) },
                    logger: logger
                ))
        }
        if let port = settings.metricsPort {
            // Its own listener, so that the API port need not expose it (and SMTP-only or worker-only replicas
            // have one too).
            let router = Router()
            MetricsEndpoint(metrics: metrics, store: store, logger: logger).register(on: router)
            let metricsPort = metricsPort
            services.append(
                Application(
                    router: router,
                    configuration: .init(address: .hostname(settings.apiHost, port: port), serverName: "FastSMTP"),
                    onServerRunning: { channel in metricsPort.complete(.success(channel.localAddress?.port ?? 0)) },
                    logger: logger
                ))
        }
        if let backlog { services.append(backlog) }
        if let smtpServer { services.append(smtpServer) }
        return services
    }

    /// Releases what ``make(settings:roles:logger:resolver:)`` opened, for an application whose service group will
    /// never run (building it failed). A group that ran has closed everything itself; never call both.
    public func close() async {
        await dispatcher?.shutdown()
        try? await database.close()
    }

    /// Runs every service until shutdown. If the services cannot even be built, what ``make`` opened is closed.
    public func run(handleSignals: Bool = true) async throws {
        let group: ServiceGroup
        do {
            group = try serviceGroup(handleSignals: handleSignals)
        } catch {
            await close()
            throw StartupError("\(error)")
        }
        try await group.run()
    }

    /// A service group over ``services()``. With `handleSignals`, SIGTERM and SIGINT shut it down gracefully.
    public func serviceGroup(handleSignals: Bool = true) throws -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: try services().map { .init(service: $0) },
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger
            ))
    }
}

/// Shuts the webhook HTTP clients down when the group stops (after the worker, which is listed later).
struct HTTPClientService: Service {
    let dispatcher: WebhookDispatcher

    func run() async throws {
        try? await gracefulShutdown()
        await dispatcher.shutdown()
    }
}

/// Keeps this replica's compiled rules fresh: another replica's rule change (PostgreSQL NOTIFY) drops them.
struct RuleChangeListener: Service {
    let store: Store

    func run() async throws {
        await cancelWhenGracefulShutdown { await store.listenForRuleChanges() }
    }
}
