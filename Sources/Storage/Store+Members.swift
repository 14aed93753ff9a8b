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

    /// Changes a member's role. A domain always keeps an owner: demoting the last one is refused
    /// (``StoreError/invalid(_:)``). The check and the change are one transaction that holds the domain's row (on
    /// PostgreSQL `FOR UPDATE`; SQLite's writes are serialised), so two concurrent demotions cannot both pass.
    public func updateMember(domainID: UUID, userID: UUID, role: DomainRole) async throws -> MemberRecord {
        let stamp = now()
        try await withMembershipsLocked(domainID: domainID) { sql in
            let current = try await Self.role(sql, domainID: domainID, userID: userID)
            if current == .owner, role != .owner, try await Self.ownerCount(sql, domainID: domainID) <= 1 {
                throw StoreError.wrongState("the last owner cannot be demoted; make someone else owner first")
            }
            try await sql.raw(
                """
                UPDATE domain_members SET role = \(bind: role.rawValue), updated_at = \(bind: stamp)
                WHERE domain_id = \(bind: domainID) AND user_id = \(bind: userID)
                """
            ).run()
        }
        guard let member = try await member(domainID: domainID, userID: userID) else {
            throw StoreError.notFound("membership of user \(userID)")
        }
        return member
    }

    /// Removes a membership; the last owner cannot be removed (``StoreError/wrongState(_:)``), checked in the same
    /// transaction as ``updateMember(domainID:userID:role:)``. ``StoreError/notFound(_:)`` when there is none.
    public func removeMember(domainID: UUID, userID: UUID) async throws {
        try await withMembershipsLocked(domainID: domainID) { sql in
            let current = try await Self.role(sql, domainID: domainID, userID: userID)
            if current == .owner, try await Self.ownerCount(sql, domainID: domainID) <= 1 {
                throw StoreError.wrongState("the last owner cannot be removed; make someone else owner first")
            }
            try await sql.raw(
                "DELETE FROM domain_members WHERE domain_id = \(bind: domainID) AND user_id = \(bind: userID)"
            ).run()
        }
    }

    /// Runs `body` in a transaction that holds the domain's row, so membership changes of one domain take turns.
    private func withMembershipsLocked(
        domainID: UUID, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void
    ) async throws {
        let lock = database.dialect == .sqlite ? "" : "FOR UPDATE"
        try await database.withTransaction { sql in
            guard
                try await sql.raw("SELECT id FROM domains WHERE id = \(bind: domainID) \(unsafeRaw: lock)").first()
                    != nil
            else { throw StoreError.notFound("domain \(domainID)") }
            try await body(sql)
        }
    }

    private static func role(_ sql: any SQLDatabase, domainID: UUID, userID: UUID) async throws -> DomainRole {
        guard
            let text = try await sql.raw(
                "SELECT role FROM domain_members WHERE domain_id = \(bind: domainID) AND user_id = \(bind: userID)"
            ).first()?.decode(column: "role", as: String.self)
        else { throw StoreError.notFound("membership of user \(userID)") }
        return DomainRole(rawValue: text) ?? .member
    }

    private static func ownerCount(_ sql: any SQLDatabase, domainID: UUID) async throws -> Int {
        try await sql.raw(
            "SELECT count(*) AS n FROM domain_members WHERE domain_id = \(bind: domainID) AND role = 'owner'"
        ).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
