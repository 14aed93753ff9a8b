import Foundation

/// What a rule looks at in a message. Spelled in rules and the API as `from`, `to`, …, `header:<Name>`.
public enum RuleField: Hashable, Sendable, CustomStringConvertible {
    /// The From header's addresses.
    case from
    /// The To header's addresses.
    case to
    /// The Cc header's addresses.
    case cc
    /// The decoded Subject.
    case subject
    /// Every value of the header with this name (case-insensitive), unfolded and RFC 2047-decoded.
    case header(String)
    /// The text part; the HTML part with its tags stripped when there is no text part. Capped.
    case body
    /// `true` or `false`.
    case hasAttachment
    case dkimResult
    case spfResult
    /// Each attachment's file name.
    case attachmentName
    /// Each attachment's content type (`application/pdf`).
    case attachmentType
    /// The message size in bytes (compare with `gt` / `lt`).
    case size
    /// The SMTP client's address (compare with `in_cidr`).
    case clientIP
    case helo
    /// The envelope sender (empty for bounces: no value).
    case mailFrom
    /// The recipient the decision is for.
    case rcptTo
    /// `true` when the message came over TLS.
    case tls

    /// The fields without a parameter, by their names.
    public static let named: [(name: String, field: RuleField)] = [
        ("from", .from), ("to", .to), ("cc", .cc), ("subject", .subject), ("body", .body),
        ("has_attachment", .hasAttachment), ("dkim_result", .dkimResult), ("spf_result", .spfResult),
        ("attachment_name", .attachmentName), ("attachment_type", .attachmentType), ("size", .size),
        ("client_ip", .clientIP), ("helo", .helo), ("mail_from", .mailFrom), ("rcpt_to", .rcptTo), ("tls", .tls),
    ]

    /// Parses `subject`, `header:X-Priority`, …; nil for anything else. A header name is 1–200 printable ASCII
    /// characters without `:` (RFC 5322 §3.6.8).
    public init?(parsing text: String) {
        if let known = Self.named.first(where: { $0.name == text }) {
            self = known.field
            return
        }
        guard text.hasPrefix("header:") else { return nil }
        let name = text.dropFirst("header:".count)
        guard !name.isEmpty, name.count <= 200,
            name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != ":" })
        else { return nil }
        self = .header(String(name))
    }

    public var description: String {
        if case .header(let name) = self { return "header:\(name)" }
        return Self.named.first { $0.field == self }?.name ?? "?"
    }

    /// Whether the field's value is a number (`gt`/`lt` apply).
    var isNumeric: Bool { self == .size }
}

/// How a rule compares a field's values with its `value`.
public enum RuleOperator: String, Sendable, CaseIterable {
    case equals
    case contains
    case regex
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    /// The field has at least one value (the rule's value is ignored).
    case exists
    /// Greater than (numeric fields: `size`).
    case gt
    /// Less than (numeric fields: `size`).
    case lt
    /// Within one of the networks (comma-separated CIDRs, IPv4 and IPv6; `client_ip`).
    case inCIDR = "in_cidr"
}

/// What a matching rule does. `tag` adds tags and evaluation goes on; the others decide the message.
public enum RuleAction: String, Sendable, CaseIterable {
    case forward
    case drop
    case tag
    case quarantine

    public var isTerminal: Bool { self != .tag }
}

/// A rule as stored and as the API shows it (strings not yet checked).
public struct RuleDefinition: Sendable, Hashable {
    public var id: UUID
    public var field: String
    public var `operator`: String
    public var value: String
    public var caseSensitive: Bool
    public var negate: Bool
    public var action: String
    public var webhookURLOverride: String?
    public var addTags: [String]

    public init(
        id: UUID = UUID(), field: String, operator: String, value: String = "", caseSensitive: Bool = false,
        negate: Bool = false, action: String, webhookURLOverride: String? = nil, addTags: [String] = []
    ) {
        self.id = id
        self.field = field
        self.operator = `operator`
        self.value = value
        self.caseSensitive = caseSensitive
        self.negate = negate
        self.action = action
        self.webhookURLOverride = webhookURLOverride
        self.addTags = addTags
    }
}

/// A ruleset with its rules in their `order`.
public struct RulesetDefinition: Sendable, Hashable {
    public var id: UUID
    public var name: String
    /// Lower runs first.
    public var priority: Int
    public var stopOnMatch: Bool
    public var isEnabled: Bool
    /// Breaks priority ties (earlier first).
    public var createdAt: Date
    public var rules: [RuleDefinition]

    public init(
        id: UUID = UUID(), name: String, priority: Int = 0, stopOnMatch: Bool = true, isEnabled: Bool = true,
        createdAt: Date = Date(timeIntervalSince1970: 0), rules: [RuleDefinition]
    ) {
        self.id = id
        self.name = name
        self.priority = priority
        self.stopOnMatch = stopOnMatch
        self.isEnabled = isEnabled
        self.createdAt = createdAt
        self.rules = rules
    }
}

/// Limits of rule evaluation (documented in docs/rules.md).
public enum RulesDefaults {
    /// A field value longer than this (in UTF-8 bytes) is matched on its first this-many bytes only.
    public static let maxInputBytes = 256 * 1024
    /// The longest rule value (and regex pattern) accepted.
    public static let maxValueLength = 1000
}
