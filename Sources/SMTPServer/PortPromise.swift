import NIOConcurrencyHelpers

/// The port a listener ends up bound to, awaited by whoever needs it (tests bind to port 0).
public final class PortPromise: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Int, any Error>])
        case done(Result<Int, any Error>)
    }

    private let state = NIOLockedValueBox<State>(.waiting([]))

    public init() {}

    /// Waits for the bind; throws if binding failed.
    public func value() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Int, any Error>? = state.withLockedValue { state in
                switch state {
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                case .done(let result):
                    return result
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// Settles the promise; later calls are ignored.
    public func complete(_ result: Result<Int, any Error>) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Int, any Error>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}
