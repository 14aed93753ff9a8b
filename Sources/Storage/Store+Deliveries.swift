import FastSMTPModels
import Foundation
import SQLKit

/// One claim's hold on a delivery: the row is the claimer's while `lease_token` is this token and the lease has not
/// expired. Every claim draws a fresh token, so a stale attempt (its lease expired and another claim took the row)
/// can neither record an outcome nor renew.
public struct DeliveryLease: Sendable, Hashable {
    public var deliveryID: UUID
    public var token: String

    public init(deliveryID: UUID, token: String) {
        self.deliveryID = deliveryID
        self.token = token
    }
}

/// A delivery claimed by one worker: everything needed to POST it.
public struct ClaimedDelivery: Sendable {
    public var record: DeliveryRecord
    public var lease: DeliveryLease
    /// This delivery's stored part of the payload (or, for rows from before revision 0006, the whole payload).
    public var payloadJSON: Data
    /// The message part of the payload, stored once per message (nil for rows from before revision 0006).
    public var messagePayloadJSON: Data?
    /// The recipient's current extra headers (empty when the recipient is gone).
    public var webhookHeaders: [String: String]
    /// The recipient's signing secret (`whsec_…`); nil when the recipient is gone.
    public var signingSecret: String?
}

/// What a worker learned from one attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered(statusCode: Int)
    case retry(at: Date, statusCode: Int?, error: String)
    case failed(statusCode: Int?, error: String)
    case exhausted(statusCode: Int?, error: String)
}

extension Store {
    /// Claims up to `limit` due deliveries for `instanceID`, leased until `now + lease` under one fresh token, and
    /// counts the attempt.
    ///
    /// Due: `pending`, `next_retry_at` reached, and not leased (or the lease expired: its worker died).
    /// On PostgreSQL and MariaDB `FOR UPDATE SKIP LOCKED` lets replicas claim concurrently without waiting on each
    /// other.
    /// Rows for a destination in `excludingOrigins` (``WebhookOrigin``) are left for later.
    public func claimDueDeliveries(
        limit: Int, instanceID: String, lease: TimeInterval, excludingOrigins: [String] = []
    ) async throws -> [ClaimedDelivery] {
        let stamp = now()
        let until = stamp.addingTimeInterval(lease)
        let token = UUID().uuidString.lowercased()
        let dialect = database.dialect
        let skipLocked = dialect == .sqlite ? "" : "FOR UPDATE SKIP LOCKED"
        let (payloadText, messagePayloadText) =
            dialect == .postgresql ? ("d.payload::text", "m.payload::text") : ("d.payload", "m.payload")
        let due: SQLQueryString = """
            SELECT id FROM delivery_log
            WHERE status = 'pending' AND next_retry_at <= \(bind: stamp)
              AND (locked_until IS NULL OR locked_until < \(bind: stamp))
              \(unsafeRaw: excludingOrigins.isEmpty ? "" : "AND COALESCE(webhook_origin, '') NOT IN (")\(
                binds: excludingOrigins)\(unsafeRaw: excludingOrigins.isEmpty ? "" : ")")
            ORDER BY next_retry_at
            LIMIT \(bind: limit)
            \(unsafeRaw: skipLocked)
            """
        let leaseRows: SQLQueryString = """
            UPDATE delivery_log
            SET locked_by = \(bind: instanceID), locked_until = \(bind: until), lease_token = \(bind: token),
                attempts = attempts + 1, instance_id = \(bind: instanceID), updated_at = \(bind: stamp)
            """
        // One transaction (shared with the other writes of the moment): a claim whose rows cannot be read back leaves
        // nothing leased.
        return try await database.withGroupTransaction { sql in
            if dialect == .mariadb {
                // MariaDB takes no LIMIT in an IN subquery: the due rows are locked first (skipping rows another
                // claim holds), then leased by id, in the same transaction.
                let ids = try await sql.raw(due).all().map { try $0.decode(column: "id", as: UUID.self) }
                guard !ids.isEmpty else { return [] }
                try await sql.raw(leaseRows + " WHERE id IN (\(binds: ids))").run()
            } else {
                try await sql.raw(leaseRows + " WHERE id IN (" + due + ")").run()
            }
            return try await sql.raw(
                """
                SELECT d.*, \(unsafeRaw: payloadText) AS payload_text, \(unsafeRaw: messagePayloadText) AS message_payload,
                       r.webhook_headers AS recipient_headers, r.signing_secret AS recipient_secret
                FROM delivery_log d LEFT JOIN recipients r ON r.id = d.recipient_id
                     LEFT JOIN messages m ON m.id = d.stored_message_id
                WHERE d.lease_token = \(bind: token)
                ORDER BY d.next_retry_at
                """
            ).all().map { row in
                let record = try row.decode(model: DeliveryRecord.self)
                let payload = try row.decode(column: "payload_text", as: String.self)
                return ClaimedDelivery(
                    record: record, lease: DeliveryLease(deliveryID: record.id, token: token),
                    payloadJSON: Data(payload.utf8),
                    messagePayloadJSON: try row.decode(column: "message_payload", as: String?.self).map {
                        Data($0.utf8)
                    },
                    webhookHeaders: try row.decode(column: "recipient_headers", as: [String: String]?.self) ?? [:],
                    signingSecret: try row.decode(column: "recipient_secret", as: String?.self))
            }
        }
    }

