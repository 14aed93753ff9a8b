import Logging
import PostgresNIO
import SQLKit

extension Database {
    /// The channel FastSMTP uses to tell other replicas that deliveries were queued.
    public static let deliveriesChannel = "fastsmtp_deliveries"

    /// Whether ``listen(on:_:)`` can hear other processes (PostgreSQL only; SQLite deployments are one process).
    public var supportsNotifications: Bool { dialect == .postgresql }

    /// Queues a notification inside the caller's transaction; PostgreSQL delivers it when that transaction commits.
    static func notify(_ sql: any SQLDatabase, dialect: SQLDialectKind, channel: String) async throws {
        guard dialect == .postgresql else { return }
        try await sql.raw("SELECT pg_notify(\(bind: channel), '')").run()
    }

    /// Calls `onNotification` for every notification on `channel` until the task is cancelled; reconnects after
    /// errors. Returns at once on SQLite. Holds one pooled connection while listening.
    public func listen(on channel: String, _ onNotification: @escaping @Sendable () -> Void) async {
        guard case .postgres = location else { return }
        while !Task.isCancelled {
            do {
                try await withPostgresConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        // Anything committed while we were not listening: look once.
                        onNotification()
                        for try await _ in notifications { onNotification() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "LISTEN \(channel) failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
