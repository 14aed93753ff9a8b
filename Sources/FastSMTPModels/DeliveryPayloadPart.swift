import Foundation

/// What one delivery's payload adds to its message: stored per delivery row, while the message part
/// (``WebhookPayload/Message``) is stored once per message, so a message to a hundred recipients is not written a
/// hundred times. The worker puts the two together when it sends (``WebhookPayload/init(message:part:)``).
public struct DeliveryPayloadPart: Codable, Sendable, Hashable {
    public var recipient: WebhookPayload.Recipient
    public var tags: [String]
    public var rule: WebhookPayload.Rule?
    /// The envelope recipients of this delivery's domain only: a delivery never shows another tenant's (or a Bcc)
    /// address.
    public var rcptTo: [String]

    public init(recipient: WebhookPayload.Recipient, tags: [String], rule: WebhookPayload.Rule?, rcptTo: [String]) {
        self.recipient = recipient
        self.tags = tags
        self.rule = rule
        self.rcptTo = rcptTo
    }

    enum CodingKeys: String, CodingKey {
        case recipient, tags, rule
        case rcptTo = "rcpt_to"
    }
}

extension WebhookPayload {
    /// The payload of one delivery: its message with the envelope recipients of its domain, and its part.
    public init(message: Message, part: DeliveryPayloadPart) {
        var message = message
        message.envelope.rcptTo = part.rcptTo
        self.init(message: message, recipient: part.recipient, tags: part.tags, rule: part.rule)
    }

    /// Decodes what a delivery row and its message row store: the message part once per message and this
    /// delivery's part; or, for rows queued before the message part was stored once (revision 0006), the whole
    /// payload in the delivery row.
    public static func decode(messageJSON: Data?, deliveryJSON: Data) throws -> WebhookPayload {
        let decoder = JSONDecoder()
        guard let messageJSON else { return try decoder.decode(WebhookPayload.self, from: deliveryJSON) }
        return WebhookPayload(
            message: try decoder.decode(Message.self, from: messageJSON),
            part: try decoder.decode(DeliveryPayloadPart.self, from: deliveryJSON))
    }
}
