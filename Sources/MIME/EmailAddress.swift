/// A mailbox from an address header: the address and the optional display name, both decoded.
public struct EmailAddress: Sendable, Hashable, Codable {
    /// `local@domain` as written, with comments, whitespace and an obsolete source route removed. UTF-8 local parts
    /// and domains (RFC 6532) are kept as they are. May lack `@` (`To: root`) and is empty for a lone phrase
    /// (`To: Undisclosed recipients`).
    public var address: String
    /// The display name with RFC 2047 words decoded and quotes removed; when there is none, the text of a comment
    /// (`jdoe@example.org (John Doe)`).
    public var name: String?

    public init(address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// Parses an address-list header value and flattens groups into their members.
    ///
    /// ```swift
    /// EmailAddress.parseList("\"Doe, Jane\" <jane@example.com>, team: bob@example.com;")
    /// // [jane@example.com "Doe, Jane", bob@example.com]
    /// ```
    public static func parseList(_ value: String) -> [EmailAddress] {
        AddressList.parse(value).flatMap { entry -> [EmailAddress] in
            switch entry {
            case .mailbox(let mailbox): [mailbox]
            case .group(_, let members): members
            }
        }
    }
}

/// An address-list header value (RFC 5322 §3.4), with groups kept.
///
/// ```
/// address-list = address *("," address)
/// address      = mailbox / group
/// mailbox      = name-addr / addr-spec          ; name-addr = [display-name] "<" addr-spec ">"
/// group        = display-name ":" [group-list] ";" [CFWS]
/// ```
/// Lenient: obsolete syntax (phrases with dots, empty list elements, source routes `<@a,@b:x@y>`, CFWS inside
/// addr-specs), encoded words in display names and in quoted strings, a phrase after the angle address, missing `;`
/// at the end of a group, stray `>`. Entries with no address and no name (`, ,`, lone comments) are dropped.
public enum AddressList {
    public enum Entry: Sendable, Hashable {
        case mailbox(EmailAddress)
        /// A named group (`team: a@x, b@y;`); its members may be empty (`Undisclosed recipients:;`).
        case group(name: String, members: [EmailAddress])
    }

    public static func parse(_ value: String) -> [Entry] {
        var parser = AddressParser(bytes: Array(value.utf8)[...])
        return parser.parse()
    }
}

/// One display-name word with the whitespace that preceded it.
private struct PhraseWord {
    enum Kind { case atom, quoted, special }
    var bytes: [UInt8]
    /// For quoted strings: the source text with quotes and escapes, used when the word is part of an addr-spec.
    var raw: [UInt8] = []
    var kind: Kind
    var spaceBefore: Bool
}

private struct AddressParser {
    let bytes: ArraySlice<UInt8>
    var index: Int

    // The mailbox being built.
    var words: [PhraseWord] = []
    var comments: [String] = []
    var angleAddress: String?
    var sawSpace = false

