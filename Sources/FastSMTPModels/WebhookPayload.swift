/// The JSON body FastSMTP POSTs to a webhook for each accepted message and recipient.
///
/// Field names are snake_case for n8n. This is the provisional shape (version "0"): envelope, subject, raw headers
/// and the raw message in base64. Payload v1 (decoded text/html/attachments, auth results) extends it.
public struct WebhookPayload: Codable, Sendable, Hashable {
    public var version: String
    public var event: String
    public var message: Message
    public var recipient: Recipient
    public var tags: [String]
    public var rule: String?

    public init(version: String = "0", event: String = "email.received", message: Message, recipient: Recipient,
                tags: [String] = [], rule: String? = nil) {
        self.version = version
        self.event = event
        self.message = message
        self.recipient = recipient
        self.tags = tags
        self.rule = rule
    }

    public struct Message: Codable, Sendable, Hashable {
        /// FastSMTP's id of the stored message (also in the "queued as" reply).
        public var id: String
        /// The Message-ID header.
        public var messageID: String
        /// RFC 3339 time of acceptance.
        public var receivedAt: String
        public var size: Int
        public var envelope: Envelope
        public var subject: String?
        public var headers: [Header]
        /// DKIM and SPF verdicts (absent when neither was checked).
        public var auth: Auth?
        /// The Authentication-Results value FastSMTP computed (RFC 8601).
        public var authenticationResults: String?
        /// The whole message, base64. Not stored per delivery: filled in from the stored message when sent.
        public var rawBase64: String?

        public init(id: String, messageID: String, receivedAt: String, size: Int, envelope: Envelope,
                    subject: String?, headers: [Header], auth: Auth? = nil, authenticationResults: String? = nil,
                    rawBase64: String? = nil) {
            self.auth = auth
            self.authenticationResults = authenticationResults
            self.id = id
            self.messageID = messageID
            self.receivedAt = receivedAt
            self.size = size
            self.envelope = envelope
            self.subject = subject
            self.headers = headers
            self.rawBase64 = rawBase64
        }

        enum CodingKeys: String, CodingKey {
            case id, messageID = "message_id", receivedAt = "received_at", size, envelope, subject, headers, auth,
                 authenticationResults = "authentication_results", rawBase64 = "raw_base64"
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
            case mailFrom = "mail_from", rcptTo = "rcpt_to", helo, clientIP = "client_ip", tls
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

    public struct Recipient: Codable, Sendable, Hashable {
        public var id: String
        public var address: String
        public var catchAll: Bool

        public init(id: String, address: String, catchAll: Bool) {
            self.id = id
            self.address = address
            self.catchAll = catchAll
        }

        enum CodingKeys: String, CodingKey { case id, address, catchAll = "catch_all" }
    }
}
