import struct Foundation.Date

/// A parsed message: the common header fields decoded, the bodies chosen, the attachments, and the MIME tree.
///
/// Body selection walks the tree in order without entering encapsulated messages:
/// - ``text`` is the first text/plain leaf whose disposition is not `attachment`; ``html`` the first such text/html.
///   A multipart whose body could not be split counts as text/plain.
/// - Every other leaf is an attachment — images, applications, text/calendar, a second text/plain… — so no content
///   is lost; only a text/plain or text/html leaf with no disposition, no file name and a blank body is dropped.
///   Inline parts (`Content-Disposition: inline`, or a Content-ID without a disposition) are attachments with
///   disposition `inline`.
/// - message/rfc822 and message/global parts are attachments holding the encapsulated message's bytes; their tree is
///   in ``root``.
/// Text keeps the message's line breaks (CRLF for mail received over SMTP).
public struct ParsedMessage: Sendable {
    /// The top-level header fields, unfolded, in order (values not decoded).
    public var headers: [HeaderField]
    public var from: [EmailAddress]
    public var to: [EmailAddress]
    public var cc: [EmailAddress]
    public var replyTo: [EmailAddress]
    /// Subject with RFC 2047 words decoded.
    public var subject: String?
    /// The Date field as written.
    public var date: String?
    /// The Date field as an instant, when it parses (see ``MailDate``).
    public var dateParsed: Date?
    /// Message-ID in angle brackets (`<id@host>`).
    public var messageID: String?
    /// The first identifier of In-Reply-To, in angle brackets.
    public var inReplyTo: String?
    /// The identifiers of References, in angle brackets, oldest first.
    public var references: [String]
    public var text: String?
    public var html: String?
    public var attachments: [MIMEAttachment]
    /// What was malformed and where; empty for a well-formed message.
    public var defects: [MIMEDefect]
    /// The whole MIME tree.
    public var root: MIMEPart

    init(root: MIMEPart, defects: [MIMEDefect], maxBodyTextBytes: Int? = nil) {
        let headers = root.headers
        func addresses(_ name: String) -> [EmailAddress] { headers.all(named: name).flatMap(EmailAddress.parseList) }
        self.headers = headers
        self.from = addresses("From")
        self.to = addresses("To")
        self.cc = addresses("Cc")
        self.replyTo = addresses("Reply-To")
        self.subject = headers.first(named: "Subject").map(EncodedWord.decode)
        self.date = headers.first(named: "Date")
        self.dateParsed = date.flatMap(MailDate.init(parsing:))?.date
        self.messageID = headers.first(named: "Message-ID").flatMap(MessageID.parse)
        self.inReplyTo = headers.first(named: "In-Reply-To").flatMap(MessageID.parse)
        self.references = headers.all(named: "References").flatMap(MessageID.parseList)
        self.root = root

        var selection = BodySelection(maxTextBytes: maxBodyTextBytes)
        selection.visit(root)
        self.text = selection.text
        self.html = selection.html
        self.attachments = selection.attachments
        self.defects = defects + selection.defects
    }
}

/// A part delivered as a file: anything that is not the chosen text or HTML body.
public struct MIMEAttachment: Sendable, Hashable {
    /// From Content-Disposition `filename` or Content-Type `name`, decoded; nil when the sender gave none.
    public var filename: String?
    /// `type/subtype`, lower-cased.
    public var contentType: String
    /// The charset parameter, for text attachments.
    public var charset: String?
    /// Decoded size in bytes (`content.count`).
    public var size: Int
    /// Content-ID without angle brackets (what `cid:` URLs in the HTML refer to).
    public var contentID: String?
    /// `attachment` or `inline`.
    public var disposition: String
    /// The decoded bytes (transfer encoding undone; for message/rfc822, the encapsulated message).
    public var content: [UInt8]
    /// Where the part is in ``ParsedMessage/root``.
    public var path: [Int]

    public init(
        filename: String?, contentType: String, charset: String? = nil, contentID: String?, disposition: String,
        content: [UInt8], path: [Int] = []
    ) {
        self.filename = filename
        self.contentType = contentType
        self.charset = charset
        self.size = content.count
        self.contentID = contentID
        self.disposition = disposition
        self.content = content
        self.path = path
    }
}

/// Walks the tree once and picks bodies and attachments (rules in ``ParsedMessage``).
private struct BodySelection {
    let maxTextBytes: Int?
    var text: String?
    var html: String?
    var attachments: [MIMEAttachment] = []
    var defects: [MIMEDefect] = []

    mutating func visit(_ part: MIMEPart) {
        switch part.kind {
        case .multipart:
            for child in part.parts { visit(child) }
        case .message:
            attach(part, content: part.decodedBody())
        case .leaf:
            let type = part.effectiveMIMEType
            let isBodyCandidate = part.contentDisposition?.isAttachment != true
            if type == "text/plain" || type == "text/html" {
                if isBodyCandidate, type == "text/plain" ? text == nil : html == nil {
                    let decoded = decodeText(part)
                    if type == "text/plain" { text = decoded } else { html = decoded }
                    return
                }
                let content = decodedBody(part)
                if part.contentDisposition == nil, part.filename == nil, content.allSatisfy(\.isWhitespace) { return }
                attach(part, content: content)
            } else {
                attach(part, content: decodedBody(part))
            }
        }
    }

    mutating func attach(_ part: MIMEPart, content: [UInt8]) {
        let disposition: String =
            switch part.contentDisposition?.type {
            case "inline": "inline"
            case "attachment": "attachment"
            default: part.contentID == nil ? "attachment" : "inline"
            }
        attachments.append(
            MIMEAttachment(
                filename: part.filename, contentType: part.effectiveMIMEType, charset: part.contentType.charset,
                contentID: part.contentID, disposition: disposition, content: content, path: part.path
            ))
    }

    mutating func decodedBody(_ part: MIMEPart) -> [UInt8] {
        let (bytes, defect) = part.transferEncoding.decode(part.body)
        if let defect, defect != .unknownTransferEncoding { defects.append(MIMEDefect(kind: defect, part: part.path)) }
        return bytes
    }

    mutating func decodeText(_ part: MIMEPart) -> String {
        var body: [UInt8]
        if let maxTextBytes, part.body.count > maxTextBytes {
            // Only the start is kept, so only the start is decoded: no transfer encoding takes more than four
            // encoded bytes per decoded one. Decoding defects of a cut body are not the message's: not reported.
            body = part.transferEncoding.decode(part.body.prefix(maxTextBytes * 4)).bytes
            if body.count > maxTextBytes { body.removeSubrange(maxTextBytes...) }
        } else {
            body = decodedBody(part)
        }
        let (string, defect) = Charset.decode(body, label: part.contentType.charset)
        if let defect {
            let label = part.contentType.charset ?? "none"
            defects.append(MIMEDefect(kind: defect, part: part.path, detail: "charset \(label.debugDescription)"))
        }
        return string
    }
}