    /// Records the outcome of the attempt made under `lease`. Ignored (returns false) when the lease was lost
    /// meanwhile: another claim owns the row, or it was released.
    @discardableResult
    public func record(_ outcome: DeliveryOutcome, lease: DeliveryLease) async throws -> Bool {
        let stamp = now()
        let (status, code, error, nextRetry, deliveredAt): (DeliveryStatus, Int?, String?, Date?, Date?) =
            switch outcome {
            case .delivered(let statusCode): (.delivered, statusCode, nil, nil, stamp)
            case .retry(let at, let statusCode, let message): (.pending, statusCode, message, at, nil)
            case .failed(let statusCode, let message): (.failed, statusCode, message, nil, nil)
            case .exhausted(let statusCode, let message): (.exhausted, statusCode, message, nil, nil)
            }
        // Outcomes recorded at the same moment share one commit.
        return try await database.withGroupTransaction { sql in
            try await Store.updatedRows(
                sql,
                """
                UPDATE delivery_log
                SET status = \(bind: status.rawValue), last_status_code = \(bind: code), last_error = \(bind: error),
                    next_retry_at = \(bind: nextRetry), delivered_at = \(bind: deliveredAt),
                    locked_by = NULL, locked_until = NULL, lease_token = NULL, updated_at = \(bind: stamp)
                WHERE id = \(bind: lease.deliveryID) AND lease_token = \(bind: lease.token)
                """
            ) > 0
        }
    }

    /// Extends `lease` to `now + duration` while its attempt is still running. False when the lease was lost.
    public func renew(_ lease: DeliveryLease, for duration: TimeInterval) async throws -> Bool {
        let stamp = now()
        return try await database.withConnection { sql in
            try await Store.updatedRows(
                sql,
                """
                UPDATE delivery_log SET locked_until = \(bind: stamp.addingTimeInterval(duration))
                WHERE id = \(bind: lease.deliveryID) AND lease_token = \(bind: lease.token) AND status = 'pending'
                """
            ) > 0
        }
    }

    /// Gives a claimed delivery back without an outcome: due again at once, the attempt not counted (shutdown cut it
    /// short, or its destination had no free slot after all). False when the lease was lost meanwhile.
    @discardableResult
    public func release(_ lease: DeliveryLease) async throws -> Bool {
        let stamp = now()
        return try await database.withConnection { sql in
            try await Store.updatedRows(
                sql,
                """
                UPDATE delivery_log SET locked_by = NULL, locked_until = NULL, lease_token = NULL,
                    attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = \(bind: stamp)
                WHERE id = \(bind: lease.deliveryID) AND lease_token = \(bind: lease.token) AND status = 'pending'
                """
            ) > 0
        }
    }

    /// Releases every lease recorded under `instanceID`, so its rows are due again at once. Called when an instance
    /// starts, before it claims anything: whatever it held then belonged to a process that is gone (a crash or
    /// `kill -9`), and waiting for those leases to expire would only delay that mail. Returns how many were released.
    @discardableResult
    public func releaseLeases(instanceID: String) async throws -> Int {
        let stamp = now()
        let released = try await database.withTransaction { [dialect = database.dialect] sql in
            let released = try await Store.updatedRows(
                sql,
                """
                UPDATE delivery_log SET locked_by = NULL, locked_until = NULL, lease_token = NULL,
                    updated_at = \(bind: stamp)
                WHERE status = 'pending' AND locked_by = \(bind: instanceID) AND lease_token IS NOT NULL
                """
            )
            if released > 0 {
                try await Database.notify(sql, dialect: dialect, channel: Database.deliveriesChannel)
            }
            return released
        }
        return released
    }

