import Foundation

/// A row of `domains`.
public struct DomainRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var domainName: String
    public var isEnabled: Bool
    public var verifyDKIM: Bool?
    public var verifySPF: Bool?
    public var rejectDKIMFail: Bool?
    public var rejectSPFFail: Bool?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, domainName = "domain_name", isEnabled = "is_enabled", verifyDKIM = "verify_dkim",
             verifySPF = "verify_spf", rejectDKIMFail = "reject_dkim_fail", rejectSPFFail = "reject_spf_fail",
             createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// A row of `recipients`. `localPart == nil` is the domain's catch-all.
public struct RecipientRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var domainID: UUID
    public var localPart: String?
    public var webhookURL: String
    public var webhookHeaders: [String: String]
    public var isEnabled: Bool
    /// `whsec_` + base64 of the HMAC key; nil for recipients made before revision 0002 until first needed.
    public var signingSecret: String?
    public var createdAt: Date
    public var updatedAt: Date

    public var isCatchAll: Bool { localPart == nil }

    enum CodingKeys: String, CodingKey {
        case id, domainID = "domain_id", localPart = "local_part", webhookURL = "webhook_url",
             webhookHeaders = "webhook_headers", isEnabled = "is_enabled", signingSecret = "signing_secret",
             createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// Delivery states, as SPEC.md names them.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case pending, delivered, failed, exhausted
}

/// A row of `delivery_log` (without the payload).
public struct DeliveryRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var domainID: UUID?
    public var messageID: String
    public var storedMessageID: UUID?
    public var recipientID: UUID?
    public var webhookURL: String
    public var payloadHash: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var nextRetryAt: Date?
    public var lastError: String?
    public var lastStatusCode: Int?
    public var instanceID: String
    public var lockedBy: String?
    public var lockedUntil: Date?
    public var deliveredAt: Date?
    public var dkimResult: String?
    public var spfResult: String?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, domainID = "domain_id", messageID = "message_id", storedMessageID = "stored_message_id",
             recipientID = "recipient_id", webhookURL = "webhook_url", payloadHash = "payload_hash", status,
             attempts, nextRetryAt = "next_retry_at", lastError = "last_error", lastStatusCode = "last_status_code",
             instanceID = "instance_id", lockedBy = "locked_by", lockedUntil = "locked_until",
             deliveredAt = "delivered_at", dkimResult = "dkim_result", spfResult = "spf_result",
             createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns = CodingKeys.allColumns
}

extension DeliveryRecord.CodingKeys {
    static var allColumns: String {
        ["id", "domain_id", "message_id", "stored_message_id", "recipient_id", "webhook_url", "payload_hash",
         "status", "attempts", "next_retry_at", "last_error", "last_status_code", "instance_id", "locked_by",
         "locked_until", "delivered_at", "dkim_result", "spf_result", "created_at", "updated_at"]
            .joined(separator: ", ")
    }
}

/// Where an address is delivered: the matching recipient of an enabled domain.
public struct RecipientRoute: Sendable, Hashable {
    public var domain: DomainRecord
    public var recipient: RecipientRecord
    /// The address as the client gave it.
    public var address: String
    public var isCatchAll: Bool { recipient.isCatchAll }
}

/// A row of `users`.
public struct UserRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var username: String
    public var email: String?
    public var isActive: Bool
    public var isSuperuser: Bool
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, username, email, isActive = "is_active", isSuperuser = "is_superuser", createdAt = "created_at",
             updatedAt = "updated_at"
    }
}

/// A row of `api_keys` (the secret itself is never stored, only its SHA-256).
public struct APIKeyRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var userID: UUID
    public var keyHash: String
    public var keyPrefix: String
    public var name: String
    public var scopes: [String]
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var isActive: Bool
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, userID = "user_id", keyHash = "key_hash", keyPrefix = "key_prefix", name, scopes,
             expiresAt = "expires_at", lastUsedAt = "last_used_at", isActive = "is_active", createdAt = "created_at",
             updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UUID.self, forKey: .id)
        userID = try c.decode(UUID.self, forKey: .userID)
        keyHash = try c.decode(String.self, forKey: .keyHash)
        keyPrefix = try c.decode(String.self, forKey: .keyPrefix)
        name = try c.decode(String.self, forKey: .name)
        scopes = try c.decode(JSONStringList.self, forKey: .scopes).values
        expiresAt = try c.decodeIfPresent(Date.self, forKey: .expiresAt)
        lastUsedAt = try c.decodeIfPresent(Date.self, forKey: .lastUsedAt)
        isActive = try c.decode(Bool.self, forKey: .isActive)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
    }

    init(id: UUID, userID: UUID, keyHash: String, keyPrefix: String, name: String, scopes: [String], expiresAt: Date?,
         lastUsedAt: Date?, isActive: Bool, createdAt: Date, updatedAt: Date) {
        (self.id, self.userID, self.keyHash, self.keyPrefix, self.name, self.scopes) = (id, userID, keyHash, keyPrefix, name, scopes)
        (self.expiresAt, self.lastUsedAt, self.isActive, self.createdAt, self.updatedAt) = (expiresAt, lastUsedAt, isActive, createdAt, updatedAt)
    }

    /// Columns to select; the JSON column as text (see ``JSONStringList``).
    static func columns(_ dialect: SQLDialectKind) -> String {
        "id, user_id, key_hash, key_prefix, name, \(jsonAsText("scopes", dialect)), expires_at, last_used_at, is_active, created_at, updated_at"
    }
}