    var entries: [AddressList.Entry] = []
    var groupName: String?
    var groupMembers: [EmailAddress] = []

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    mutating func parse() -> [AddressList.Entry] {
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            switch byte {
            case .space, .tab, .cr, .lf:
                sawSpace = true
                index += 1
            case 0x28:  // "(" comment
                let (text, next) = Self.comment(bytes, from: index)
                let decoded = EncodedWord.decode(text[...]).trimmedWhitespace
                if !decoded.isEmpty { comments.append(decoded) }
                index = next
                sawSpace = true
            case .quote:
                let (content, next) = ParameterParser.quotedString(bytes, from: index)
                appendWord(content, .quoted, raw: bytes[index..<next].filter { $0 != .cr && $0 != .lf })
                index = next
            case 0x3C:  // "<"
                angleAddress = Self.angleAddress(bytes, from: index + 1, next: &index)
                sawSpace = true
            case 0x3E:  // stray ">"
                index += 1
            case 0x2C:  // ","
                finishMailbox()
                index += 1
            case 0x3B:  // ";" ends a group
                finishMailbox()
                if let name = groupName {
                    entries.append(.group(name: name, members: groupMembers))
                    groupName = nil
                    groupMembers = []
                }
                index += 1
            case .colon where groupName == nil && angleAddress == nil:
                groupName = phraseText()
                words = []
                comments = []
                sawSpace = false
                index += 1
            case .colon, 0x40, 0x2E:  // ":" (inside a group), "@" and "." outside an angle address
                appendWord([byte], .special)
                index += 1
            default:
                let start = index
                while index < end, !Self.isDelimiter(bytes[index]) { index += 1 }
                appendWord(Array(bytes[start..<index]), .atom)
            }
        }
        finishMailbox()
        if let name = groupName { entries.append(.group(name: name, members: groupMembers)) }
        return entries
    }

    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case .space, .tab, .cr, .lf, 0x28, .quote, 0x3C, 0x3E, 0x2C, 0x3B, .colon, 0x40: true
        default: false
        }
    }

    mutating func appendWord(_ bytes: [UInt8], _ kind: PhraseWord.Kind, raw: [UInt8] = []) {
        words.append(PhraseWord(bytes: bytes, raw: raw, kind: kind, spaceBefore: sawSpace && !words.isEmpty))
        sawSpace = false
    }

    mutating func finishMailbox() {
        defer {
            words = []
            comments = []
            angleAddress = nil
            sawSpace = false
        }
        let mailbox: EmailAddress
        if let angleAddress {
            let phrase = phraseText()
            let name = phrase.isEmpty ? (comments.isEmpty ? nil : comments.joined(separator: " ")) : phrase
            mailbox = EmailAddress(address: angleAddress, name: name)
        } else if let address = bareAddress() {
            mailbox = address
        } else {
            let phrase = phraseText()
            guard !phrase.isEmpty else { return }
            mailbox = EmailAddress(address: "", name: phrase)
        }
        if groupName != nil { groupMembers.append(mailbox) } else { entries.append(.mailbox(mailbox)) }
    }

    /// A mailbox without angle brackets: an addr-spec (CFWS around its dots and `@` allowed, RFC 5322 §4.4), with
    /// the name from a comment or from words before it (`John Doe john@example.com`, a common mistake). A single
    /// word without `@` is a local address (`root`). Nil when there is no addr-spec.
    func bareAddress() -> EmailAddress? {
        // Group the words: whitespace separates groups except next to "." and "@".
        var groups: [[PhraseWord]] = []
        for word in words {
            let joinsPrevious =
                groups.last.map { previous in
                    !word.spaceBefore || word.kind == .special || word.bytes.first == 0x2E
                        || previous.last?.kind == .special || previous.last?.bytes.last == 0x2E
                } ?? false
            if joinsPrevious { groups[groups.count - 1].append(word) } else { groups.append([word]) }
        }
        let isAt: (PhraseWord) -> Bool = { $0.kind == .special && $0.bytes == [0x40] }
        guard let index = groups.firstIndex(where: { $0.contains(where: isAt) }) ?? (words.count == 1 ? 0 : nil) else {
            return nil
        }
        let address = groups[index].flatMap { $0.kind == .quoted ? $0.raw : $0.bytes }
        var others = groups
        others.remove(at: index)
        var phrase: [UInt8] = []
        for word in others.joined() {
            if !phrase.isEmpty { phrase.append(.space) }
            phrase.append(contentsOf: word.bytes)
        }
        let name =
            phrase.isEmpty
            ? (comments.isEmpty ? nil : comments.joined(separator: " ")) : EncodedWord.decode(phrase[...])
        return EmailAddress(address: String(decoding: address, as: UTF8.self), name: name)
    }

    /// The display name: words joined with single spaces where the source had whitespace, encoded words decoded
    /// (also inside quoted strings), and no space between adjacent encoded words.
    func phraseText() -> String {
        var raw: [UInt8] = []
        for word in words {
            if word.spaceBefore { raw.append(.space) }
            raw.append(contentsOf: word.bytes)
        }
        return EncodedWord.decode(raw[...]).trimmedWhitespace
    }

    /// The text of the comment at `start` (without the outer parentheses, escapes removed, nested ones kept).
    static func comment(_ bytes: ArraySlice<UInt8>, from start: Int) -> (text: [UInt8], next: Int) {
        var text: [UInt8] = []
        var depth = 0
        var index = start
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case 0x28:
                depth += 1
                if depth > 1 { text.append(byte) }
            case 0x29:
                depth -= 1
                if depth == 0 { return (text, index + 1) }
                text.append(byte)
            case .backslash where index + 1 < bytes.endIndex:
                index += 1
                text.append(bytes[index])
            case .cr, .lf:
                break
            default:
                text.append(byte)
            }
            index += 1
        }
        return (text, bytes.endIndex)
    }

    /// The addr-spec inside `<…>` starting at `start` (after the `<`): CFWS removed, quoted local parts kept quoted,
    /// an obsolete route (`@a,@b:`) dropped. An unterminated address runs to the end of the value.
    static func angleAddress(_ bytes: ArraySlice<UInt8>, from start: Int, next: inout Int) -> String {
        var address: [UInt8] = []
        var index = start
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x3E {
                index += 1
                break
            }
            switch byte {
            case .space, .tab, .cr, .lf: index += 1
            case 0x28: index = ParameterParser.skipComment(bytes, from: index)
            case .quote:
                let after = ParameterParser.quotedString(bytes, from: index).next
                address.append(contentsOf: bytes[index..<after].filter { $0 != .cr && $0 != .lf })
                index = after
            default:
                address.append(byte)
                index += 1
            }
        }
        next = index
        if address.first == 0x40, let colon = address.firstIndex(of: .colon) { address.removeSubrange(...colon) }
        return String(decoding: address, as: UTF8.self)
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace.
    var trimmedWhitespace: String {
        var slice = utf8[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }
}
