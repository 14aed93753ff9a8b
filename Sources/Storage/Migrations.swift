/// Every schema revision FastSMTP knows, oldest first. Append new revisions; never edit a released one.
public enum Migrations {
    public static let all: [Migration] = [
        initialSchema, recipientSigningSecrets, ruleOutcomes, retentionIndexes, deliveryLeaseTokens,
        messagePayloadOnce,
    ]
}

/// Column types per dialect, so a revision is written once.
struct ColumnTypes {
    let uuid, timestamp, json, bytes: String

    init(_ dialect: SQLDialectKind) {
        switch dialect {
        case .postgresql:
            (uuid, timestamp, json, bytes) = ("UUID", "TIMESTAMPTZ", "JSONB", "BYTEA")
        case .sqlite:
            // SQLiteNIO stores Date as REAL (Unix seconds) and UUID as text; JSON is text.
            (uuid, timestamp, json, bytes) = ("TEXT", "REAL", "TEXT", "BLOB")
        }
    }
}

extension Migrations {
    /// 0001: SPEC.md's tables, plus `messages` (each accepted message stored once; deliveries reference it).
    static let initialSchema = Migration(
        revision: "0001",
        description: "initial schema",
        up: { dialect in
            let t = ColumnTypes(dialect)
            let stamps = "created_at \(t.timestamp) NOT NULL, updated_at \(t.timestamp) NOT NULL"
            return [
                """
                CREATE TABLE users (
                    id \(t.uuid) PRIMARY KEY,
                    username VARCHAR(255) NOT NULL UNIQUE,
                    email VARCHAR(320),
                    is_active BOOLEAN NOT NULL DEFAULT TRUE,
                    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
                    \(stamps)
                )
                """,
                """
                CREATE TABLE api_keys (
                    id \(t.uuid) PRIMARY KEY,
                    user_id \(t.uuid) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    key_hash VARCHAR(128) NOT NULL UNIQUE,
                    key_prefix VARCHAR(32) NOT NULL,
                    name VARCHAR(255) NOT NULL,
                    scopes \(t.json) NOT NULL,
                    expires_at \(t.timestamp),
                    last_used_at \(t.timestamp),
                    is_active BOOLEAN NOT NULL DEFAULT TRUE,
                    \(stamps)
                )
                """,
                "CREATE INDEX ix_api_keys_user_id ON api_keys (user_id)",
                """
                CREATE TABLE domains (
                    id \(t.uuid) PRIMARY KEY,
                    domain_name VARCHAR(253) NOT NULL UNIQUE,
                    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
                    verify_dkim BOOLEAN,
                    verify_spf BOOLEAN,
                    reject_dkim_fail BOOLEAN,
                    reject_spf_fail BOOLEAN,
                    \(stamps)
                )
                """,
                """
                CREATE TABLE domain_members (
                    id \(t.uuid) PRIMARY KEY,
                    user_id \(t.uuid) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    domain_id \(t.uuid) NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
                    role VARCHAR(16) NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
                    \(stamps),
                    UNIQUE (user_id, domain_id)
                )
                """,
                "CREATE INDEX ix_domain_members_domain_id ON domain_members (domain_id)",
                """
                CREATE TABLE recipients (
                    id \(t.uuid) PRIMARY KEY,
                    domain_id \(t.uuid) NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
                    local_part VARCHAR(64),
                    webhook_url TEXT NOT NULL,
                    webhook_headers \(t.json) NOT NULL,
                    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
                    \(stamps),
                    UNIQUE (domain_id, local_part)
                )
                """,
                // NULLs are distinct in UNIQUE constraints: this keeps one catch-all per domain.
                "CREATE UNIQUE INDEX ux_recipients_catch_all ON recipients (domain_id) WHERE local_part IS NULL",
                """
                CREATE TABLE rulesets (
                    id \(t.uuid) PRIMARY KEY,
                    domain_id \(t.uuid) NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
                    name VARCHAR(255) NOT NULL,
                    priority INTEGER NOT NULL DEFAULT 0,
                    stop_on_match BOOLEAN NOT NULL DEFAULT TRUE,
                    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
                    \(stamps),
                    UNIQUE (domain_id, name)
                )
                """,
                """
                CREATE TABLE rules (
                    id \(t.uuid) PRIMARY KEY,
                    ruleset_id \(t.uuid) NOT NULL REFERENCES rulesets(id) ON DELETE CASCADE,
                    "order" INTEGER NOT NULL,
                    field VARCHAR(255) NOT NULL,
                    operator VARCHAR(32) NOT NULL,
                    value TEXT NOT NULL,
                    case_sensitive BOOLEAN NOT NULL DEFAULT FALSE,
                    action VARCHAR(32) NOT NULL DEFAULT 'forward',
                    webhook_url_override TEXT,
                    add_tags \(t.json) NOT NULL,
                    \(stamps)
                )
                """,
                "CREATE INDEX ix_rules_ruleset_id ON rules (ruleset_id, \"order\")",
                """
                CREATE TABLE messages (
                    id \(t.uuid) PRIMARY KEY,
                    message_id TEXT NOT NULL,
                    mail_from TEXT NOT NULL,
                    rcpt_to \(t.json) NOT NULL,
                    helo TEXT NOT NULL,
                    client_ip VARCHAR(64) NOT NULL,
                    size INTEGER NOT NULL,
                    raw \(t.bytes) NOT NULL,
                    instance_id VARCHAR(255) NOT NULL,
                    received_at \(t.timestamp) NOT NULL,
                    \(stamps)
                )
                """,
                """
                CREATE TABLE delivery_log (
                    id \(t.uuid) PRIMARY KEY,
                    domain_id \(t.uuid) REFERENCES domains(id) ON DELETE SET NULL,
                    message_id TEXT NOT NULL,
                    stored_message_id \(t.uuid) REFERENCES messages(id) ON DELETE SET NULL,
                    recipient_id \(t.uuid) REFERENCES recipients(id) ON DELETE SET NULL,
                    webhook_url TEXT NOT NULL,
                    payload_hash VARCHAR(64) NOT NULL,
                    status VARCHAR(16) NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'exhausted')),
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
                """,
                "CREATE INDEX ix_delivery_log_due ON delivery_log (status, next_retry_at)",
                "CREATE INDEX ix_delivery_log_domain ON delivery_log (domain_id, created_at)",
                "CREATE INDEX ix_delivery_log_stored_message ON delivery_log (stored_message_id)",
            ]
        },
        down: { _ in
            [
                "delivery_log", "messages", "rules", "rulesets", "recipients", "domain_members", "domains", "api_keys",
                "users",
            ]
            .map { "DROP TABLE \($0)" }
        }
    )
}

