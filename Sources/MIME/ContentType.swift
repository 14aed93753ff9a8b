/// A parsed Content-Type (RFC 2045 §5, RFC 2046).
///
/// ```swift
/// let type = ContentType(parsing: "text/plain; charset=\"ISO-8859-1\"")
/// type?.mimeType    // "text/plain"
/// type?.charset     // "ISO-8859-1"
/// ```
public struct ContentType: Sendable, Hashable {
    /// Lower-cased top-level type (`text`, `multipart`, …).
    public var type: String
    /// Lower-cased subtype (`plain`, `mixed`, …). Empty when the header had none (`text/`).
    public var subtype: String
    public var parameters: [MIMEParameter]

    public init(type: String, subtype: String, parameters: [MIMEParameter] = []) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// Parses a Content-Type value; nil when there is no type before the `/` (`/plain`, `;charset=x`, empty).
    /// `name=value` style nonsense yields a type without subtype, which the MIME parser treats as invalid.
    public init?(parsing text: String) {
        let parsed = ParameterizedValue(parsing: text)
        let head = parsed.value.utf8
        let slash = head.firstIndex(of: 0x2F)
        let type = String(decoding: head[..<(slash ?? head.endIndex)].map(\.asciiLowercased), as: UTF8.self)
        guard !type.isEmpty else { return nil }
        let subtype =
            slash.map { String(decoding: head[head.index(after: $0)...].map(\.asciiLowercased), as: UTF8.self) } ?? ""
        self.init(type: type, subtype: subtype, parameters: parsed.parameters)
    }

    /// `type/subtype`, lower-cased.
    public var mimeType: String { "\(type)/\(subtype)" }

    /// The value of the parameter with this (case-insensitive) name.
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    public var charset: String? { parameter("charset") }
    public var boundary: String? { parameter("boundary") }

    public var isMultipart: Bool { type == "multipart" }
    /// message/rfc822 and message/global (RFC 6532): an encapsulated message that is parsed as one.
    public var isEncapsulatedMessage: Bool { type == "message" && (subtype == "rfc822" || subtype == "global") }

    /// `text/plain`, the default (RFC 2045 §5.2; no charset means US-ASCII).
    public static let `default` = ContentType(type: "text", subtype: "plain")
    /// `message/rfc822`, the default inside multipart/digest (RFC 2046 §5.1.5).
    public static let messageRFC822 = ContentType(type: "message", subtype: "rfc822")
}

/// A parsed Content-Disposition (RFC 2183, with RFC 2231 filenames).
public struct ContentDisposition: Sendable, Hashable {
    /// Lower-cased disposition type: `inline`, `attachment`, or whatever the sender wrote.
    public var type: String
    public var parameters: [MIMEParameter]

    public init(type: String, parameters: [MIMEParameter] = []) {
        self.type = type
        self.parameters = parameters
    }

    /// Parses a Content-Disposition value. The type may be empty (`; filename=x`).
    public init(parsing text: String) {
        let parsed = ParameterizedValue(parsing: text)
        self.init(type: parsed.value.asciiLowercased, parameters: parsed.parameters)
    }

    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    public var filename: String? { parameter("filename") }
    public var isAttachment: Bool { type == "attachment" }
    public var isInline: Bool { type == "inline" }
}
