import NIOConcurrencyHelpers
import NIOCore
import SMTPCore

/// What the server may do to one connection from outside its task: ask it to stop after its transaction, or cut it.
final class ConnectionControl: Sendable {
    let channel: any Channel
    private let state = NIOLockedValueBox(State())

    struct State {
        var inTransaction = false
        var shutdownRequested = false
        var closing = false
    }

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Called by the connection after each step.
    func update(inTransaction: Bool) {
        state.withLockedValue { $0.inTransaction = inTransaction }
    }

    var shutdownRequested: Bool { state.withLockedValue { $0.shutdownRequested } }

    /// Marks the connection as closing by itself, so the shutdown path won't write into it as well.
    func markClosing() -> Bool {
        state.withLockedValue { state in
            defer { state.closing = true }
            return !state.closing
        }
    }

    /// Graceful shutdown: an idle connection is told and closed now; a busy one is flagged and closes itself
    /// after its transaction.
    func requestShutdown() {
        let closeNow = state.withLockedValue { state -> Bool in
            state.shutdownRequested = true
            if state.inTransaction || state.closing { return false }
            state.closing = true
            return true
        }
        if closeNow {
            let reply = SMTPReply(421, "4.3.2", "Service shutting down, closing transmission channel")
            channel.writeAndFlush(channel.allocator.buffer(bytes: reply.encoded)).whenComplete { [channel] _ in
                channel.close(promise: nil)
            }
        }
    }
}

/// The open connections of one server, and their admission against the connection limits.
final class ConnectionRegistry: Sendable {
    private struct State {
        var controls: [ObjectIdentifier: ConnectionControl] = [:]
        var shuttingDown = false
        var limiter: ConnectionLimiter
    }

    private let state: NIOLockedValueBox<State>

    init(limits: SMTPConnectionLimits = SMTPConnectionLimits()) {
        state = NIOLockedValueBox(
            State(
                limiter: ConnectionLimiter(
                    maxConnections: limits.maxConnections, maxConnectionsPerIP: limits.maxConnectionsPerIP
                )))
    }

    var count: Int { state.withLockedValue { $0.controls.count } }

    func add(_ control: ConnectionControl) {
        let shuttingDown = state.withLockedValue { state in
            state.controls[ObjectIdentifier(control)] = control
            return state.shuttingDown
        }
        if shuttingDown { control.requestShutdown() }
    }

    func remove(_ control: ConnectionControl) {
        _ = state.withLockedValue { $0.controls.removeValue(forKey: ObjectIdentifier(control)) }
    }

    /// Counts a connection from `clientIP` against the limits; an admitted one must be ``release(_:)``d.
    func admit(_ clientIP: String) -> ConnectionLimiter.Decision {
        state.withLockedValue { $0.limiter.admit(clientIP) }
    }

    func release(_ clientIP: String) {
        state.withLockedValue { $0.limiter.release(clientIP) }
    }

    func beginShutdown() {
        let controls = state.withLockedValue { state in
            state.shuttingDown = true
            return Array(state.controls.values)
        }
        for control in controls { control.requestShutdown() }
    }

    func closeAll() {
        let controls = state.withLockedValue { Array($0.controls.values) }
        for control in controls { control.channel.close(promise: nil) }
    }
}
