extension Migrations {
    /// `delivery_log` as revision 0003 rebuilds it on SQLite, with the statuses it allows: 0001's columns, frozen
    /// here (0001 keeps its own literal SQL; a released revision never changes).
    static func deliveryLogTable(_ t: ColumnTypes, name: String = "delivery_log", statuses: [String]) -> String {
        let stamps = "created_at \(t.timestamp) NOT NULL, updated_at \(t.timestamp) NOT NULL"
        let list = statuses.map { "'\($0)'" }.joined(separator: ", ")
        return """
            CREATE TABLE \(name) (
                id \(t.uuid) PRIMARY KEY,
                domain_id \(t.uuid) REFERENCES domains(id) ON DELETE SET NULL,
                message_id TEXT NOT NULL,
                stored_message_id \(t.uuid) REFERENCES messages(id) ON DELETE SET NULL,
                recipient_id \(t.uuid) REFERENCES recipients(id) ON DELETE SET NULL,
                webhook_url TEXT NOT NULL,
                payload_hash VARCHAR(64) NOT NULL,
                status VARCHAR(16) NOT NULL CHECK (status IN (\(list))),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_retry_at \(t.timestamp),
                last_error TEXT,
                last_status_code INTEGER,
                instance_id VARCHAR(255) NOT NULL,
                locked_by VARCHAR(255),
                locked_until \(t.timestamp),
                delivered_at \(t.timestamp),
                payload \(t.json) NOT NULL,
                dkim_result VARCHAR(16),
                spf_result VARCHAR(16),
                \(stamps)
            )
            """
    }

    /// 0001's indexes on `delivery_log`, recreated by 0003's SQLite rebuild.
    static let deliveryLogIndexes = [
        "CREATE INDEX ix_delivery_log_due ON delivery_log (status, next_retry_at)",
        "CREATE INDEX ix_delivery_log_domain ON delivery_log (domain_id, created_at)",
        "CREATE INDEX ix_delivery_log_stored_message ON delivery_log (stored_message_id)",
    ]

    /// Changes the statuses `delivery_log` allows: PostgreSQL swaps the CHECK constraint; SQLite, which cannot alter
    /// a constraint, rebuilds the table (same columns, rows copied, indexes recreated) inside the revision's
    /// transaction.
    static func deliveryLogStatuses(_ dialect: SQLDialectKind, _ statuses: [String]) -> [String] {
        let list = statuses.map { "'\($0)'" }.joined(separator: ", ")
        switch dialect {
        case .postgresql:
            return [
                "ALTER TABLE delivery_log DROP CONSTRAINT IF EXISTS delivery_log_status_check",
                "ALTER TABLE delivery_log ADD CONSTRAINT delivery_log_status_check CHECK (status IN (\(list)))",
            ]
        case .mariadb:
            // 0001's CHECK is part of the column's definition: redefining the column drops it.
            return [
                "ALTER TABLE delivery_log MODIFY COLUMN status VARCHAR(16) NOT NULL",
                "ALTER TABLE delivery_log DROP CONSTRAINT IF EXISTS delivery_log_status_check",
                "ALTER TABLE delivery_log ADD CONSTRAINT delivery_log_status_check CHECK (status IN (\(list)))",
            ]
        case .sqlite:
            return [
                deliveryLogTable(ColumnTypes(dialect), name: "delivery_log_rebuilt", statuses: statuses),
                "INSERT INTO delivery_log_rebuilt SELECT * FROM delivery_log",
                "DROP TABLE delivery_log",
                "ALTER TABLE delivery_log_rebuilt RENAME TO delivery_log",
            ] + deliveryLogIndexes
        }
    }

    /// 0003: what rules decide. Rules get `negate`; deliveries can be `dropped` (a drop rule: nothing is sent) or
    /// `quarantined` (held until released). Going back removes dropped and quarantined rows.
    static let m0003RuleOutcomes = Migration(
        revision: "0003",
        description: "rule negation; dropped and quarantined deliveries",
        up: { dialect in
            ["ALTER TABLE rules ADD COLUMN negate BOOLEAN NOT NULL DEFAULT FALSE"]
                + deliveryLogStatuses(
                    dialect, ["pending", "delivered", "failed", "exhausted", "dropped", "quarantined"])
        },
        down: { dialect in
            ["DELETE FROM delivery_log WHERE status IN ('dropped', 'quarantined')"]
                + deliveryLogStatuses(dialect, ["pending", "delivered", "failed", "exhausted"])
                + ["ALTER TABLE rules DROP COLUMN negate"]
        }
    )
}
