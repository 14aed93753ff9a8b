import Foundation
import SQLKit

/// What a presented API key resolves to.
public struct KeyOwner: Sendable {
    public var key: APIKeyRecord
    public var user: UserRecord
}

extension Store {
    /// Stores a key (its hash and display prefix; the secret is the caller's to show once).
    public func createAPIKey(
        userID: UUID, name: String, keyHash: String, keyPrefix: String, scopes: [String],
        expiresAt: Date?
    ) async throws -> APIKeyRecord {
        let stamp = now()
        let key = APIKeyRecord(
            id: UUID(), userID: userID, keyHash: keyHash, keyPrefix: keyPrefix, name: name,
            scopes: scopes, expiresAt: expiresAt, lastUsedAt: nil, isActive: true,
            createdAt: stamp, updatedAt: stamp)
        try await database.withConnection { sql in
            try await sql.raw(
                """
                INSERT INTO api_keys (id, user_id, key_hash, key_prefix, name, scopes, expires_at, is_active, created_at, updated_at)
                VALUES (\(bind: key.id), \(bind: userID), \(bind: keyHash), \(bind: keyPrefix), \(bind: name),
                        \(bind: JSONColumn(scopes)), \(bind: expiresAt), \(bind: true), \(bind: stamp), \(bind: stamp))
                """
            ).run()
        }
        return key
    }

    /// The active key with this hash and its user (whatever their state: the caller checks expiry and activity).
    public func keyOwner(hash: String) async throws -> KeyOwner? {
        try await database.withConnection { sql in
            guard
                let key = try await sql.raw(
                    "SELECT \(unsafeRaw: APIKeyRecord.columns(database.dialect)) FROM api_keys WHERE key_hash = \(bind: hash)"
                )
                .first(decoding: APIKeyRecord.self)
            else { return nil }
            guard
                let user = try await sql.raw("SELECT * FROM users WHERE id = \(bind: key.userID)")
                    .first(decoding: UserRecord.self)
            else { return nil }
            return KeyOwner(key: key, user: user)
        }
    }

    public func apiKey(id: UUID) async throws -> APIKeyRecord? {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT \(unsafeRaw: APIKeyRecord.columns(database.dialect)) FROM api_keys WHERE id = \(bind: id)"
            ).first(decoding: APIKeyRecord.self)
        }
    }

    /// A user's keys, oldest first, after the key `cursor`.
    public func apiKeys(userID: UUID, limit: Int = 100, after cursor: UUID? = nil) async throws -> [APIKeyRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT \(unsafeRaw: APIKeyRecord.columns(database.dialect)) FROM api_keys WHERE user_id = \(bind: userID)
                  AND (\(bind: cursor == nil) OR id > \(bind: cursor ?? UUID()))
                ORDER BY id LIMIT \(bind: limit)
                """
            ).all(decoding: APIKeyRecord.self)
        }
    }

    /// Revokes a key: it stops working at once; the row stays for the record.
    public func revokeAPIKey(id: UUID) async throws {
        try await setEnabled(
            false, table: "api_keys", where: "id", column: "is_active", equals: id, what: "API key \(id)")
    }

    /// Replaces a key's secret; the old one stops working at once.
    public func rotateAPIKey(id: UUID, keyHash: String, keyPrefix: String) async throws -> APIKeyRecord {
        let stamp = now()
        let changed = try await database.withConnection { sql in
            try await Store.updatedRows(
                sql,
                """
                UPDATE api_keys SET key_hash = \(bind: keyHash), key_prefix = \(bind: keyPrefix), updated_at = \(bind: stamp)
                WHERE id = \(bind: id)
                """
            )
        }
        guard changed > 0, let key = try await apiKey(id: id) else { throw StoreError.notFound("API key \(id)") }
        return key
    }

    /// Records use of a key (callers throttle this; it is not a write per request).
    public func touchAPIKey(id: UUID, at date: Date) async throws {
        try await database.withConnection { sql in
            try await sql.raw("UPDATE api_keys SET last_used_at = \(bind: date) WHERE id = \(bind: id)").run()
        }
    }
}
