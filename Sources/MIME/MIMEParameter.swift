/// One parameter of a Content-Type or Content-Disposition value, after RFC 2231 and RFC 2047 decoding.
public struct MIMEParameter: Sendable, Hashable, Codable {
    /// Lower-cased name (`charset`, `boundary`, `filename`, …).
    public var name: String
    /// Decoded value.
    public var value: String
    /// RFC 2231 language tag, when given (`title*=us-ascii'en-us'…` → `en-us`).
    public var language: String?

    public init(name: String, value: String, language: String? = nil) {
        self.name = name
        self.value = value
        self.language = language
    }
}

/// A header value of the form `token *(";" parameter)`: Content-Type and Content-Disposition.
///
/// ```
/// content    := type "/" subtype *(";" parameter)     ; RFC 2045 §5.1
/// parameter  := attribute "=" value                    ; value := token / quoted-string
/// parameter  =/ attribute "*" [section "*"] "=" ext-value  ; RFC 2231 §3-4: continuations, charset'language'%XX
/// ```
/// Lenient like real mail readers: comments and whitespace anywhere, a missing `;` between parameters, spaces around
/// `=`, unquoted values with tspecials (`boundary=a:b`), an unterminated quoted string (runs to the end), RFC 2047
/// encoded words inside values (`name="=?utf-8?q?…?="`), continuation sections in any order. Names are lower-cased;
/// an RFC 2231 value wins over a plain one of the same name; otherwise the first occurrence wins.
///
/// ```swift
/// let value = ParameterizedValue(parsing: "attachment; filename*=utf-8''%E2%82%AC.txt")
/// value.value                     // "attachment"
/// value.parameter("filename")     // "€.txt"
/// ```
public struct ParameterizedValue: Sendable, Hashable {
    /// The leading token with comments and whitespace removed (`text/plain`, `attachment`), as written.
    public var value: String
    public var parameters: [MIMEParameter]

    public init(value: String, parameters: [MIMEParameter]) {
        self.value = value
        self.parameters = parameters
    }

    public init(parsing text: String) {
        self = ParameterParser.parse(Array(text.utf8)[...])
    }

    /// The value of the parameter with this (case-insensitive) name.
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
}

enum ParameterParser {
    /// A raw `name=value` before RFC 2231 assembly.
    private struct RawParameter {
        var base: String  // lower-cased name without the RFC 2231 suffix
        var section: Int?  // "name*3" → 3
        var extended: Bool  // "name*" or "name*3*"
        var value: [UInt8]
        var order: Int
    }

    private static let maxParameters = 256

    static func parse(_ bytes: ArraySlice<UInt8>) -> ParameterizedValue {
        var index = bytes.startIndex
        let end = bytes.endIndex

        // The leading value: `type [CFWS] "/" [CFWS] subtype`, or one token (a disposition type).
        func token(allowingSlash: Bool) -> [UInt8] {
            if index < end, bytes[index] == .quote {
                let (content, next) = quotedString(bytes, from: index)
                index = next
                return content
            }
            let start = index
            while index < end, !bytes[index].isWhitespace, bytes[index] != 0x3B, bytes[index] != 0x28,
                bytes[index] != .quote,
                allowingSlash || bytes[index] != 0x2F
            {
                index += 1
            }
            return Array(bytes[start..<index])
        }
        index = skipCFWS(bytes, from: index)
        var head = token(allowingSlash: false)
        let afterType = index
        index = skipCFWS(bytes, from: index)
        if index < end, bytes[index] == 0x2F {
            index = skipCFWS(bytes, from: index + 1)
            head.append(0x2F)
            head.append(contentsOf: token(allowingSlash: true))
        } else {
            index = afterType
        }

        var raws: [RawParameter] = []
        while index < end, raws.count < maxParameters {
            if bytes[index] == 0x3B || bytes[index].isWhitespace {
                index += 1
                continue
            }
            if bytes[index] == 0x28 {
                index = skipComment(bytes, from: index)
                continue
            }
            // attribute
            let nameStart = index
            while index < end, !bytes[index].isWhitespace, bytes[index] != .equals, bytes[index] != 0x3B,
                bytes[index] != 0x28,
                bytes[index] != .quote
            {
                index += 1
            }
            let name = bytes[nameStart..<index]
            index = skipCFWS(bytes, from: index)
            guard index < end, bytes[index] == .equals else {
                // No "=": not a parameter; skip to the next ";".
                if index < end, bytes[index] == .quote { index = quotedString(bytes, from: index).next }
                if name.isEmpty, index < end, bytes[index] != 0x3B { index += 1 }
                continue
            }
            index = skipCFWS(bytes, from: index + 1)
            var value: [UInt8] = []
            if index < end, bytes[index] == .quote {
                let (content, next) = quotedString(bytes, from: index)
                value = content
                index = next
            } else {
                let valueStart = index
                while true {
                    while index < end, !bytes[index].isWhitespace, bytes[index] != 0x3B, bytes[index] != 0x28 {
                        index += 1
                    }
                    // An unquoted run of encoded words separated by spaces (`name==?a?b?…?= =?a?b?…?=`) is one value.
                    var next = index
                    while next < end, bytes[next].isWhitespace { next += 1 }
                    guard next > index, next + 1 < end, bytes[next] == .equals, bytes[next + 1] == .question,
                        EncodedWord.containsEncodedWordStart(bytes[valueStart..<index])
                    else { break }
                    index = next
                }
                value = Array(bytes[valueStart..<index])
                if value.isEmpty { continue }
            }
            guard !name.isEmpty, let raw = makeRaw(name: name, value: value, order: raws.count) else { continue }
            raws.append(raw)
        }
        return ParameterizedValue(value: String(decoding: head, as: UTF8.self), parameters: assemble(raws))
    }

