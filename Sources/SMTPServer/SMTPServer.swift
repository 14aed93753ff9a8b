import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SMTPCore
import ServiceLifecycle

/// The SMTP listener: accepts connections and runs one ``SMTPConnection`` per client in a child task.
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
    let connections = ConnectionRegistry()

    public init(
        configuration: SMTPServerConfiguration,
        delegate: any SMTPTransactionDelegate,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.delegate = delegate
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
    }

    /// The port the listener is bound to, once it is (waits for the bind; throws if binding failed).
    public func localPort() async throws -> Int {
        try await bound.value()
    }

    public func run() async throws {
        let idleTimeout = configuration.idleTimeout
        let timeoutReply = SMTPReply(421, "4.4.2", "\(configuration.session.hostname) Error: timeout exceeded")
        let serverChannel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            serverChannel = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.so_keepalive), value: 1)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let timeoutNanos = idleTimeout.components.seconds * 1_000_000_000
                            + idleTimeout.components.attoseconds / 1_000_000_000
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .nanoseconds(timeoutNanos)))
                        try channel.pipeline.syncOperations.addHandler(SMTPIdleTimeoutHandler(reply: timeoutReply))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: false)
                        )
                    }
                }
        } catch {
            bound.complete(.failure(error))
            throw error
        }
        let port = serverChannel.channel.localAddress?.port ?? configuration.port
        bound.complete(.success(port))
        logger.info("SMTP listening", metadata: ["smtp.host": "\(configuration.host)", "smtp.port": "\(port)"])

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                do {
                    try await serverChannel.executeThenClose { inbound in
                        for try await child in inbound {
                            group.addTask { await self.handle(child) }
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
        } onGracefulShutdown: { [connections, logger] in
            logger.info("SMTP shutting down: no new connections")
            serverChannel.channel.close(promise: nil)
            connections.beginShutdown()
        }
        logger.info("SMTP stopped")
    }

    private func handle(_ child: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let connection = SMTPConnection(
            channel: child, configuration: configuration.session, delegate: delegate, logger: logger
        )
        connections.add(connection.control)
        defer { connections.remove(connection.control) }
        await connection.run()
    }
}
