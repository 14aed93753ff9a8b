/// Every schema revision FastSMTP knows, oldest first: each one lives in `Migrations/NNNN_slug.swift` as
/// `static let mNNNNSlug`, and is listed here.
///
/// `fastsmtp db revision -m "…"` writes the next revision's file and lists it (CONTRIBUTING.md, "Changing the
/// schema"). Never edit a released revision: add one that changes what it did.
public enum Migrations {
    public static let all: [Migration] = [
        m0001InitialSchema,
        m0002RecipientSigningSecrets,
        m0003RuleOutcomes,
        m0004RetentionIndexes,
        m0005DeliveryLeaseTokens,
        m0006MessagePayloadOnce,
        // fastsmtp db revision inserts new revisions above this line
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
        case .mariadb:
            // UUIDs as lowercase text (CHAR(36)); times in UTC with microseconds; JSON is LONGTEXT checked by
            // JSON_VALID.
            (uuid, timestamp, json, bytes) = ("CHAR(36)", "DATETIME(6)", "JSON", "LONGBLOB")
        }
    }
}
