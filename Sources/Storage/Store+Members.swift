import Foundation
import SQLKit

extension Store {
    static let memberColumns = """
        m.id, m.user_id, m.domain_id, m.role, m.created_at, u.username, d.domain_name
        FROM domain_members m JOIN users u ON u.id = m.user_id JOIN domains d ON d.id = m.domain_id
        """

    @discardableResult
    public func addMember(domainID: UUID, userID: UUID, role: DomainRole) async throws -> MemberRecord {
        let stamp = now()
        try await mappingConflicts("membership of user \(userID)") {
            try await database.withConnection { sql in
                try await sql.raw(
                    """
                    INSERT INTO domain_members (id, user_id, domain_id, role, created_at, updated_at)
                    VALUES (\(bind: UUID()), \(bind: userID), \(bind: domainID), \(bind: role.rawValue), \(bind: stamp), \(bind: stamp))
                    """
                ).run()
            }
        }
        guard let member = try await member(domainID: domainID, userID: userID) else {
            throw StoreError.notFound("membership of user \(userID)")
        }
        return member
    }

    public func member(domainID: UUID, userID: UUID) async throws -> MemberRecord? {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT \(unsafeRaw: Self.memberColumns) WHERE m.domain_id = \(bind: domainID) AND m.user_id = \(bind: userID)
                """
            ).first(decoding: MemberRecord.self)
        }
    }

    public func members(domainID: UUID) async throws -> [MemberRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT \(unsafeRaw: Self.memberColumns) WHERE m.domain_id = \(bind: domainID) ORDER BY u.username"
            )
            .all(decoding: MemberRecord.self)
        }
    }

    /// Every membership of a user, by domain name.
    public func memberships(userID: UUID) async throws -> [MemberRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT \(unsafeRaw: Self.memberColumns) WHERE m.user_id = \(bind: userID) ORDER BY d.domain_name"
            )
            .all(decoding: MemberRecord.self)
        }
    }

    public func updateMember(domainID: UUID, userID: UUID, role: DomainRole) async throws -> MemberRecord {
        let stamp = now()
        let changed = try await database.withConnection { sql in
            try await sql.raw(
                """
                UPDATE domain_members SET role = \(bind: role.rawValue), updated_at = \(bind: stamp)
                WHERE domain_id = \(bind: domainID) AND user_id = \(bind: userID) RETURNING id
                """
            ).all().count
        }
        guard changed > 0, let member = try await member(domainID: domainID, userID: userID) else {
            throw StoreError.notFound("membership of user \(userID)")
        }
        return member
    }

    @discardableResult
    public func removeMember(domainID: UUID, userID: UUID) async throws -> Bool {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                DELETE FROM domain_members WHERE domain_id = \(bind: domainID) AND user_id = \(bind: userID) RETURNING id
                """
            ).all().count > 0
        }
    }
}