/// Domain roles, weakest first.
public enum DomainRole: String, Sendable, Codable, CaseIterable, Comparable {
    case member, admin, owner

    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: DomainRole, b: DomainRole) -> Bool { a.rank < b.rank }
}

/// A row of `domain_members` with the member's username.
public struct MemberRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var userID: UUID
    public var domainID: UUID
    public var role: DomainRole
    public var username: String
    public var domainName: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, userID = "user_id", domainID = "domain_id", role, username, domainName = "domain_name",
             createdAt = "created_at"
    }
}

/// A row of `rulesets`.
public struct RulesetRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var domainID: UUID
    public var name: String
    public var priority: Int
    public var stopOnMatch: Bool
    public var isEnabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, domainID = "domain_id", name, priority, stopOnMatch = "stop_on_match", isEnabled = "is_enabled",
             createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// A row of `rules`.
public struct RuleRecord: Sendable, Hashable, Codable {
    public var id: UUID
    public var rulesetID: UUID
    public var order: Int
    public var field: String
    public var `operator`: String
    public var value: String
    public var caseSensitive: Bool
    public var action: String
    public var webhookURLOverride: String?
    public var addTags: [String]
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, rulesetID = "ruleset_id", order, field, `operator`, value, caseSensitive = "case_sensitive", action,
             webhookURLOverride = "webhook_url_override", addTags = "add_tags", createdAt = "created_at",
             updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UUID.self, forKey: .id)
        rulesetID = try c.decode(UUID.self, forKey: .rulesetID)
        order = try c.decode(Int.self, forKey: .order)
        field = try c.decode(String.self, forKey: .field)
        `operator` = try c.decode(String.self, forKey: .operator)
        value = try c.decode(String.self, forKey: .value)
        caseSensitive = try c.decode(Bool.self, forKey: .caseSensitive)
        action = try c.decode(String.self, forKey: .action)
        webhookURLOverride = try c.decodeIfPresent(String.self, forKey: .webhookURLOverride)
        addTags = try c.decode(JSONStringList.self, forKey: .addTags).values
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
    }

    init(id: UUID, rulesetID: UUID, order: Int, field: String, operator: String, value: String, caseSensitive: Bool,
         action: String, webhookURLOverride: String?, addTags: [String], createdAt: Date, updatedAt: Date) {
        (self.id, self.rulesetID, self.order, self.field, self.operator, self.value) = (id, rulesetID, order, field, `operator`, value)
        (self.caseSensitive, self.action, self.webhookURLOverride, self.addTags) = (caseSensitive, action, webhookURLOverride, addTags)
        (self.createdAt, self.updatedAt) = (createdAt, updatedAt)
    }

    /// Columns to select from `rules r`; the JSON column as text (see ``JSONStringList``).
    static func columns(_ dialect: SQLDialectKind) -> String {
        "r.id, r.ruleset_id, r.\"order\", r.field, r.operator, r.value, r.case_sensitive, r.action, r.webhook_url_override, "
            + "\(jsonAsText("r.add_tags", dialect, as: "add_tags")), r.created_at, r.updated_at"
    }
}

/// `column` as JSON text: PostgreSQL hands JSONB arrays to drivers that then insist on a PostgreSQL array.
func jsonAsText(_ column: String, _ dialect: SQLDialectKind, as alias: String? = nil) -> String {
    let name = alias ?? column
    return dialect == .postgresql ? "\(column)::text AS \(name)" : "\(column) AS \(name)"
}

/// A JSON array of strings read back from a column selected with ``jsonAsText(_:_:as:)``.
struct JSONStringList: Decodable {
    var values: [String]
    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        values = try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
