import Foundation
import MIME

/// What rules can see of one message: its parsed headers and bodies, the SMTP envelope and connection, and the
/// DKIM/SPF verdicts. Built once per message and cheap to build: a field's values are worked out (decoded, the HTML
/// stripped, capped) only when a rule reads that field, once per evaluation. The recipient a decision is for is given
/// to ``RuleBook/evaluate(_:recipients:)``.
public struct MailFacts: Sendable {
    public var from: [String]
    public var to: [String]
    public var cc: [String]
    public var subject: String?
    /// Header fields in order, values as received (a rule sees them RFC 2047-decoded).
    public var headers: [HeaderField]
    /// The first text/plain body.
    public var text: String?
    /// The first text/html body (used when there is no text).
    public var html: String?
    public var attachmentNames: [String]
    public var attachmentTypes: [String]
    public var size: Int
    public var clientIP: String
    public var helo: String
    public var mailFrom: String
    public var tls: Bool
    /// `pass`, `fail`, `none`, …; nil when not checked.
    public var dkimResult: String?
    public var spfResult: String?

    public init(
        from: [String] = [], to: [String] = [], cc: [String] = [], subject: String? = nil,
        headers: [HeaderField] = [], body: String? = nil, html: String? = nil, attachmentNames: [String] = [],
        attachmentTypes: [String] = [], size: Int = 0, clientIP: String = "", helo: String = "",
        mailFrom: String = "", tls: Bool = false, dkimResult: String? = nil, spfResult: String? = nil
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.headers = headers
        self.text = body
        self.html = html
        self.attachmentNames = attachmentNames
        self.attachmentTypes = attachmentTypes
        self.size = size
        self.clientIP = clientIP
        self.helo = helo
        self.mailFrom = mailFrom
        self.tls = tls
        self.dkimResult = dkimResult
        self.spfResult = spfResult
    }

    /// The facts of a parsed message as received.
    public init(
        message: ParsedMessage, size: Int, clientIP: String, helo: String, mailFrom: String, tls: Bool,
        dkimResult: String?, spfResult: String?
    ) {
        self.init(
            from: message.from.map(\.address), to: message.to.map(\.address), cc: message.cc.map(\.address),
            subject: message.subject, headers: message.headers, body: message.text, html: message.html,
            attachmentNames: message.attachments.compactMap(\.filename),
            attachmentTypes: message.attachments.map(\.contentType),
            size: size, clientIP: clientIP, helo: helo, mailFrom: mailFrom, tls: tls, dkimResult: dkimResult,
            spfResult: spfResult)
    }

    /// What the `body` field reads: the text part, else the HTML part's text; at most
    /// ``RulesDefaults/maxInputBytes``.
    public var body: String? { (text ?? html.map(HTMLText.strip)).map(Self.capped) }

    /// The field's values for `recipient`, each capped at ``RulesDefaults/maxInputBytes``; empty strings are no
    /// value.
    func values(of field: RuleField, recipient: String) -> [String] {
        let values: [String]
        switch field {
        case .from: values = from
        case .to: values = to
        case .cc: values = cc
        case .subject: values = subject.map { [$0] } ?? []
        case .header(let name): values = headers.all(named: name).map(EncodedWord.decode)
        case .body: values = body.map { [$0] } ?? []
        case .hasAttachment: values = [attachmentTypes.isEmpty ? "false" : "true"]
        case .dkimResult: values = dkimResult.map { [$0] } ?? []
        case .spfResult: values = spfResult.map { [$0] } ?? []
        case .attachmentName: values = attachmentNames
        case .attachmentType: values = attachmentTypes
        case .size: values = [String(size)]
        case .clientIP: values = [clientIP]
        case .helo: values = [helo]
        case .mailFrom: values = [mailFrom]
        case .rcptTo: values = [recipient]
        case .tls: values = [tls ? "true" : "false"]
        }
        if values.allSatisfy({ !$0.isEmpty && $0.utf8.count <= RulesDefaults.maxInputBytes }) { return values }
        return values.compactMap { $0.isEmpty ? nil : Self.capped($0) }
    }

    /// The first ``RulesDefaults/maxInputBytes`` of `text`, cut at a scalar boundary.
    static func capped(_ text: String) -> String {
        guard text.utf8.count > RulesDefaults.maxInputBytes else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: RulesDefaults.maxInputBytes)
        while end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        return String(Substring(text.unicodeScalars[..<end]))
    }
}

/// The text of an HTML body for matching: `script` and `style` contents and all tags removed, the common entities
/// decoded, whitespace runs collapsed.
public enum HTMLText {
    public static func strip(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count / 2)
        var scalars = html.unicodeScalars[...]
        var lastWasSpace = false
        func emit(_ scalar: Unicode.Scalar) {
            let space = scalar == " " || scalar == "\n" || scalar == "\r" || scalar == "\t" || scalar == "\u{A0}"
            if space {
                if !lastWasSpace, !out.isEmpty { out.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        while let scalar = scalars.first {
            if scalar == "<" {
                let rest = String(String.UnicodeScalarView(scalars.prefix(8))).lowercased()
                let skipped = rest.hasPrefix("<script") ? "</script" : rest.hasPrefix("<style") ? "</style" : nil
                if let closing = skipped {
                    scalars = Self.skip(past: closing, in: scalars)
                }
                // Drop the tag itself (up to '>', or to the end when it never closes).
                if let end = scalars.firstIndex(of: ">") {
                    scalars = scalars[scalars.index(after: end)...]
                } else {
                    scalars = scalars[scalars.endIndex...]
                }
                emit(" ")
                continue
            }
            if scalar == "&", let (decoded, rest) = Self.entity(scalars) {
                emit(decoded)
                scalars = rest
                continue
            }
            emit(scalar)
            scalars = scalars.dropFirst()
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    private static func skip(
        past closing: String, in scalars: Substring.UnicodeScalarView
    ) -> Substring.UnicodeScalarView {
        let text = Substring(scalars)
        if let range = text.range(of: closing, options: .caseInsensitive) {
            return Substring(text[range.upperBound...]).unicodeScalars
        }
        return Substring(text[text.endIndex...]).unicodeScalars
    }

    private static let named: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "\u{A9}",
        "reg": "\u{AE}", "hellip": "\u{2026}", "mdash": "\u{2014}", "ndash": "\u{2013}", "euro": "\u{20AC}",
    ]

    private static func entity(
        _ scalars: Substring.UnicodeScalarView
    ) -> (Unicode.Scalar, Substring.UnicodeScalarView)? {
        guard let semicolon = scalars.prefix(12).firstIndex(of: ";") else { return nil }
        let name = String(String.UnicodeScalarView(scalars[scalars.index(after: scalars.startIndex)..<semicolon]))
        let rest = scalars[scalars.index(after: semicolon)...]
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            guard let value = UInt32(name.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(value) else {
                return nil
            }
            return (scalar, rest)
        }
        if name.hasPrefix("#") {
            guard let value = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(value) else { return nil }
            return (scalar, rest)
        }
        guard let scalar = named[name.lowercased()] else { return nil }
        return (scalar, rest)
    }
}
