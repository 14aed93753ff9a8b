import Foundation
import SQLKit

/// What one purge removed.
public struct PurgeResult: Sendable, Equatable {
    public var deliveries: Int
    public var messages: Int

    public init(deliveries: Int, messages: Int) {
        self.deliveries = deliveries
        self.messages = messages
    }
}

extension Store {
    /// Deletes finished deliveries (`delivered`, `failed`, `exhausted`, `dropped`) last changed before `cutoff`, then
    /// stored messages received before `cutoff` that no delivery refers to any more. `pending` and `quarantined` rows
    /// are never purged, and neither is a message one of them needs. Works in batches of `batchSize`, each its own
    /// short transaction, so that the accept path is never held up for long; SQLite reuses the freed pages.
    public func purge(before cutoff: Date, batchSize: Int = 500) async throws -> PurgeResult {
        var result = PurgeResult(deliveries: 0, messages: 0)
        // MariaDB takes no LIMIT in an IN subquery: there the batch is a derived table, read before the delete.
        let (batchOpen, batchClose) =
            database.dialect == .mariadb ? ("SELECT id FROM (", ") AS batch") : ("", "")
        while true {
            let deleted = try await database.withConnection { sql in
                try await sql.raw(
                    """
                    DELETE FROM delivery_log
                    WHERE id IN (\(unsafeRaw: batchOpen)
                        SELECT id FROM delivery_log
                        WHERE status IN ('delivered', 'failed', 'exhausted', 'dropped') AND updated_at < \(bind: cutoff)
                        LIMIT \(bind: batchSize)\(unsafeRaw: batchClose)
                    )
                    -- Again on the row itself: a retry that re-queued it meanwhile keeps it (PostgreSQL re-checks
                    -- only the outer condition once it holds the row lock).
                    AND status IN ('delivered', 'failed', 'exhausted', 'dropped') AND updated_at < \(bind: cutoff)
                    RETURNING id
                    """
                ).all().count
            }
            result.deliveries += deleted
            if deleted < batchSize { break }
        }
        while true {
            let deleted = try await database.withConnection { sql in
                try await sql.raw(
                    """
                    DELETE FROM messages
                    WHERE id IN (\(unsafeRaw: batchOpen)
                        SELECT m.id FROM messages m
                        WHERE m.received_at < \(bind: cutoff)
                          AND NOT EXISTS (SELECT 1 FROM delivery_log d WHERE d.stored_message_id = m.id)
                        LIMIT \(bind: batchSize)\(unsafeRaw: batchClose)
                    )
                    AND NOT EXISTS (SELECT 1 FROM delivery_log d WHERE d.stored_message_id = messages.id)
                    RETURNING id
                    """
                ).all().count
            }
            result.messages += deleted
            if deleted < batchSize { break }
        }
        return result
    }
}
