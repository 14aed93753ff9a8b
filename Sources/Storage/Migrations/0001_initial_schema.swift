extension Migrations {
    /// 0001: SPEC.md's tables, plus `messages` (each accepted message stored once; deliveries reference it).
    static let m0001InitialSchema = Migration(
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
                // NULLs are distinct in UNIQUE constraints: this keeps one catch-all per domain. MariaDB has no partial
                // index: a unique index on the domain and an invisible generated column set only for catch-alls
                // (not on domain_id itself: a generated column may not read a column with a cascading foreign key).
                dialect == .mariadb
                    ? """
                    ALTER TABLE recipients ADD COLUMN is_catch_all TINYINT
                        AS (CASE WHEN local_part IS NULL THEN 1 END) VIRTUAL INVISIBLE,
                    ADD UNIQUE INDEX ux_recipients_catch_all (domain_id, is_catch_all)
                    """
                    : "CREATE UNIQUE INDEX ux_recipients_catch_all ON recipients (domain_id) WHERE local_part IS NULL",
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
