/// A parsed macro string (RFC 7208 §7): literal text with `%{…}` expansions, expanded by
/// ``SPFCheck/expand(_:domain:)``.
///
/// - SeeAlso: RFC 7208 §7.1 (grammar), §7.2 (letters), §7.3 (transformers).
struct SPFMacroString: Hashable, Sendable {
    enum Token: Hashable, Sendable {
        case literal(String)
        case macro(SPFMacro)
    }

    var tokens: [Token]

    /// True when the string contains no expansion at all.
    var isLiteral: Bool {
        tokens.allSatisfy { if case .literal = $0 { true } else { false } }
    }
}

/// One `%{…}` expansion.
struct SPFMacro: Hashable, Sendable {
    /// macro-letter = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
    enum Letter: UInt8, Hashable, Sendable {
        case sender = 0x73  // s
        case localPart = 0x6C  // l
        case senderDomain = 0x6F  // o
        case domain = 0x64  // d
        case ip = 0x69  // i
        case validatedName = 0x70  // p
        case helo = 0x68  // h
        case clientIP = 0x63  // c (exp only)
        case receiver = 0x72  // r (exp only)
        case timestamp = 0x74  // t (exp only)
        case ipVersion = 0x76  // v

        /// c, r and t are allowed only in explanation text (RFC 7208 §7.1).
        var isExplanationOnly: Bool { self == .clientIP || self == .receiver || self == .timestamp }
    }

    var letter: Letter
    /// Upper-case letter: URL-escape the expanded value (RFC 7208 §7.3).
    var urlEscape: Bool
    /// The DIGIT transformer: keep this many right-hand parts (nil: all).
    var rightParts: Int?
    /// The "r" transformer: reverse the parts first.
    var reverse: Bool
    /// Characters to split on; empty means the default ".".
    var delimiters: [UInt8]
}

extension SPFMacroString {
    /// Where a macro string appears, which decides what it may contain.
    enum Context {
        /// `domain-spec` of a mechanism or of redirect=/exp=: no SP, no c/r/t, must end in a domain-end.
        case domainSpec
        /// The value of an unknown modifier: any macro-string (it is never expanded).
        case modifierValue
        /// The TXT record fetched for exp= (`explain-string`): SP allowed, all letters.
        case explanation
    }

    /// Parses a macro string.
    ///
    /// ```
    /// domain-spec      = macro-string domain-end
    /// domain-end       = ( "." toplabel [ "." ] ) / macro-expand
    /// explain-string   = *( macro-string / SP )
    /// macro-string     = *( macro-expand / macro-literal )
    /// macro-expand     = ( "%{" macro-letter transformers *delimiter "}" )
    ///                    / "%%" / "%_" / "%-"
    /// macro-literal    = %x21-24 / %x26-7E
    ///                    ; visible characters except "%"
    /// macro-letter     = "s" / "l" / "o" / "d" / "i" / "p" / "h" /
    ///                    "c" / "r" / "t" / "v"
    /// transformers     = *DIGIT [ "r" ]
    /// delimiter        = "." / "-" / "+" / "," / "/" / "_" / "="
    /// ```
    /// - SeeAlso: RFC 7208 §7.1, §12.
    init(parsing bytes: some Collection<UInt8>, context: Context) throws(SPFSyntaxError) {
        var tokens: [Token] = []
        var literal: [UInt8] = []
        // Bytes of the literal text after the last macro-expand, to check domain-end.
        var trailingLiteral: [UInt8] = []
        var endsWithExpand = false
        var index = bytes.startIndex

        func flush() {
            if !literal.isEmpty {
                tokens.append(.literal(String(decoding: literal, as: UTF8.self)))
                literal.removeAll(keepingCapacity: true)
            }
        }

        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            if byte == SPFCharacter.percent {
                guard index != bytes.endIndex else { throw SPFSyntaxError("'%' at the end of a macro string") }
                let next = bytes[index]
                bytes.formIndex(after: &index)
                switch next {
                case SPFCharacter.percent: literal.append(SPFCharacter.percent)
                case UInt8(ascii: "_"): literal.append(SPFCharacter.space)
                case SPFCharacter.hyphen: literal.append(contentsOf: "%20".utf8)
                case UInt8(ascii: "{"):
                    flush()
                    tokens.append(.macro(try Self.parseExpand(bytes, &index, context: context)))
                default:
                    throw SPFSyntaxError(
                        "'%' must be followed by '{', '%', '_' or '-', not \(SPFCharacter.quoted([next]))")
                }
                endsWithExpand = true
                trailingLiteral.removeAll(keepingCapacity: true)
            } else if (0x21...0x7E).contains(byte) || (byte == SPFCharacter.space && context == .explanation) {
                literal.append(byte)
                trailingLiteral.append(byte)
                endsWithExpand = false
            } else {
                throw SPFSyntaxError("invalid character \(SPFCharacter.quoted([byte])) in macro string")
            }
        }
        flush()
        self.tokens = tokens

