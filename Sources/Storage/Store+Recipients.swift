import FastSMTPModels
import Foundation
import SQLKit

/// Changes to a recipient; nil fields stay as they are.
public struct RecipientChanges: Sendable {
    public var localPart: String?
    public var webhookURL: String?
    public var webhookHeaders: [String: String]?
    public var isEnabled: Bool?
    public init(
        localPart: String? = nil, webhookURL: String? = nil, webhookHeaders: [String: String]? = nil,
        isEnabled: Bool? = nil
    ) {
        self.localPart = localPart
        self.webhookURL = webhookURL
        self.webhookHeaders = webhookHeaders
        self.isEnabled = isEnabled
    }
}

extension Store {
    /// A new webhook signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks).
    public static func makeSigningSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        return "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
    }

    /// `nil`/`"*"` → catch-all (nil); otherwise the lowercased local part, validated.
    static func normalizeLocalPart(_ localPart: String?) throws -> String? {
        guard let localPart, localPart != "*" else { return nil }
        let local = localPart.lowercased()
        if local.isEmpty || local.utf8.count > 64 || local.contains("@")
            || local.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F })
        {
            throw StoreError.invalid("'\(localPart)' is not a valid local part")
        }
        return local
    }

    /// Absolute http(s) URL with a host and no user:password part.
    public static func validateWebhookURL(_ string: String) throws {
        guard let url = URLComponents(string: string), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            throw StoreError.invalid("webhook URL must be an absolute http(s) URL, got '\(string)'")
        }
        if url.user != nil || url.password != nil {
            throw StoreError.invalid("webhook URL must not carry credentials; use webhook headers instead")
        }
    }

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
        return try await createRecipient(
            domain: domain, localPart: localPart, webhookURL: webhookURL,
            webhookHeaders: webhookHeaders, isEnabled: isEnabled)
    }

    public func createRecipient(
        domain: DomainRecord,
        localPart: String?,
        webhookURL: String,
        webhookHeaders: [String: String] = [:],
        isEnabled: Bool = true
    ) async throws -> RecipientRecord {
        let local = try Self.normalizeLocalPart(localPart)
        try Self.validateWebhookURL(webhookURL)
        let stamp = now()
        let record = RecipientRecord(
            id: UUID(), domainID: domain.id, localPart: local, webhookURL: webhookURL,
            webhookHeaders: webhookHeaders, isEnabled: isEnabled, signingSecret: Self.makeSigningSecret(),
            createdAt: stamp, updatedAt: stamp
        )
        try await mappingConflicts("recipient \(local ?? "*")@\(domain.domainName)") {
            try await database.withConnection { sql in
                try await sql.raw(
                    """
                    INSERT INTO recipients (id, domain_id, local_part, webhook_url, webhook_headers, is_enabled,
                                            signing_secret, created_at, updated_at)
                    VALUES (\(bind: record.id), \(bind: domain.id), \(bind: local), \(bind: webhookURL),
                            \(bind: JSONColumn(webhookHeaders)), \(bind: isEnabled), \(bind: record.signingSecret),
                            \(bind: stamp), \(bind: stamp))
                    """
                ).run()
            }
        }
        return record
    }

    public func recipients(domain domainName: String) async throws -> [RecipientRecord] {
        guard let domain = try await domain(named: domainName) else {
            throw StoreError.notFound("domain \(Self.normalizeDomain(domainName))")
        }
        return try await recipients(domainID: domain.id, limit: 10_000, after: nil)
    }

    /// A domain's recipients, oldest first, after the recipient `cursor`.
    public func recipients(domainID: UUID, limit: Int, after cursor: UUID?) async throws -> [RecipientRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT * FROM recipients WHERE domain_id = \(bind: domainID)
                  AND (\(bind: cursor == nil) OR id > \(bind: cursor ?? UUID()))
                ORDER BY id LIMIT \(bind: limit)
                """
            ).all(decoding: RecipientRecord.self)
        }
    }

    public func recipient(id: UUID, domainID: UUID) async throws -> RecipientRecord? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT * FROM recipients WHERE id = \(bind: id) AND domain_id = \(bind: domainID)")
                .first(decoding: RecipientRecord.self)
        }
    }

    public func updateRecipient(id: UUID, domainID: UUID, _ changes: RecipientChanges) async throws -> RecipientRecord {
        guard var recipient = try await recipient(id: id, domainID: domainID) else {
            throw StoreError.notFound("recipient \(id)")
        }
        if let local = changes.localPart { recipient.localPart = try Self.normalizeLocalPart(local) }
        if let url = changes.webhookURL {
            try Self.validateWebhookURL(url)
            recipient.webhookURL = url
        }
        if let headers = changes.webhookHeaders { recipient.webhookHeaders = headers }
        if let enabled = changes.isEnabled { recipient.isEnabled = enabled }
        recipient.updatedAt = now()
        let r = recipient
        try await mappingConflicts("recipient \(r.localPart ?? "*")") {
            try await database.withTransaction { sql in
                try await sql.raw(
                    """
                    UPDATE recipients SET local_part = \(bind: r.localPart), webhook_url = \(bind: r.webhookURL),
                        webhook_headers = \(bind: JSONColumn(r.webhookHeaders)), is_enabled = \(bind: r.isEnabled),
                        updated_at = \(bind: r.updatedAt)
                    WHERE id = \(bind: id)
                    """
                ).run()
                // Deliveries still to be sent go where the recipient is now (a rule's override stays); their headers
                // and secret are read from the recipient when they are sent.
                try await sql.raw(
                    """
                    UPDATE delivery_log SET webhook_url = \(bind: r.webhookURL),
                        webhook_origin = \(bind: WebhookOrigin.of(r.webhookURL)), updated_at = \(bind: r.updatedAt)
                    WHERE recipient_id = \(bind: id) AND status IN ('pending', 'quarantined')
                      AND webhook_url_override IS NULL AND webhook_url <> \(bind: r.webhookURL)
                    """
                ).run()
            }
        }
        return r
    }

    @discardableResult
    public func deleteRecipient(id: UUID, domainID: UUID) async throws -> Bool {
        try await database.withConnection { sql in
            try await sql.raw(
                "DELETE FROM recipients WHERE id = \(bind: id) AND domain_id = \(bind: domainID) RETURNING id"
            )
            .all().count > 0
        }
    }

    public func setRecipientEnabled(id: UUID, _ enabled: Bool) async throws {
        try await setEnabled(enabled, table: "recipients", where: "id", equals: id, what: "recipient \(id)")
    }

    /// The recipient's signing secret, creating one for recipients made before secrets existed.
    public func signingSecret(recipientID: UUID) async throws -> String? {
        try await database.withConnection { sql in
            let current = try await sql.raw("SELECT signing_secret FROM recipients WHERE id = \(bind: recipientID)")
                .first()?.decode(column: "signing_secret", as: String?.self)
            if let current { return current }
            let fresh = Self.makeSigningSecret()
            try await sql.raw(
                """
                UPDATE recipients SET signing_secret = \(bind: fresh) WHERE id = \(bind: recipientID) AND signing_secret IS NULL
                """
            ).run()
            return try await sql.raw("SELECT signing_secret FROM recipients WHERE id = \(bind: recipientID)")
                .first()?.decode(column: "signing_secret", as: String?.self)
        }
    }

    /// Finds where mail for `address` goes: the enabled domain's recipient with exactly this local part
    /// (case-insensitively), else the domain's catch-all. A disabled exact recipient refuses the address
    /// rather than falling through to the catch-all. `nil`: not ours, refuse it (never relay).
    public func route(address: String) async throws -> RecipientRoute? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = String(address[..<at]).lowercased()
        let domainName = Self.normalizeDomain(String(address[address.index(after: at)...]))
        guard !local.isEmpty, !domainName.isEmpty else { return nil }
        return try await database.withReadConnection { sql in
            guard
                let domain = try await sql.raw(
                    """
                    SELECT * FROM domains WHERE domain_name = \(bind: domainName) AND is_enabled = \(bind: true)
                    """
                ).first(decoding: DomainRecord.self)
            else { return nil }
            let candidates = try await sql.raw(
                """
                SELECT * FROM recipients
                WHERE domain_id = \(bind: domain.id) AND (local_part = \(bind: local) OR local_part IS NULL)
                """
            ).all(decoding: RecipientRecord.self)
            let exact = candidates.first { $0.localPart != nil }
            guard let chosen = exact ?? candidates.first, chosen.isEnabled else { return nil }
            return RecipientRoute(domain: domain, recipient: chosen, address: address)
        }
    }
}
