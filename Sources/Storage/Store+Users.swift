import Foundation
import SQLKit

/// Changes to a user; nil fields stay as they are. `email` `.some(nil)` clears it.
public struct UserChanges: Sendable {
    public var username: String?
    public var email: String??
    public var isActive: Bool?
    public var isSuperuser: Bool?
    public init(username: String? = nil, email: String?? = nil, isActive: Bool? = nil, isSuperuser: Bool? = nil) {
        self.username = username
        self.email = email
        self.isActive = isActive
        self.isSuperuser = isSuperuser
    }
}

extension Store {
    @discardableResult
    public func createUser(
        username: String, email: String? = nil, isActive: Bool = true, isSuperuser: Bool = false
    ) async throws -> UserRecord {
        let stamp = now()
        let user = UserRecord(
            id: UUID(), username: username, email: email, isActive: isActive, isSuperuser: isSuperuser,
            createdAt: stamp, updatedAt: stamp)
        try await mappingConflicts("user \(username)") {
            try await database.withConnection { sql in
                try await sql.raw(
                    """
                    INSERT INTO users (id, username, email, is_active, is_superuser, created_at, updated_at)
                    VALUES (\(bind: user.id), \(bind: username), \(bind: email), \(bind: isActive), \(bind: isSuperuser),
                            \(bind: stamp), \(bind: stamp))
                    """
                ).run()
            }
        }
        return user
    }

    public func user(id: UUID) async throws -> UserRecord? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT * FROM users WHERE id = \(bind: id)").first(decoding: UserRecord.self)
        }
    }

    public func user(named username: String) async throws -> UserRecord? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT * FROM users WHERE username = \(bind: username)").first(decoding: UserRecord.self)
        }
    }

    /// Users by username, `limit` at a time, after `cursor` (the last username of the previous page).
    public func users(limit: Int = 100, after cursor: String? = nil) async throws -> [UserRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT * FROM users WHERE \(bind: cursor == nil) OR username > \(bind: cursor ?? "")
                ORDER BY username LIMIT \(bind: limit)
                """
            ).all(decoding: UserRecord.self)
        }
    }

    public func updateUser(id: UUID, _ changes: UserChanges) async throws -> UserRecord {
        guard var user = try await user(id: id) else { throw StoreError.notFound("user \(id)") }
        if let username = changes.username { user.username = username }
        if let email = changes.email { user.email = email }
        if let active = changes.isActive { user.isActive = active }
        if let superuser = changes.isSuperuser { user.isSuperuser = superuser }
        user.updatedAt = now()
        let updated = user
        try await mappingConflicts("user \(updated.username)") {
            try await database.withConnection { sql in
                try await sql.raw(
                    """
                    UPDATE users SET username = \(bind: updated.username), email = \(bind: updated.email),
                        is_active = \(bind: updated.isActive), is_superuser = \(bind: updated.isSuperuser),
                        updated_at = \(bind: updated.updatedAt)
                    WHERE id = \(bind: id)
                    """
                ).run()
            }
        }
        return updated
    }

    /// Deletes a user with its keys and memberships.
    @discardableResult
    public func deleteUser(id: UUID) async throws -> Bool {
        try await database.withConnection { sql in
            try await sql.raw("DELETE FROM users WHERE id = \(bind: id) RETURNING id").all().count > 0
        }
    }
}
