import FastSMTPModels
import Foundation
import SQLKit

extension Store {
    /// Normalises a domain name for storage and lookup: trimmed, lowercased, no trailing dot.
    /// Lower-cased, without trailing dots, in its ASCII (IDNA) form: `Müller.de` and `xn--mller-kva.de` are one
    /// domain, whether it comes from the API, `fastsmtp` or an SMTPUTF8 `RCPT TO`.
    public static func normalizeDomain(_ name: String) -> String {
        var name = name.trimmingCharacters(in: .whitespaces).lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        return IDNA.toASCII(name) ?? name
    }

    @discardableResult
    public func createDomain(_ name: String, isEnabled: Bool = true) async throws -> DomainRecord {
        let name = Self.normalizeDomain(name)
        guard Self.isPlausibleDomain(name) else {
            throw StoreError.invalid("'\(name)' is not a valid domain name")
        }
        let stamp = now()
        let record = DomainRecord(
            id: UUID(), domainName: name, isEnabled: isEnabled, verifyDKIM: nil, verifySPF: nil,
            rejectDKIMFail: nil, rejectSPFFail: nil, createdAt: stamp, updatedAt: stamp
        )
        try await mappingConflicts("domain \(name)") {
            try await database.withConnection { sql in
                try await sql.raw(
                    """
                    INSERT INTO domains (id, domain_name, is_enabled, created_at, updated_at)
                    VALUES (\(bind: record.id), \(bind: name), \(bind: isEnabled), \(bind: stamp), \(bind: stamp))
                    """
                ).run()
            }
        }
        return record
    }

    public func domains() async throws -> [DomainRecord] {
        try await database.withConnection { sql in
            try await sql.raw("SELECT * FROM domains ORDER BY domain_name").all(decoding: DomainRecord.self)
        }
    }

    public func domain(named name: String) async throws -> DomainRecord? {
        let name = Self.normalizeDomain(name)
        return try await database.withConnection { sql in
            try await sql.raw("SELECT * FROM domains WHERE domain_name = \(bind: name)").first(
                decoding: DomainRecord.self)
        }
    }

    /// Deletes a domain with its recipients, members and rulesets; delivery history keeps its rows.
    @discardableResult
    public func deleteDomain(named name: String) async throws -> Bool {
        let name = Self.normalizeDomain(name)
        return try await database.withConnection { sql in
            try await sql.raw("DELETE FROM domains WHERE domain_name = \(bind: name) RETURNING id").all().count > 0
        }
    }

    public func setDomainEnabled(_ name: String, _ enabled: Bool) async throws {
        let name = Self.normalizeDomain(name)
        try await setEnabled(enabled, table: "domains", where: "domain_name", equals: name, what: "domain \(name)")
    }

    /// Letters, digits, hyphens and dots; at least one dot-free label; labels 1–63 octets; 253 in all.
    /// (IDNA conversion belongs to the API layer; here A-labels are expected.)
    static func isPlausibleDomain(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy {
                    $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
                }
        }
    }
}

/// Changes to a domain; nil fields stay. For the verify/reject overrides `.some(nil)` means "server default".
public struct DomainChanges: Sendable {
    public var isEnabled: Bool?
    public var verifyDKIM: Bool??
    public var verifySPF: Bool??
    public var rejectDKIMFail: Bool??
    public var rejectSPFFail: Bool??
    public init(
        isEnabled: Bool? = nil, verifyDKIM: Bool?? = nil, verifySPF: Bool?? = nil,
        rejectDKIMFail: Bool?? = nil, rejectSPFFail: Bool?? = nil
    ) {
        self.isEnabled = isEnabled
        self.verifyDKIM = verifyDKIM
        self.verifySPF = verifySPF
        self.rejectDKIMFail = rejectDKIMFail
        self.rejectSPFFail = rejectSPFFail
    }
}

extension Store {
    public func domain(id: UUID) async throws -> DomainRecord? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT * FROM domains WHERE id = \(bind: id)").first(decoding: DomainRecord.self)
        }
    }

    /// Domains by name, `limit` at a time after the name `cursor`; only those `memberID` belongs to, when given.
    public func domains(memberID: UUID?, limit: Int, after cursor: String?) async throws -> [DomainRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT d.* FROM domains d
                WHERE (\(bind: memberID == nil) OR EXISTS (
                        SELECT 1 FROM domain_members m WHERE m.domain_id = d.id AND m.user_id = \(bind: memberID ?? UUID())))
                  AND (\(bind: cursor == nil) OR d.domain_name > \(bind: cursor ?? ""))
                ORDER BY d.domain_name LIMIT \(bind: limit)
                """
            ).all(decoding: DomainRecord.self)
        }
    }

    public func updateDomain(id: UUID, _ changes: DomainChanges) async throws -> DomainRecord {
        guard var domain = try await domain(id: id) else { throw StoreError.notFound("domain \(id)") }
        if let value = changes.isEnabled { domain.isEnabled = value }
        if let value = changes.verifyDKIM { domain.verifyDKIM = value }
        if let value = changes.verifySPF { domain.verifySPF = value }
        if let value = changes.rejectDKIMFail { domain.rejectDKIMFail = value }
        if let value = changes.rejectSPFFail { domain.rejectSPFFail = value }
        domain.updatedAt = now()
        let d = domain
        try await database.withConnection { sql in
            try await sql.raw(
                """
                UPDATE domains SET is_enabled = \(bind: d.isEnabled), verify_dkim = \(bind: d.verifyDKIM),
                    verify_spf = \(bind: d.verifySPF), reject_dkim_fail = \(bind: d.rejectDKIMFail),
                    reject_spf_fail = \(bind: d.rejectSPFFail), updated_at = \(bind: d.updatedAt)
                WHERE id = \(bind: id)
                """
            ).run()
        }
        return d
    }

    /// Creates a domain with the given overrides (used by the API; the CLI uses ``createDomain(_:isEnabled:)``).
    public func createDomain(_ name: String, isEnabled: Bool, overrides: DomainChanges) async throws -> DomainRecord {
        let domain = try await createDomain(name, isEnabled: isEnabled)
        let hasOverrides = [
            overrides.verifyDKIM, overrides.verifySPF, overrides.rejectDKIMFail, overrides.rejectSPFFail,
        ]
        .contains { $0 != nil }
        return hasOverrides ? try await updateDomain(id: domain.id, overrides) : domain
    }

    @discardableResult
    public func deleteDomain(id: UUID) async throws -> Bool {
        try await database.withConnection { sql in
            try await sql.raw("DELETE FROM domains WHERE id = \(bind: id) RETURNING id").all().count > 0
        }
    }
}
