import NIOConcurrencyHelpers

/// Wakes the delivery workers the moment a message is committed, so polling is only the fallback.
///
/// `signal()` wakes every waiting worker; a signal that arrives while none waits is remembered once, so a commit that
/// happens between a worker's empty claim and its wait is never missed.
public final class DeliveryWakeup: Sendable {
    private struct State {
        var pending = false
        var stopped = false
        var nextWaiterID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Wakes all waiting workers (or the next one to wait).
    public func signal() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            if state.waiters.isEmpty {
                state.pending = true
                return []
            }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Wakes everyone for good: waits return at once from now on.
    public func stop() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    public var isStopped: Bool { state.withLockedValue { $0.stopped } }

    /// Returns after a signal, after `timeout`, on `stop()` or when the task is cancelled, whichever comes first.
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        let id = state.withLockedValue { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.stopped || Task.isCancelled { return true }
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
            continuation?.resume()
        }
    }
}