    private static func makeRaw(name: ArraySlice<UInt8>, value: [UInt8], order: Int) -> RawParameter? {
        let lower = name.map(\.asciiLowercased)
        guard let star = lower.firstIndex(of: 0x2A) else {
            let base = String(decoding: lower, as: UTF8.self)
            return RawParameter(base: base, section: nil, extended: false, value: value, order: order)
        }
        let base = String(decoding: lower[..<star], as: UTF8.self)
        guard !base.isEmpty else { return nil }
        // "*" → extended; "*N" → section N; "*N*" → extended section N.
        var digits = lower[(star + 1)...]
        if digits.isEmpty { return RawParameter(base: base, section: nil, extended: true, value: value, order: order) }
        let extended = digits.last == 0x2A
        if extended { digits = digits.dropLast() }
        guard digits.count <= 9, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let section = Int(String(decoding: digits, as: UTF8.self))
        else { return nil }
        return RawParameter(base: base, section: section, extended: extended, value: value, order: order)
    }

    /// Joins RFC 2231 sections, decodes charsets, and orders parameters by first appearance.
    private static func assemble(_ raws: [RawParameter]) -> [MIMEParameter] {
        var groups: [String: [RawParameter]] = [:]
        var order: [String] = []
        for raw in raws {
            if groups[raw.base] == nil { order.append(raw.base) }
            groups[raw.base, default: []].append(raw)
        }
        var result: [MIMEParameter] = []
        for base in order {
            guard let group = groups[base] else { continue }
            let rfc2231 = group.filter { $0.section != nil || $0.extended }
            if rfc2231.isEmpty {
                let value = group[0].value
                let text = base == "boundary" ? String(decoding: value, as: UTF8.self) : EncodedWord.decode(value[...])
                result.append(MIMEParameter(name: base, value: text))
                continue
            }
            // RFC 2231: a single "name*" or sections "name*0", "name*1"… (the first of each section wins).
            var sections: [Int: RawParameter] = [:]
            for raw in rfc2231 where sections[raw.section ?? 0] == nil { sections[raw.section ?? 0] = raw }
            var charset: String?
            var language: String?
            var bytes: [UInt8] = []
            for (position, number) in sections.keys.sorted().enumerated() {
                guard let raw = sections[number] else { continue }
                guard raw.extended else {
                    bytes.append(contentsOf: raw.value)
                    continue
                }
                var value = raw.value[...]
                if position == 0 {
                    // charset'language'text — tolerate a missing language part.
                    if let first = value.firstIndex(of: 0x27) {
                        charset = String(decoding: value[..<first], as: UTF8.self)
                        let rest = value[(first + 1)...]
                        if let second = rest.firstIndex(of: 0x27) {
                            let tag = String(decoding: rest[..<second], as: UTF8.self)
                            language = tag.isEmpty ? nil : tag
                            value = rest[(second + 1)...]
                        } else {
                            value = rest
                        }
                    }
                } else if let charset, !charset.isEmpty, let quote = value.firstIndex(of: 0x27),
                    String(decoding: value[..<quote], as: UTF8.self).equalsIgnoringASCIICase(charset)
                {
                    value = value[(quote + 1)...]  // a later section that repeats "charset'" (seen in the wild)
                }
                bytes.append(contentsOf: percentDecoded(value))
            }
            let text = Charset.decode(bytes, label: (charset?.isEmpty ?? true) ? "utf-8" : charset).string
            result.append(MIMEParameter(name: base, value: text, language: language))
        }
        return result
    }

    private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 0x25, index + 2 < bytes.endIndex,
                let high = bytes[index + 1].hexValue, let low = bytes[index + 2].hexValue
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    /// The content of a quoted string starting at `start` (a `"`), unescaped, and the index after it.
    /// An unterminated string runs to the end.
    static func quotedString(_ bytes: ArraySlice<UInt8>, from start: Int) -> (content: [UInt8], next: Int) {
        var content: [UInt8] = []
        var index = start + 1
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == .quote { return (content, index + 1) }
            if byte == .backslash, index + 1 < bytes.endIndex {
                content.append(bytes[index + 1])
                index += 2
                continue
            }
            if byte != .cr, byte != .lf { content.append(byte) }
            index += 1
        }
        return (content, index)
    }

    /// The index after the (nested) comment starting at `start` (a `(`). An unterminated comment runs to the end.
    static func skipComment(_ bytes: ArraySlice<UInt8>, from start: Int) -> Int {
        var depth = 0
        var index = start
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x28: depth += 1
            case 0x29:
                depth -= 1
                if depth == 0 { return index + 1 }
            case .backslash: index += 1
            default: break
            }
            index += 1
        }
        return bytes.endIndex
    }

    static func skipCFWS(_ bytes: ArraySlice<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.endIndex {
            if bytes[index].isWhitespace {
                index += 1
            } else if bytes[index] == 0x28 {
                index = skipComment(bytes, from: index)
            } else {
                break
            }
        }
        return index
    }
}
