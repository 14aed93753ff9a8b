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
        case id
        case domainName = "domain_name"
        case isEnabled = "is_enabled"
        case verifyDKIM = "verify_dkim"
        case verifySPF = "verify_spf"
        case rejectDKIMFail = "reject_dkim_fail"
        case rejectSPFFail = "reject_spf_fail"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
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
        case id
        case domainID = "domain_id"
        case localPart = "local_part"
        case webhookURL = "webhook_url"
        case webhookHeaders = "webhook_headers"
        case isEnabled = "is_enabled"
        case signingSecret = "signing_secret"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// Delivery states, as SPEC.md names them.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case pending, delivered, failed, exhausted
    /// A drop rule decided: nothing is sent.
    case dropped
    /// A quarantine rule decided: held until released (then `pending`) or deleted.
    case quarantined
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
        case id
        case domainID = "domain_id"
        case messageID = "message_id"
        case storedMessageID = "stored_message_id"
        case recipientID = "recipient_id"
        case webhookURL = "webhook_url"
        case payloadHash = "payload_hash"
        case status,
            attempts
        case nextRetryAt = "next_retry_at"
        case lastError = "last_error"
        case lastStatusCode = "last_status_code"
        case instanceID = "instance_id"
        case lockedBy = "locked_by"
        case lockedUntil = "locked_until"
        case deliveredAt = "delivered_at"
        case dkimResult = "dkim_result"
        case spfResult = "spf_result"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    static let columns = CodingKeys.allColumns
}

extension DeliveryRecord.CodingKeys {
    static var allColumns: String {
        [
            "id", "domain_id", "message_id", "stored_message_id", "recipient_id", "webhook_url", "payload_hash",
            "status", "attempts", "next_retry_at", "last_error", "last_status_code", "instance_id", "locked_by",
            "locked_until", "delivered_at", "dkim_result", "spf_result", "created_at", "updated_at",
        ]
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
        case id, username, email
        case isActive = "is_active"
        case isSuperuser = "is_superuser"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
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
        case id
        case userID = "user_id"
        case keyHash = "key_hash"
        case keyPrefix = "key_prefix"
        case name, scopes
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
        case isActive = "is_active"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
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

    init(
        id: UUID, userID: UUID, keyHash: String, keyPrefix: String, name: String, scopes: [String], expiresAt: Date?,
        lastUsedAt: Date?, isActive: Bool, createdAt: Date, updatedAt: Date
    ) {
        (self.id, self.userID, self.keyHash, self.keyPrefix, self.name, self.scopes) = (
            id, userID, keyHash, keyPrefix, name, scopes
        )
        (self.expiresAt, self.lastUsedAt, self.isActive, self.createdAt, self.updatedAt) = (
            expiresAt, lastUsedAt, isActive, createdAt, updatedAt
        )
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
        case id
        case userID = "user_id"
        case domainID = "domain_id"
        case role, username
        case domainName = "domain_name"
        case createdAt = "created_at"
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
        case id
        case domainID = "domain_id"
        case name, priority
        case stopOnMatch = "stop_on_match"
        case isEnabled = "is_enabled"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
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
    public var negate: Bool
    public var action: String
    public var webhookURLOverride: String?
    public var addTags: [String]
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case rulesetID = "ruleset_id"
        case order, field, `operator`, value
        case caseSensitive = "case_sensitive"
        case negate, action
        case webhookURLOverride = "webhook_url_override"
        case addTags = "add_tags"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
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
        negate = try c.decode(Bool.self, forKey: .negate)
        action = try c.decode(String.self, forKey: .action)
        webhookURLOverride = try c.decodeIfPresent(String.self, forKey: .webhookURLOverride)
        addTags = try c.decode(JSONStringList.self, forKey: .addTags).values
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
    }

    init(
        id: UUID, rulesetID: UUID, order: Int, field: String, operator: String, value: String, caseSensitive: Bool,
        negate: Bool, action: String, webhookURLOverride: String?, addTags: [String], createdAt: Date, updatedAt: Date
    ) {
        self.negate = negate
        (self.id, self.rulesetID, self.order, self.field, self.operator, self.value) = (
            id, rulesetID, order, field, `operator`, value
        )
        (self.caseSensitive, self.action, self.webhookURLOverride, self.addTags) = (
            caseSensitive, action, webhookURLOverride, addTags
        )
        (self.createdAt, self.updatedAt) = (createdAt, updatedAt)
    }

    /// Columns to select from `rules r`; the JSON column as text (see ``JSONStringList``).
    static func columns(_ dialect: SQLDialectKind) -> String {
        "r.id, r.ruleset_id, r.\"order\", r.field, r.operator, r.value, r.case_sensitive, r.negate, r.action, "
            + "r.webhook_url_override, "
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
