/// Bounding waits on things outside the process (database, DNS) so a stuck peer cannot hold a caller forever.

public struct TimeoutError: Error, Sendable, CustomStringConvertible {
    public var duration: Duration
    public var description: String { "timed out after \(duration)" }
}

/// Runs `operation`, failing with ``TimeoutError`` if it takes longer than `duration` (the operation is cancelled).
public func withTimeout<R: Sendable>(
    _ duration: Duration, _ operation: @escaping @Sendable () async throws -> R
) async throws -> R {
    try await withThrowingTaskGroup(of: R.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TimeoutError(duration: duration)
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TimeoutError(duration: duration) }
        return result
    }
}
