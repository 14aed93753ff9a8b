import Crypto
import FastSMTPModels
import Foundation
import MIME

extension WebhookPayload.Message {
    /// The message part of payload v1 for a parsed message, as it is stored: attachments listed with their SHA-256,
    /// without contents (``fillingContents(from:inlineLimit:includeRaw:)`` adds them when sending).
    ///
    /// `inlineLimit`: attachment bytes that will be inlined, in order; attachments past it are `content_omitted`.
    public init(
        parsed: ParsedMessage, id: String, messageID: String, receivedAt: String, size: Int,
        envelope: WebhookPayload.Envelope, auth: WebhookPayload.Auth?, authenticationResults: String?,
        inlineLimit: Int
    ) {
        var budget = inlineLimit
        let attachments = parsed.attachments.map { attachment in
            let fits = attachment.size <= budget
            if fits { budget -= attachment.size }
            return WebhookPayload.Attachment(
                filename: attachment.filename, contentType: attachment.contentType, size: attachment.size,
                contentID: attachment.contentID, disposition: attachment.disposition,
                sha256: SHA256.hash(data: attachment.content).map { String(format: "%02x", $0) }.joined(),
                contentOmitted: !fits
            )
        }
        func addresses(_ list: [EmailAddress]) -> [WebhookPayload.Address] {
            list.map { WebhookPayload.Address(address: $0.address, name: $0.name) }
        }
        self.init(
            id: id, messageID: messageID, receivedAt: receivedAt, size: size, envelope: envelope,
            from: addresses(parsed.from).first, to: addresses(parsed.to), cc: addresses(parsed.cc),
            replyTo: addresses(parsed.replyTo), subject: parsed.subject, date: parsed.date,
            inReplyTo: parsed.inReplyTo, references: parsed.references,
            headers: parsed.headers.map { WebhookPayload.Header(name: $0.name, value: $0.value) },
            text: parsed.text, html: parsed.html, attachments: attachments, auth: auth,
            authenticationResults: authenticationResults, defects: parsed.defects.map(\.description)
        )
    }

    /// The stored message part completed from the raw message: with `bodies`, the text and HTML bodies; attachment
    /// contents (those not omitted); when asked, the raw message. An attachment whose bytes no longer hash the same
    /// is sent without content.
    public func fillingContents(from raw: [UInt8], bodies: Bool = false, includeRaw: Bool) -> WebhookPayload.Message {
        var message = self
        if includeRaw { message.rawBase64 = Data(raw).base64EncodedString() }
        guard bodies || message.attachments.contains(where: { !$0.contentOmitted }) else { return message }
        let parsed = MIMEParser.parse(raw)
        if bodies {
            message.text = parsed.text
            message.html = parsed.html
            message.defects = parsed.defects.map(\.description)
        }
        for index in message.attachments.indices where !message.attachments[index].contentOmitted {
            guard index < parsed.attachments.count else {
                message.attachments[index].contentOmitted = true
                continue
            }
            let content = parsed.attachments[index].content
            let hash = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
            if hash == message.attachments[index].sha256 {
                message.attachments[index].contentBase64 = Data(content).base64EncodedString()
            } else {
                message.attachments[index].contentOmitted = true
            }
        }
        return message
    }
}
