extension Migrations {
    /// 0005: a token per claim (`lease_token`), so an attempt whose lease another claim took over can never record
    /// its outcome, and an instance can release the leases it held before it crashed; the destination of each row
    /// (`webhook_origin`, `scheme://host:port`), so claims can pass over a destination that already has all the
    /// requests in flight it may have.
    static let m0005DeliveryLeaseTokens = Migration(
        revision: "0005",
        description: "delivery lease tokens and destinations",
        up: { _ in
            [
                "ALTER TABLE delivery_log ADD COLUMN lease_token VARCHAR(64)",
                "CREATE INDEX ix_delivery_log_lease ON delivery_log (lease_token)",
                "ALTER TABLE delivery_log ADD COLUMN webhook_origin VARCHAR(300)",
            ]
        },
        down: { dialect in
            [
                "ALTER TABLE delivery_log DROP COLUMN webhook_origin",
                dialect == .mariadb
                    ? "DROP INDEX ix_delivery_log_lease ON delivery_log" : "DROP INDEX ix_delivery_log_lease",
                "ALTER TABLE delivery_log DROP COLUMN lease_token",
            ]
        }
    )
}
