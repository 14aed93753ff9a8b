import NIOConcurrencyHelpers

/// Webhook requests in flight per destination (``WebhookOrigin``), capped at `limit` each, so one endpoint that
/// never answers holds at most `limit` of the worker's requests and the others keep delivering to everyone else.
///
/// A delivery claimed for a destination whose slots are all taken waits for one, first come first served, for a
/// bounded time; the claims pass over destinations that are saturated or have deliveries waiting.
final class WebhookHostSlots: Sendable {
    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var inFlight: [String: Int] = [:]
        var waiters: [String: [Waiter]] = [:]
        var nextID = 0
    }

    private let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot for `origin`; false when all of its slots are taken (or deliveries wait for them).
    func tryAcquire(_ origin: String) -> Bool {
        state.withLockedValue { take(origin, in: &$0) }
    }

    /// The one rule for taking a slot: one is free and no one waits before this caller.
    private func take(_ origin: String, in state: inout State) -> Bool {
        let current = state.inFlight[origin, default: 0]
        guard current < limit, state.waiters[origin, default: []].isEmpty else { return false }
        state.inFlight[origin] = current + 1
        return true
    }

    /// Takes a slot for `origin`, waiting up to `limit` for one; false when none came free in time (or the task was
    /// cancelled).
    func acquire(_ origin: String, within limit: Duration) async -> Bool {
        if tryAcquire(origin) { return true }
        let id = state.withLockedValue { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                        let now = self.state.withLockedValue { state -> Bool? in
                            if Task.isCancelled { return false }
                            if self.take(origin, in: &state) { return true }
                            state.waiters[origin, default: []].append(Waiter(id: id, continuation: continuation))
                            return nil
                        }
                        if let now { continuation.resume(returning: now) }
                    }
                } onCancel: {
                    self.giveUp(origin, id: id)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            // The timer's nil means "gave up": withdraw the waiter (if a slot was handed over meanwhile, the waiter's
            // answer is true and is taken below).
            var granted = false
            for await answer in group {
                if let answer {
                    granted = answer
                    group.cancelAll()
                    break
                }
                self.giveUp(origin, id: id)
            }
            return granted
        }
    }

    /// Withdraws the waiter `id`, if it still waits (answered false).
    private func giveUp(_ origin: String, id: Int) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard let index = state.waiters[origin]?.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = state.waiters[origin]!.remove(at: index)
            if state.waiters[origin]!.isEmpty { state.waiters[origin] = nil }
            return waiter
        }
        waiter?.continuation.resume(returning: false)
    }

    /// Gives a slot back: to the first delivery waiting for this destination, if one waits.
    func release(_ origin: String) {
        let next = state.withLockedValue { state -> Waiter? in
            if var waiting = state.waiters[origin], !waiting.isEmpty {
                let first = waiting.removeFirst()
                state.waiters[origin] = waiting.isEmpty ? nil : waiting
                return first
            }
            let remaining = state.inFlight[origin, default: 1] - 1
            state.inFlight[origin] = remaining > 0 ? remaining : nil
            return nil
        }
        next?.continuation.resume(returning: true)
    }

    /// The destinations with no free slot, or deliveries waiting for one: claims pass over their rows.
    var saturated: [String] {
        state.withLockedValue { state in
            Set(state.inFlight.filter { $0.value >= limit }.map(\.key)).union(state.waiters.keys).sorted()
        }
    }
}