        if context == .domainSpec {
            guard !bytes.isEmpty else { throw SPFSyntaxError("empty domain-spec") }
            if !endsWithExpand {
                try Self.checkDomainEnd(trailingLiteral)
            }
        }
    }

    /// Parses what follows "%{": `macro-letter transformers *delimiter "}"`.
    private static func parseExpand<C: Collection<UInt8>>(
        _ bytes: C, _ index: inout C.Index, context: Context
    ) throws(SPFSyntaxError) -> SPFMacro {
        guard index != bytes.endIndex else { throw SPFSyntaxError("unterminated macro '%{'") }
        let letterByte = bytes[index]
        bytes.formIndex(after: &index)
        guard let letter = SPFMacro.Letter(rawValue: SPFCharacter.lowercased(letterByte)) else {
            throw SPFSyntaxError("unknown macro letter \(SPFCharacter.quoted([letterByte]))")
        }
        if letter.isExplanationOnly && context == .domainSpec {
            throw SPFSyntaxError("macro letter \(SPFCharacter.quoted([letterByte])) is allowed only in exp text")
        }
        var macro = SPFMacro(
            letter: letter, urlEscape: SPFCharacter.isAlpha(letterByte) && letterByte < 0x61,
            rightParts: nil, reverse: false, delimiters: [])
        // transformers = *DIGIT [ "r" ]
        var digits: Int?
        while index != bytes.endIndex, SPFCharacter.isDigit(bytes[index]) {
            let value = Int(bytes[index] - 0x30)
            digits = min((digits ?? 0) * 10 + value, 1_000)
            bytes.formIndex(after: &index)
        }
        if let digits {
            // "If a DIGIT is specified, the value MUST be nonzero." (RFC 7208 §7.3)
            guard digits > 0 else { throw SPFSyntaxError("macro transformer digit must be nonzero") }
            macro.rightParts = digits
        }
        if index != bytes.endIndex, SPFCharacter.lowercased(bytes[index]) == UInt8(ascii: "r") {
            macro.reverse = true
            bytes.formIndex(after: &index)
        }
        // *delimiter "}"
        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            if byte == UInt8(ascii: "}") { return macro }
            guard Self.delimiters.contains(byte) else {
                throw SPFSyntaxError("invalid macro delimiter \(SPFCharacter.quoted([byte]))")
            }
            if !macro.delimiters.contains(byte) { macro.delimiters.append(byte) }
        }
        throw SPFSyntaxError("unterminated macro '%{'")
    }

    private static let delimiters: [UInt8] = Array(".-+,/_=".utf8)

    /// `domain-end = ( "." toplabel [ "." ] ) / macro-expand`, for a domain-spec that ends in literal text.
    private static func checkDomainEnd(_ literal: [UInt8]) throws(SPFSyntaxError) {
        var text = literal[...]
        if text.last == SPFCharacter.dot { text = text.dropLast() }
        guard let dot = text.lastIndex(of: SPFCharacter.dot) else {
            throw SPFSyntaxError("domain-spec must end in '.' and a top-level label")
        }
        let label = text[text.index(after: dot)...]
        guard isTopLabel(label) else {
            throw SPFSyntaxError("invalid top-level label \(SPFCharacter.quoted(label)) in domain-spec")
        }
    }

    /// ```
    /// toplabel         = ( *alphanum ALPHA *alphanum ) /
    ///                    ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
    /// ```
    static func isTopLabel(_ label: some Collection<UInt8>) -> Bool {
        guard let first = label.first, let last = label.reversed().first,
            label.allSatisfy({ SPFCharacter.isAlphanumeric($0) || $0 == SPFCharacter.hyphen })
        else { return false }
        if label.contains(SPFCharacter.hyphen) {
            return SPFCharacter.isAlphanumeric(first) && SPFCharacter.isAlphanumeric(last)
        }
        return label.contains(where: SPFCharacter.isAlpha)
    }
}
