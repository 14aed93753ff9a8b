import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SMTPCore
import ServiceLifecycle
import Telemetry

/// The SMTP listener: accepts connections and runs one ``SMTPConnection`` per client in a child task. With a
/// certificate it offers STARTTLS and, on ``SMTPTLSConfiguration/implicitTLSPort``, runs a second listener that speaks
/// TLS from the first byte.
///
/// On graceful shutdown it stops accepting at once; idle clients get `421 4.3.2` and are disconnected; a client in
/// the middle of a transaction may finish it (its message is stored and acknowledged) and is then disconnected.
/// Whatever is still open after the grace period is closed.
public final class SMTPServer: Service, Sendable {
    let configuration: SMTPServerConfiguration
    let delegate: any SMTPTransactionDelegate
    let logger: Logger
    let eventLoopGroup: any EventLoopGroup
    let bound = PortPromise()
    let tlsBound = PortPromise()
    let connections: ConnectionRegistry
    let certificates: TLSCertificateStore?
    /// Shared by every connection (nil: unbounded).
    public let budget: MessageBudget?
    let metrics: ServerMetrics

    typealias Listener = NIOAsyncChannel<NIOAsyncChannel<SMTPInbound, ByteBuffer>, Never>

    /// No implicit-TLS listener is configured.
    public struct NoTLSListener: Error {}

    public init(
        configuration: SMTPServerConfiguration,
        delegate: any SMTPTransactionDelegate,
        logger: Logger,
        metrics: ServerMetrics = ServerMetrics(version: "unknown"),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.metrics = metrics
        var configuration = configuration
        configuration.session.startTLSAvailable = configuration.tls != nil
        self.configuration = configuration
        self.delegate = delegate
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.connections = ConnectionRegistry(limits: configuration.limits)
        self.certificates = configuration.tls.map { TLSCertificateStore(configuration: $0, logger: logger) }
        self.budget = configuration.maxInFlightBytes.map { MessageBudget(limit: $0) }
    }

    /// The port the plain (STARTTLS) listener is bound to, once it is (waits for the bind; throws if binding failed).
    public func localPort() async throws -> Int {
        try await bound.value()
    }

    /// The port of the implicit-TLS listener; throws ``NoTLSListener`` when there is none.
    public func localTLSPort() async throws -> Int {
        try await tlsBound.value()
    }

    public func run() async throws {
        var listeners: [(listener: Listener, implicitTLS: Bool)] = []
        do {
            try certificates?.loadInitial()
            try configuration.spool?.prepare()
            listeners.append((try await bind(port: configuration.port, implicitTLS: false), false))
            if let tlsPort = configuration.tls?.implicitTLSPort {
                listeners.append((try await bind(port: tlsPort, implicitTLS: true), true))
            }
        } catch {
            for listener in listeners { listener.listener.channel.close(promise: nil) }
            bound.complete(.failure(error))
            tlsBound.complete(.failure(error))
            throw error
        }
        for (listener, implicitTLS) in listeners {
            let port = listener.channel.localAddress?.port ?? 0
            (implicitTLS ? tlsBound : bound).complete(.success(port))
            logger.info(
                "SMTP listening",
                metadata: [
                    "smtp.host": "\(configuration.host)", "smtp.port": "\(port)",
                    "smtp.tls": "\(implicitTLS ? "implicit" : configuration.tls == nil ? "off" : "starttls")",
                    "smtp.proxy_protocol": "\(configuration.proxyProtocol.rawValue)",
                ])
        }
        tlsBound.complete(.failure(NoTLSListener()))

        let channels = listeners.map(\.listener.channel)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for (listener, implicitTLS) in listeners {
                    group.addTask { await self.accept(listener, implicitTLS: implicitTLS) }
                }
            }
        } onGracefulShutdown: { [connections, logger] in
            logger.info("SMTP shutting down: no new connections")
            for channel in channels { channel.close(promise: nil) }
            connections.beginShutdown()
        }
        logger.info("SMTP stopped")
    }

    /// One listener's accept loop; returns when the listener is closed and its connections have ended.
    private func accept(_ listener: Listener, implicitTLS: Bool) async {
        await withDiscardingTaskGroup { group in
            do {
                try await listener.executeThenClose { inbound in
                    for try await child in inbound {
                        group.addTask { await self.handle(child, implicitTLS: implicitTLS) }
                    }
                }
            } catch {
                logger.error("SMTP accept loop failed", metadata: ["error": "\(error)"])
            }
            // Not accepting any more: give open sessions the grace period, then cut them.
            group.addTask { [connections, grace = configuration.shutdownGracePeriod] in
                let deadline = ContinuousClock.now + grace
                while connections.count > 0, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                connections.closeAll()
            }
        }
    }

    private func bind(port: Int, implicitTLS: Bool) async throws -> Listener {
        try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .bind(host: configuration.host, port: port) { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.configurePipeline(channel, implicitTLS: implicitTLS)
                }
            }
    }

    /// The child pipeline, head to tail: PROXY header (opt-in), TLS (implicit-TLS listener; STARTTLS inserts it here
    /// later), timeouts, the inbound translator, the async channel.
    private func configurePipeline(
        _ channel: any Channel, implicitTLS: Bool
    ) throws -> NIOAsyncChannel<SMTPInbound, ByteBuffer> {
        let pipeline = channel.pipeline.syncOperations
        if configuration.proxyProtocol != .off {
            try pipeline.addHandler(ProxyProtocolHandler(mode: configuration.proxyProtocol))
        }
        if implicitTLS {
            guard let context = certificates?.context() else { throw NoTLSListener() }
            try pipeline.addHandler(NIOSSLServerHandler(context: context))
        }
        let limits = configuration.limits
        try pipeline.addHandler(
            SMTPTimeoutHandler(
                timeouts: .init(
                    idle: Self.timeAmount(configuration.idleTimeout), command: Self.timeAmount(limits.commandTimeout),
                    data: Self.timeAmount(limits.dataTimeout), minDataRate: limits.minDataRate
                ),
                reply: SMTPReply(421, "4.4.2", "\(configuration.session.hostname) Error: timeout exceeded")
            ))
        try pipeline.addHandler(SMTPInboundHandler())
        return try NIOAsyncChannel<SMTPInbound, ByteBuffer>(
            wrappingChannelSynchronously: channel,
            configuration: .init(isOutboundHalfClosureEnabled: false)
        )
    }

    private func handle(_ child: NIOAsyncChannel<SMTPInbound, ByteBuffer>, implicitTLS: Bool) async {
        let connection = SMTPConnection(
            channel: child, implicitTLS: implicitTLS,
            environment: .init(
                session: configuration.session, proxyProtocol: configuration.proxyProtocol,
                registry: connections, certificates: certificates, delegate: delegate,
                spool: configuration.spool, budget: budget, metrics: metrics
            ),
            logger: logger
        )
        connections.add(connection.control)
        defer { connections.remove(connection.control) }
        await connection.run()
    }

    /// A `Duration` as NIO's `TimeAmount`, saturating instead of overflowing (about 292 years).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .nanoseconds(seconds < 0 ? .min : .max) }
        let (total, overflow2) = nanoseconds.addingReportingOverflow(attoseconds / 1_000_000_000)
        return .nanoseconds(overflow2 ? .max : total)
    }
}
