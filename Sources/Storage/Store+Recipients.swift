import Foundation
import SQLKit

extension Store {
    /// Adds a recipient to a domain. `localPart` `nil` or `"*"` makes the domain's catch-all.
    public func createRecipient(
        domain domainName: String,
        localPart: String?,
        webhookURL: String,
        webhookHeaders: [String: String] = [:],
        isEnabled: Bool = true
    ) async throws -> RecipientRecord {
        guard let domain = try await domain(named: domainName) else {
            throw StoreError.notFound("domain \(Self.normalizeDomain(domainName))")
        }
        let local: String? = (localPart == nil || localPart == "*") ? nil : localPart?.lowercased()
        if let local, local.isEmpty || local.utf8.count > 64 || local.contains("@") || local.contains(where: \.isWhitespace) {
            throw StoreError.invalid("'\(local)' is not a valid local part")
        }
        guard let url = URL(string: webhookURL), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else {
            throw StoreError.invalid("webhook URL must be an absolute http(s) URL, got '\(webhookURL)'")
        }
        let stamp = now()
        let record = RecipientRecord(
            id: UUID(), domainID: domain.id, localPart: local, webhookURL: webhookURL,
            webhookHeaders: webhookHeaders, isEnabled: isEnabled, createdAt: stamp, updatedAt: stamp
        )
        let display = "\(local ?? "*")@\(domain.domainName)"
        try await mappingConflicts("recipient \(display)") {
            try await database.withConnection { sql in
                try await sql.raw("""
                    INSERT INTO recipients (id, domain_id, local_part, webhook_url, webhook_headers, is_enabled, created_at, updated_at)
                    VALUES (\(bind: record.id), \(bind: domain.id), \(bind: local), \(bind: webhookURL),
                            \(bind: JSONColumn(webhookHeaders)), \(bind: isEnabled), \(bind: stamp), \(bind: stamp))
                    """).run()
            }
        }
        return record
    }

    public func recipients(domain domainName: String) async throws -> [RecipientRecord] {
        guard let domain = try await domain(named: domainName) else {
            throw StoreError.notFound("domain \(Self.normalizeDomain(domainName))")
        }
        return try await database.withConnection { sql in
            try await sql.raw("""
                SELECT * FROM recipients WHERE domain_id = \(bind: domain.id) ORDER BY local_part
                """).all(decoding: RecipientRecord.self)
        }
    }

    public func setRecipientEnabled(id: UUID, _ enabled: Bool) async throws {
        try await setEnabled(enabled, table: "recipients", where: "id", equals: id, what: "recipient \(id)")
    }

    /// Finds where mail for `address` goes: the enabled domain's recipient with exactly this local part
    /// (case-insensitively), else the domain's catch-all. A disabled exact recipient refuses the address
    /// rather than falling through to the catch-all. `nil`: not ours, refuse it (never relay).
    public func route(address: String) async throws -> RecipientRoute? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = String(address[..<at]).lowercased()
        let domainName = Self.normalizeDomain(String(address[address.index(after: at)...]))
        guard !local.isEmpty, !domainName.isEmpty else { return nil }
        return try await database.withConnection { sql in
            guard let domain = try await sql.raw("""
                SELECT * FROM domains WHERE domain_name = \(bind: domainName) AND is_enabled = \(bind: true)
                """).first(decoding: DomainRecord.self)
            else { return nil }
            let candidates = try await sql.raw("""
                SELECT * FROM recipients
                WHERE domain_id = \(bind: domain.id) AND (local_part = \(bind: local) OR local_part IS NULL)
                """).all(decoding: RecipientRecord.self)
            let exact = candidates.first { $0.localPart != nil }
            guard let chosen = exact ?? candidates.first, chosen.isEnabled else { return nil }
            return RecipientRoute(domain: domain, recipient: chosen, address: address)
        }
    }
}