    public func delivery(id: UUID) async throws -> DeliveryRecord? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT \(unsafeRaw: DeliveryRecord.columns) FROM delivery_log WHERE id = \(bind: id)")
                .first(decoding: DeliveryRecord.self)
        }
    }

    /// The deliveries of one stored message, oldest first.
    public func deliveries(storedMessageID: UUID) async throws -> [DeliveryRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT \(unsafeRaw: DeliveryRecord.columns) FROM delivery_log
                WHERE stored_message_id = \(bind: storedMessageID) ORDER BY created_at, id
                """
            ).all(decoding: DeliveryRecord.self)
        }
    }

    /// Every delivery, newest first (bounded).
    public func recentDeliveries(limit: Int = 100) async throws -> [DeliveryRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT \(unsafeRaw: DeliveryRecord.columns) FROM delivery_log ORDER BY created_at DESC LIMIT \(bind: limit)
                """
            ).all(decoding: DeliveryRecord.self)
        }
    }

    /// Deliveries waiting to be sent (`pending`, leased ones included): one count along the `status` index.
    public func pendingDeliveryCount() async throws -> Int {
        try await database.withReadConnection { sql in
            try await sql.raw("SELECT count(*) AS n FROM delivery_log WHERE status = 'pending'").first()?.decode(
                column: "n", as: Int.self) ?? 0
        }
    }

    public func deliveryCount() async throws -> Int {
        try await count("delivery_log")
    }

    /// The time the earliest pending delivery that no one holds falls due, if any (lets the worker sleep exactly that
    /// long). One step along the `(status, next_retry_at)` index, however long the backlog; a row under a lease is
    /// skipped (its worker records it, or its lease expires and the poll finds it).
    public func nextDueDate() async throws -> Date? {
        let stamp = now()
        return try await database.withReadConnection { sql in
            try await sql.raw(
                """
                SELECT next_retry_at FROM delivery_log
                WHERE status = 'pending' AND (locked_until IS NULL OR locked_until < \(bind: stamp))
                ORDER BY next_retry_at LIMIT 1
                """
            ).first()?.decode(column: "next_retry_at", as: Date?.self)
        }
    }
}

