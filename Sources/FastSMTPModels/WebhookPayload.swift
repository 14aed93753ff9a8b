/// The JSON body FastSMTP POSTs to a webhook for each accepted message and recipient.
///
/// Field names are snake_case for n8n. Version "1", documented in docs/webhook-payload.md and as the `WebhookPayload`
/// schema of openapi.yaml. Stored per delivery without attachment contents and raw bytes (the message is stored once);
/// the worker fills those in from the stored message when it sends.
public struct WebhookPayload: Codable, Sendable, Hashable {
    public var version: String
    public var event: String
    public var message: Message
    public var recipient: Recipient
    /// Every matching rule's tags.
    public var tags: [String]
    /// The rule that decided (a forward rule, for a delivered message); nil when no rule decided.
    public var rule: Rule?

    public init(
        version: String = "1", event: String = "email.received", message: Message, recipient: Recipient,
        tags: [String] = [], rule: Rule? = nil
    ) {
        self.version = version
        self.event = event
        self.message = message
        self.recipient = recipient
        self.tags = tags
        self.rule = rule
    }

    enum CodingKeys: String, CodingKey {
        case version, event, message, recipient, tags, rule
    }

    /// `rule` is written as `null` when no rule decided (always present, as documented).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(event, forKey: .event)
        try container.encode(message, forKey: .message)
        try container.encode(recipient, forKey: .recipient)
        try container.encode(tags, forKey: .tags)
        try container.encode(rule, forKey: .rule)
    }

    public struct Message: Codable, Sendable, Hashable {
        /// FastSMTP's id of the stored message (also in the "queued as" reply).
        public var id: String
        /// The Message-ID header (or one FastSMTP made up).
        public var messageID: String
        /// RFC 3339 time of acceptance.
        public var receivedAt: String
        public var size: Int
        public var envelope: Envelope
        public var from: Address?
        public var to: [Address]
        public var cc: [Address]
        public var replyTo: [Address]
        /// Decoded (RFC 2047).
        public var subject: String?
        /// The Date header as sent.
        public var date: String?
        public var inReplyTo: String?
        public var references: [String]
        /// Every header field, unfolded, values as sent.
        public var headers: [Header]
        /// The first text/plain body that is not an attachment, decoded to UTF-8.
        public var text: String?
        /// The first text/html body that is not an attachment, decoded to UTF-8.
        public var html: String?
        public var attachments: [Attachment]
        /// DKIM and SPF verdicts (absent when neither was checked).
        public var auth: Auth?
        /// The Authentication-Results value FastSMTP computed (RFC 8601).
        public var authenticationResults: String?
        /// What the MIME parser found malformed (best-effort results despite them).
        public var defects: [String]
        /// The whole message, base64, when FASTSMTP_WEBHOOK_INCLUDE_RAW is on. Never stored per delivery.
        public var rawBase64: String?

        public init(
            id: String, messageID: String, receivedAt: String, size: Int, envelope: Envelope,
            from: Address? = nil, to: [Address] = [], cc: [Address] = [], replyTo: [Address] = [],
            subject: String?, date: String? = nil, inReplyTo: String? = nil, references: [String] = [],
            headers: [Header], text: String? = nil, html: String? = nil, attachments: [Attachment] = [],
            auth: Auth? = nil, authenticationResults: String? = nil, defects: [String] = [],
            rawBase64: String? = nil
        ) {
            self.id = id
            self.messageID = messageID
            self.receivedAt = receivedAt
            self.size = size
            self.envelope = envelope
            self.from = from
            self.to = to
            self.cc = cc
            self.replyTo = replyTo
            self.subject = subject
            self.date = date
            self.inReplyTo = inReplyTo
            self.references = references
            self.headers = headers
            self.text = text
            self.html = html
            self.attachments = attachments
            self.auth = auth
            self.authenticationResults = authenticationResults
            self.defects = defects
            self.rawBase64 = rawBase64
        }

        enum CodingKeys: String, CodingKey {
            case id
            case messageID = "message_id"
            case receivedAt = "received_at"
            case size, envelope, from, to, cc
            case replyTo = "reply_to"
            case subject, date
            case inReplyTo = "in_reply_to"
            case references, headers, text, html,
                attachments, auth
            case authenticationResults = "authentication_results"
            case defects
            case rawBase64 = "raw_base64"
        }
    }

    public struct Address: Codable, Sendable, Hashable {
        public var address: String
        public var name: String?
        public init(address: String, name: String?) {
            self.address = address
            self.name = name
        }
    }

    /// An attachment; `content_base64` is absent when `content_omitted` (over the inline cap).
    public struct Attachment: Codable, Sendable, Hashable {
        public var filename: String?
        public var contentType: String
        public var size: Int
        public var contentID: String?
        public var disposition: String
        /// Hex SHA-256 of the decoded content.
        public var sha256: String
        public var contentBase64: String?
        public var contentOmitted: Bool

        public init(
            filename: String?, contentType: String, size: Int, contentID: String?, disposition: String,
            sha256: String, contentBase64: String? = nil, contentOmitted: Bool
        ) {
            self.filename = filename
            self.contentType = contentType
            self.size = size
            self.contentID = contentID
            self.disposition = disposition
            self.sha256 = sha256
            self.contentBase64 = contentBase64
            self.contentOmitted = contentOmitted
        }

        enum CodingKeys: String, CodingKey {
            case filename
            case contentType = "content_type"
            case size
            case contentID = "content_id"
            case disposition, sha256
            case contentBase64 = "content_base64"
            case contentOmitted = "content_omitted"
        }
    }

    public struct Envelope: Codable, Sendable, Hashable {
        public var mailFrom: String
        public var rcptTo: [String]
        public var helo: String
        public var clientIP: String
        public var tls: Bool

        public init(mailFrom: String, rcptTo: [String], helo: String, clientIP: String, tls: Bool) {
            self.mailFrom = mailFrom
            self.rcptTo = rcptTo
            self.helo = helo
            self.clientIP = clientIP
            self.tls = tls
        }

        enum CodingKeys: String, CodingKey {
            case mailFrom = "mail_from"
            case rcptTo = "rcpt_to"
            case helo
            case clientIP = "client_ip"
            case tls
        }
    }

    /// `auth: {spf: {result, domain}, dkim: [{result, domain, selector}]}`.
    public struct Auth: Codable, Sendable, Hashable {
        public var spf: SPF?
        public var dkim: [DKIM]

        public init(spf: SPF?, dkim: [DKIM]) {
            self.spf = spf
            self.dkim = dkim
        }

        public struct SPF: Codable, Sendable, Hashable {
            public var result: String
            public var domain: String?
            public init(result: String, domain: String?) {
                self.result = result
                self.domain = domain
            }
        }

        public struct DKIM: Codable, Sendable, Hashable {
            public var result: String
            public var domain: String?
            public var selector: String?
            public init(result: String, domain: String?, selector: String?) {
                self.result = result
                self.domain = domain
                self.selector = selector
            }
        }
    }

    public struct Header: Codable, Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// `{id, ruleset_id, ruleset, action}` of the deciding rule.
    public struct Rule: Codable, Sendable, Hashable {
        public var id: String
        public var rulesetID: String
        public var ruleset: String
        public var action: String

        public init(id: String, rulesetID: String, ruleset: String, action: String) {
            self.id = id
            self.rulesetID = rulesetID
            self.ruleset = ruleset
            self.action = action
        }

        enum CodingKeys: String, CodingKey {
            case id
            case rulesetID = "ruleset_id"
            case ruleset, action
        }
    }

    public struct Recipient: Codable, Sendable, Hashable {
        public var id: String
        public var address: String
        public var catchAll: Bool

        public init(id: String, address: String, catchAll: Bool) {
            self.id = id
            self.address = address
            self.catchAll = catchAll
        }

        enum CodingKeys: String, CodingKey {
            case id, address
            case catchAll = "catch_all"
        }
    }
}
