import Foundation
import SQLKit

extension Store {
    /// Normalises a domain name for storage and lookup: trimmed, lowercased, no trailing dot.
    public static func normalizeDomain(_ name: String) -> String {
        var name = name.trimmingCharacters(in: .whitespaces).lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        return name
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
                try await sql.raw("""
                    INSERT INTO domains (id, domain_name, is_enabled, created_at, updated_at)
                    VALUES (\(bind: record.id), \(bind: name), \(bind: isEnabled), \(bind: stamp), \(bind: stamp))
                    """).run()
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
            try await sql.raw("SELECT * FROM domains WHERE domain_name = \(bind: name)").first(decoding: DomainRecord.self)
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
                && label.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
        }
    }
}
