extension Migrations {
    /// 0006: the message part of the webhook payload stored once, in `messages.payload`; a delivery row keeps only
    /// its own part (recipient, tags, rule, its domain's envelope recipients) and, when a rule chose another URL,
    /// `webhook_url_override` (so a recipient's new URL reaches its pending rows, but not an override's). A message
    /// over ``Store/rawChunkSize`` is stored in `message_chunks` (`messages.raw_chunks` of them, `raw` empty), so
    /// writing it never needs more than one chunk's copy. Going back puts each row's whole payload and each
    /// message's bytes together again in SQL.
    static let m0006MessagePayloadOnce = Migration(
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
                case .mariadb:
                    """
                    UPDATE delivery_log d JOIN messages m ON m.id = d.stored_message_id
                    SET d.payload = JSON_SET(
                        JSON_REMOVE(d.payload, '$.rcpt_to'), '$.version', '1', '$.event', 'email.received',
                        '$.message', JSON_SET(
                            JSON_EXTRACT(m.payload, '$'), '$.envelope.rcpt_to', JSON_EXTRACT(d.payload, '$.rcpt_to')))
                    WHERE m.payload IS NOT NULL
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
                case .mariadb:
                    """
                    UPDATE messages m SET m.raw = (
                        SELECT GROUP_CONCAT(c.data ORDER BY c.seq SEPARATOR '') FROM message_chunks c
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
            // MariaDB cuts GROUP_CONCAT at group_concat_max_len: lift it for this session first.
            return (dialect == .mariadb ? ["SET SESSION group_concat_max_len = 1073741824"] : []) + [
                reassemble, inline, "DROP TABLE message_chunks", "ALTER TABLE messages DROP COLUMN raw_chunks",
                "ALTER TABLE delivery_log DROP COLUMN webhook_url_override", "ALTER TABLE messages DROP COLUMN payload",
            ]
        }
    )
}