extension Store {
    /// A domain's deliveries, newest first; `cursor` is the id of the last row of the previous page (its exact
    /// created_at is read in the query, so no timestamp round-trips through the client).
    public func deliveries(
        domainID: UUID, status: DeliveryStatus?, since: Date?, limit: Int,
        after cursor: UUID?
    ) async throws -> [DeliveryRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT \(unsafeRaw: DeliveryRecord.columns) FROM delivery_log
                WHERE domain_id = \(bind: domainID)
                  AND (\(bind: status == nil) OR status = \(bind: status?.rawValue ?? ""))
                  AND (\(bind: since == nil) OR created_at >= \(bind: since ?? Date(timeIntervalSince1970: 0)))
                  AND (\(bind: cursor == nil) OR (created_at, id) < (
                        SELECT c.created_at, c.id FROM delivery_log c WHERE c.id = \(bind: cursor ?? UUID())))
                ORDER BY created_at DESC, id DESC
                LIMIT \(bind: limit)
                """
            ).all(decoding: DeliveryRecord.self)
        }
    }

    /// Queues a failed or exhausted delivery again, with a fresh retry budget. ``StoreError/wrongState(_:)`` when it
    /// is in any other state.
    public func retryDelivery(id: UUID) async throws -> DeliveryRecord {
        try await requeue(id: id, from: [.failed, .exhausted])
    }

    /// Releases a quarantined delivery: it becomes `pending` and is delivered like any other.
    /// ``StoreError/wrongState(_:)`` when the row is not quarantined.
    public func releaseDelivery(id: UUID) async throws -> DeliveryRecord {
        try await requeue(id: id, from: [.quarantined])
    }

    /// Makes a delivery in one of `states` pending again, due now, with a fresh retry budget; other replicas' workers
    /// hear of it on commit.
    private func requeue(id: UUID, from states: [DeliveryStatus]) async throws -> DeliveryRecord {
        let stamp = now()
        let dialect = database.dialect
        let list = states.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let changed = try await database.withTransaction { sql in
            let changed = try await Store.updatedRows(
                sql,
                """
                UPDATE delivery_log SET status = 'pending', attempts = 0, next_retry_at = \(bind: stamp),
                    locked_by = NULL, locked_until = NULL, lease_token = NULL, updated_at = \(bind: stamp)
                WHERE id = \(bind: id) AND status IN (\(unsafeRaw: list))
                """
            )
            if changed > 0 {
                try await Database.notify(sql, dialect: dialect, channel: Database.deliveriesChannel)
            }
            return changed
        }
        guard let record = try await delivery(id: id) else { throw StoreError.notFound("delivery \(id)") }
        if changed == 0 {
            let names = states.map(\.rawValue).joined(separator: " or ")
            throw StoreError.wrongState("delivery \(id) is \(record.status.rawValue), not \(names)")
        }
        return record
    }

    /// Discards a quarantined delivery (the row is deleted; the stored message goes when nothing refers to it).
    /// ``StoreError/wrongState(_:)`` when the row is not quarantined, ``StoreError/notFound(_:)`` when there is none.
    public func discardQuarantined(id: UUID) async throws {
        let deleted = try await database.withTransaction { sql in
            let message = try await sql.raw(
                "SELECT stored_message_id FROM delivery_log WHERE id = \(bind: id) AND status = 'quarantined'"
            ).first()?.decode(column: "stored_message_id", as: UUID?.self)
            let deleted = try await sql.raw(
                "DELETE FROM delivery_log WHERE id = \(bind: id) AND status = 'quarantined' RETURNING id"
            ).all().count
            if deleted > 0, let message {
                try await sql.raw(
                    """
                    DELETE FROM messages WHERE id = \(bind: message)
                      AND NOT EXISTS (SELECT 1 FROM delivery_log WHERE stored_message_id = \(bind: message))
                    """
                ).run()
            }
            return deleted
        }
        guard deleted == 0 else { return }
        guard let record = try await delivery(id: id) else { throw StoreError.notFound("delivery \(id)") }
        throw StoreError.wrongState("delivery \(id) is \(record.status.rawValue), not quarantined")
    }

    /// The payload a delivery sends (without attachment contents and raw bytes: the worker adds those when it sends).
    public func deliveryPayload(id: UUID) async throws -> WebhookPayload? {
        let (payload, message) =
            database.dialect == .postgresql ? ("d.payload::text", "m.payload::text") : ("d.payload", "m.payload")
        let row = try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT \(unsafeRaw: payload) AS p, \(unsafeRaw: message) AS mp
                FROM delivery_log d LEFT JOIN messages m ON m.id = d.stored_message_id WHERE d.id = \(bind: id)
                """
            ).first()
        }
        guard let row else { return nil }
        return try WebhookPayload.decode(
            messageJSON: try row.decode(column: "mp", as: String?.self).map { Data($0.utf8) },
            deliveryJSON: Data(try row.decode(column: "p", as: String.self).utf8))
    }
}

extension Store {
    /// The deliveries waiting (`pending`, leased ones included) and held (`quarantined`), and when the oldest
    /// pending one was queued; `status` leads two indexes (`ix_delivery_log_due`, `ix_delivery_log_status_updated`),
    /// so the finished rows kept for retention are not read.
    public func queueDepth() async throws -> (depth: [DeliveryStatus: Int], oldestPending: Date?) {
        try await database.withConnection(beginWithin: .seconds(2)) { sql in
            let rows = try await sql.raw(
                """
                SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM delivery_log
                WHERE status IN ('pending', 'quarantined') GROUP BY status
                """
            ).all()
            var depth: [DeliveryStatus: Int] = [.pending: 0, .quarantined: 0]
            var oldest: Date?
            for row in rows {
                guard let status = DeliveryStatus(rawValue: try row.decode(column: "status", as: String.self))
                else { continue }
                depth[status] = try row.decode(column: "n", as: Int.self)
                if status == .pending { oldest = try row.decode(column: "oldest", as: Date?.self) }
            }
            return (depth, oldest)
        }
    }
}
