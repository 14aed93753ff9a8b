#if MariaDB
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A pool of at most `maximumConnections` MariaDB connections, whose blocking calls run on a thread pool of its own
/// with one thread per connection: never on an event loop, never on the thread pool SQLite uses, and never waiting
/// for a thread while holding a connection.
///
/// A connection whose statement failed with a lost connection is closed when it comes back, and a new one is made
/// for the next caller; the failed statement is never sent again (it may have committed). An idle connection is
/// pinged before it is lent out again after ``idleCheckInterval``, so a server restart costs no statement.
public final class MariaDBConnectionPool: Sendable {
    public let configuration: MariaDBConfiguration
    public let maximumConnections: Int
    /// Idle time after which a connection is pinged before being lent out.
    public static let idleCheckInterval: TimeAmount = .seconds(1)

    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct Idle {
        var connection: MariaDBConnection
        var since: NIODeadline
    }

    private enum Grant {
        /// An idle connection (pinged first when idle since longer than ``idleCheckInterval``), or one just given
        /// back (nil).
        case connection(MariaDBConnection, idleSince: NIODeadline?)
        /// The caller may open a new connection (a slot was counted for it).
        case open
    }

    private struct State {
        var idle: [Idle] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
        var nextWaiter = 0
        var closed = false
    }

    public init(configuration: MariaDBConfiguration, maximumConnections: Int, logger: Logger) {
        self.configuration = configuration
        self.maximumConnections = max(1, maximumConnections)
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: self.maximumConnections)
        threadPool.start()
    }

    /// Lends a connection to `body` for as long as it runs; each statement runs on the pool's threads. The
    /// connection goes back to the pool afterwards (or is closed when an error broke it).
    public func withConnection<R: Sendable>(
        _ body: @Sendable (MariaDBPooledConnection) async throws -> R
    ) async throws -> R {
        let connection = try await lease()
        do {
            let result = try await body(MariaDBPooledConnection(connection: connection, threadPool: threadPool))
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    /// Lends a connection: an idle one that still answers, a new one while under the maximum, or the next one given
    /// back. Cancellation ends the wait.
    func lease() async throws -> MariaDBConnection {
        while true {
            let grant: Grant? = try state.withLockedValue { state in
                if state.closed { throw MariaDBPoolClosedError() }
                if let idle = state.idle.popLast() { return .connection(idle.connection, idleSince: idle.since) }
                if state.open < maximumConnections {
                    state.open += 1
                    return .open
                }
                return nil
            }
            let granted: Grant
            if let grant { granted = grant } else { granted = try await wait() }
            switch granted {
            case .connection(let connection, let since):
                if await isUsable(connection, idleSince: since) { return connection }
                discard(connection)
            case .open:
                do {
                    let configuration = configuration
                    return try await run { try MariaDBConnection.connect(configuration) }
                } catch {
                    slotFreed()
                    throw error
                }
            }
        }
    }

    /// Runs `body` on one of the pool's threads; cancellation neither skips nor stops it.
    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threadPool.runUncancellable(body)
    }

    private func isUsable(_ connection: MariaDBConnection, idleSince: NIODeadline?) async -> Bool {
        if connection.isBroken { return false }
        guard let idleSince, .now() - idleSince > Self.idleCheckInterval else { return true }
        return (try? await run { connection.ping() }) ?? false
    }

    private func wait() async throws -> Grant {
        let id = state.withLockedValue { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let cancelled = state.withLockedValue { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state in
                state.waiters.firstIndex(where: { $0.id == id }).map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a connection back: to the first waiter, to the idle list, or closed when broken or still inside a
    /// transaction.
    func release(_ connection: MariaDBConnection) {
        guard !connection.isBroken else {
            discard(connection)
            return
        }
        // A transaction left open (a ROLLBACK that failed, a caller that never ended it) would keep its row and
        // metadata locks for whoever is lent the connection next, and its writes would commit with theirs. Closing
        // the connection makes the server roll it back.
        guard !connection.inTransaction else {
            logger.warning("a MariaDB connection came back with a transaction open: closed, the server rolls it back")
            discard(connection)
            return
        }
        enum Next {
            case idle, discard
            case handOver(CheckedContinuation<Grant, any Error>)
        }
        let next = state.withLockedValue { state -> Next in
            if state.closed { return .discard }
            if !state.waiters.isEmpty { return .handOver(state.waiters.removeFirst().continuation) }
            state.idle.append(Idle(connection: connection, since: .now()))
            return .idle
        }
        switch next {
        case .idle: break
        case .discard: discard(connection)
        case .handOver(let waiter): waiter.resume(returning: .connection(connection, idleSince: nil))
        }
    }

    /// Closes a connection off the caller's thread and frees its slot.
    private func discard(_ connection: MariaDBConnection) {
        threadPool.submit { _ in connection.close() }
        slotFreed()
    }

    /// One connection fewer: a waiter, if any, may open a new one.
    private func slotFreed() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Grant, any Error>? in
            state.open -= 1
            guard !state.closed, !state.waiters.isEmpty else { return nil }
            state.open += 1
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: .open)
    }

    /// Closes the idle connections, fails the waiters and stops the threads; connections still lent out are closed
    /// when they come back. Later calls do nothing.
    public func close() async {
        let (idle, waiters, first) = state.withLockedValue { state in
            defer {
                state.closed = true
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters, !state.closed)
        }
        guard first else { return }
        for waiter in waiters { waiter.continuation.resume(throwing: MariaDBPoolClosedError()) }
        for entry in idle {
            try? await run { entry.connection.close() }
        }
        try? await threadPool.shutdownGracefully()
    }
}

/// The pool was closed: the database is shutting down.
public struct MariaDBPoolClosedError: Error, Sendable, CustomStringConvertible {
    public var description: String { "the MariaDB connection pool is closed" }
}
#endif

#if MariaDB
/// A connection lent by ``MariaDBConnectionPool``: its statements run on the pool's threads.
public struct MariaDBPooledConnection: Sendable {
    let connection: MariaDBConnection
    let threadPool: NIOThreadPool

    /// Runs one prepared statement (``MariaDBConnection/execute(_:_:)``) on the pool's threads. Cancellation does
    /// not stop it (a COMMIT or ROLLBACK that a cancelled task skipped would leave a transaction open on a pooled
    /// connection): its outcome is what this returns or throws.
    public func execute(_ sql: String, _ binds: [MariaDBValue] = []) async throws -> MariaDBResult {
        let connection = connection
        return try await threadPool.runUncancellable { try connection.execute(sql, binds) }
    }

    /// `major * 10000 + minor * 100 + patch`.
    public var serverVersion: Int { connection.serverVersion }
}
#endif

#if MariaDB
extension NIOThreadPool {
    /// `runIfActive` without its cancellation: once asked for, the work runs (unless the pool has stopped).
    func runUncancellable<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { state in
                guard case .active = state else {
                    continuation.resume(throwing: MariaDBPoolClosedError())
                    return
                }
                continuation.resume(with: Result(catching: body))
            }
        }
    }
}
#endif
