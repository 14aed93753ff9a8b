/// A FIFO mutual-exclusion lock for async code: at most one holder at a time, waiters resumed in order.
///
/// Used to give the single SQLite connection to one session (query or transaction) at a time. A waiter can give up
/// after a while (``withLock(within:_:)``): only the wait is bounded, never what the holder does.
actor AsyncMutex {
    private var locked = false
    private var nextTicket = 0
    /// Waiters in arrival order, each resumed with `true` (it holds the lock) or `false` (it gave up).
    private var waiters: [(ticket: Int, continuation: CheckedContinuation<Bool, Never>)] = []

    /// Runs `body` holding the lock; with `limit`, only if the lock is granted within it (``DatabaseBusyError``
    /// otherwise, and `body` never runs).
    nonisolated func withLock<R: Sendable>(
        within limit: Duration? = nil, _ body: () async throws -> R
    ) async throws -> R {
        guard await acquire(within: limit) else { throw DatabaseBusyError(waited: limit ?? .zero) }
        do {
            let result = try await body()
            await unlock()
            return result
        } catch {
            await unlock()
            throw error
        }
    }

    /// Takes the lock, waiting at most `limit` (forever when nil); `false` when it was not granted in time (the
    /// waiter is gone then).
    private func acquire(within limit: Duration?) async -> Bool {
        if !locked {
            locked = true
            return true
        }
        let ticket = nextTicket
        nextTicket += 1
        let timer = limit.map { limit in
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                await self?.expire(ticket)
            }
        }
        let granted = await withCheckedContinuation { waiters.append((ticket, $0)) }
        timer?.cancel()
        return granted
    }

    private func expire(_ ticket: Int) {
        guard let index = waiters.firstIndex(where: { $0.ticket == ticket }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }

    private func unlock() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().continuation.resume(returning: true)
        }
    }
}

/// The database could not even begin the work in time (no connection or lock became free): nothing was done.
public struct DatabaseBusyError: Error, Sendable, CustomStringConvertible {
    public var waited: Duration
    public var description: String { "the database was not available within \(waited); nothing was written" }
}