extension Migrations {
    /// 0002: a per-recipient webhook signing secret (`whsec_…`, Standard Webhooks). Recipients from before get one
    /// the first time it is needed.
    static let recipientSigningSecrets = Migration(
        revision: "0002",
        description: "recipient signing secrets",
        up: { _ in ["ALTER TABLE recipients ADD COLUMN signing_secret VARCHAR(128)"] },
        down: { _ in ["ALTER TABLE recipients DROP COLUMN signing_secret"] }
    )
}

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
    static let ruleOutcomes = Migration(
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

extension Migrations {
    /// 0004: indexes for the retention purge (finished deliveries by age, messages by age), so that each batch reads
    /// only what it deletes.
    static let retentionIndexes = Migration(
        revision: "0004",
        description: "retention indexes",
        up: { _ in
            [
                "CREATE INDEX ix_delivery_log_status_updated ON delivery_log (status, updated_at)",
                "CREATE INDEX ix_messages_received ON messages (received_at)",
            ]
        },
        down: { _ in ["DROP INDEX ix_delivery_log_status_updated", "DROP INDEX ix_messages_received"] }
    )
}

extension Migrations {
    /// 0005: a token per claim (`lease_token`), so an attempt whose lease another claim took over can never record
    /// its outcome, and an instance can release the leases it held before it crashed; the destination of each row
    /// (`webhook_origin`, `scheme://host:port`), so claims can pass over a destination that already has all the
    /// requests in flight it may have.
    static let deliveryLeaseTokens = Migration(
        revision: "0005",
        description: "delivery lease tokens and destinations",
        up: { _ in
            [
                "ALTER TABLE delivery_log ADD COLUMN lease_token VARCHAR(64)",
                "CREATE INDEX ix_delivery_log_lease ON delivery_log (lease_token)",
                "ALTER TABLE delivery_log ADD COLUMN webhook_origin VARCHAR(300)",
            ]
        },
        down: { _ in
            [
                "ALTER TABLE delivery_log DROP COLUMN webhook_origin", "DROP INDEX ix_delivery_log_lease",
                "ALTER TABLE delivery_log DROP COLUMN lease_token",
            ]
        }
    )
}

extension Migrations {
    /// 0006: the message part of the webhook payload stored once, in `messages.payload`; a delivery row keeps only
    /// its own part (recipient, tags, rule, its domain's envelope recipients) and, when a rule chose another URL,
    /// `webhook_url_override` (so a recipient's new URL reaches its pending rows, but not an override's). A message
    /// over ``Store/rawChunkSize`` is stored in `message_chunks` (`messages.raw_chunks` of them, `raw` empty), so
    /// writing it never needs more than one chunk's copy. Going back puts each row's whole payload and each
    /// message's bytes together again in SQL.
    static let messagePayloadOnce = Migration(
        revision: "0006",
        description: "message payload stored once",
        up: { dialect in
            let t = ColumnTypes(dialect)
            return [
                "ALTER TABLE messages ADD COLUMN payload \(t.json)",
                "ALTER TABLE messages ADD COLUMN raw_chunks INTEGER NOT NULL DEFAULT 0",
                """
                CREATE TABLE message_chunks (
                    message_id \(t.uuid) NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    data \(t.bytes) NOT NULL,
                    PRIMARY KEY (message_id, seq)
                )
                """,
                "ALTER TABLE delivery_log ADD COLUMN webhook_url_override TEXT",
            ]
        },
        down: { dialect in
            let reassemble =
                switch dialect {
                case .postgresql:
                    """
                    UPDATE delivery_log d
                    SET payload = (d.payload - 'rcpt_to') || jsonb_build_object(
                        'version', '1', 'event', 'email.received',
                        'message', jsonb_set(m.payload, '{envelope,rcpt_to}', d.payload -> 'rcpt_to'))
                    FROM messages m WHERE m.id = d.stored_message_id AND m.payload IS NOT NULL
                    """
                case .sqlite:
                    """
                    UPDATE delivery_log
                    SET payload = json_set(
                        json_remove(payload, '$.rcpt_to'), '$.version', '1', '$.event', 'email.received',
                        '$.message', json_set(
                            json((SELECT m.payload FROM messages m WHERE m.id = delivery_log.stored_message_id)),
                            '$.envelope.rcpt_to', json(json_extract(payload, '$.rcpt_to'))))
                    WHERE stored_message_id IN (SELECT id FROM messages WHERE payload IS NOT NULL)
                    """
                }
            let inline =
                switch dialect {
                case .postgresql:
                    """
                    UPDATE messages m SET raw = (
                        SELECT string_agg(c.data, ''::bytea ORDER BY c.seq) FROM message_chunks c
                        WHERE c.message_id = m.id)
                    WHERE m.raw_chunks > 0
                    """
                case .sqlite:
                    """
                    UPDATE messages SET raw = (
                        SELECT CAST(group_concat(data, '') AS BLOB) FROM (
                            SELECT data FROM message_chunks c WHERE c.message_id = messages.id ORDER BY c.seq))
                    WHERE raw_chunks > 0
                    """
                }
            return [
                reassemble, inline, "DROP TABLE message_chunks", "ALTER TABLE messages DROP COLUMN raw_chunks",
                "ALTER TABLE delivery_log DROP COLUMN webhook_url_override", "ALTER TABLE messages DROP COLUMN payload",
            ]
        }
    )
}
