extension Migrations {
    /// 0004: indexes for the retention purge (finished deliveries by age, messages by age), so that each batch reads
    /// only what it deletes.
    static let m0004RetentionIndexes = Migration(
        revision: "0004",
        description: "retention indexes",
        up: { _ in
            [
                "CREATE INDEX ix_delivery_log_status_updated ON delivery_log (status, updated_at)",
                "CREATE INDEX ix_messages_received ON messages (received_at)",
            ]
        },
        down: { dialect in
            dialect == .mariadb
                ? [
                    "DROP INDEX ix_delivery_log_status_updated ON delivery_log",
                    "DROP INDEX ix_messages_received ON messages",
                ]
                : ["DROP INDEX ix_delivery_log_status_updated", "DROP INDEX ix_messages_received"]
        }
    )
}
