import DNSClient

/// Parses SPF records (RFC 7208 §4.5, §4.6, §5, §6, §12).
///
/// The whole record is parsed before anything is evaluated, so a syntax error anywhere is a
/// permerror even when an earlier mechanism would have matched (§4.6).
enum SPFRecordParser {
    private static let version = Array("v=spf1".utf8)

    /// True for a TXT string that is an SPF version 1 record (RFC 7208 §4.5):
    /// it starts with "v=spf1" (case-insensitively) followed by a space or the end.
    ///
    /// ```
    /// record           = version terms *SP
    /// version          = "v=spf1"
    /// ```
    static func isSPFRecord(_ text: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        for expected in version {
            guard let byte = bytes.next(), SPFCharacter.lowercased(byte) == expected else { return false }
        }
        let next = bytes.next()
        return next == nil || next == SPFCharacter.space
    }

    /// Parses a record for which ``isSPFRecord(_:)`` is true.
    ///
    /// ```
    /// record           = version terms *SP
    /// terms            = *( 1*SP ( directive / modifier ) )
    /// ```
    static func parse(_ text: String) throws(SPFSyntaxError) -> SPFRecord {
        guard isSPFRecord(text) else { throw SPFSyntaxError("not a v=spf1 record") }
        let bytes = Array(text.utf8)
        var record = SPFRecord(directives: [], redirect: nil, explanation: nil)
        var seenRedirect = false
        var seenExplanation = false
        for term in bytes[version.count...].split(separator: SPFCharacter.space) {
            switch try parseTerm(term) {
            case .directive(let directive):
                record.directives.append(directive)
            case .redirect(let target):
                // "These two modifiers MUST NOT appear in a record more than once each." (§6)
                guard !seenRedirect else { throw SPFSyntaxError("redirect= appears more than once") }
                seenRedirect = true
                record.redirect = target
            case .explanation(let target):
                guard !seenExplanation else { throw SPFSyntaxError("exp= appears more than once") }
                seenExplanation = true
                record.explanation = target
            case .unknownModifier:
                break
            }
        }
        return record
    }

    private enum Term {
        case directive(SPFDirective)
        case redirect(SPFMacroString)
        case explanation(SPFMacroString)
        case unknownModifier
    }

    /// ```
    /// directive        = [ qualifier ] mechanism
    /// qualifier        = "+" / "-" / "?" / "~"
    /// modifier         = redirect / explanation / unknown-modifier
    /// redirect         = "redirect" "=" domain-spec
    /// explanation      = "exp" "=" domain-spec
    /// unknown-modifier = name "=" macro-string
    ///                    ; where name is not any known modifier
    /// name             = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    /// ```
    /// A term is a modifier when a name is immediately followed by "=" (§4.6.1); the known names
    /// are never re-read as unknown modifiers, so `redirect=-all` is an error, not ignored.
    private static func parseTerm(_ term: ArraySlice<UInt8>) throws(SPFSyntaxError) -> Term {
        if let first = term.first, SPFCharacter.isAlpha(first) {
            let nameEnd =
                term.firstIndex { byte in
                    !(SPFCharacter.isAlphanumeric(byte) || byte == SPFCharacter.hyphen
                        || byte == UInt8(ascii: "_") || byte == SPFCharacter.dot)
                } ?? term.endIndex
            if nameEnd != term.endIndex, term[nameEnd] == SPFCharacter.equals {
                let name = String(decoding: term[..<nameEnd].map(SPFCharacter.lowercased), as: UTF8.self)
                let value = term[(nameEnd + 1)...]
                switch name {
                case "redirect": return .redirect(try domainSpec(value, in: term))
                case "exp": return .explanation(try domainSpec(value, in: term))
                default:
                    do {
                        _ = try SPFMacroString(parsing: value, context: .modifierValue)
                    } catch {
                        throw SPFSyntaxError("\(SPFCharacter.quoted(term)): \(error.message)")
                    }
                    return .unknownModifier
                }
            }
        }
        var body = term
        var qualifier = SPFQualifier.pass
        if let first = body.first, let explicit = SPFQualifier(rawValue: first) {
            qualifier = explicit
            body = body.dropFirst()
        }
        let nameEnd = body.firstIndex { $0 == SPFCharacter.colon || $0 == SPFCharacter.slash } ?? body.endIndex
        let name = String(decoding: body[..<nameEnd].map(SPFCharacter.lowercased), as: UTF8.self)
        let arguments = body[nameEnd...]
        let mechanism: SPFMechanism
        do {
            mechanism = try parseMechanism(name, arguments)
        } catch {
            throw SPFSyntaxError("\(SPFCharacter.quoted(term)): \(error.message)")
        }
        return .directive(
            SPFDirective(
                qualifier: qualifier, mechanism: mechanism, text: String(decoding: term, as: UTF8.self)))
    }

    /// ```
    /// mechanism        = ( all / include / a / mx / ptr / ip4 / ip6 / exists )
    /// all              = "all"
    /// include          = "include"  ":" domain-spec
    /// a                = "a"      [ ":" domain-spec ] [ dual-cidr-length ]
    /// mx               = "mx"     [ ":" domain-spec ] [ dual-cidr-length ]
    /// ptr              = "ptr"    [ ":" domain-spec ]
    /// ip4              = "ip4"      ":" ip4-network   [ ip4-cidr-length ]
    /// ip6              = "ip6"      ":" ip6-network   [ ip6-cidr-length ]
    /// exists           = "exists"   ":" domain-spec
    /// ```
    private static func parseMechanism(
        _ name: String, _ arguments: ArraySlice<UInt8>
    ) throws(SPFSyntaxError) -> SPFMechanism {
        switch name {
        case "all":
            guard arguments.isEmpty else { throw SPFSyntaxError("'all' takes no argument") }
            return .all
        case "include":
            return .include(try requiredDomainSpec(arguments))
        case "exists":
            return .exists(try requiredDomainSpec(arguments))
        case "a", "mx":
            let (rest, cidr) = try splitDualCIDR(arguments)
            let target = try optionalDomainSpec(rest)
            return name == "a" ? .a(target, cidr) : .mx(target, cidr)
        case "ptr":
            return .ptr(try optionalDomainSpec(arguments))
        case "ip4":
            let (network, prefix) = try ipNetwork(arguments, maximumPrefix: 32)
            guard let address = parseIPv4Network(network) else {
                throw SPFSyntaxError("invalid ip4-network \(SPFCharacter.quoted(network))")
            }
            return .ip4(address, prefixLength: prefix ?? 32)
        case "ip6":
            let (network, prefix) = try ipNetwork(arguments, maximumPrefix: 128)
            // ip6-network = <as per Section 2.2 of [RFC4291]>
            guard network.allSatisfy({ (0x21...0x7E).contains($0) }),
                let address = IPAddress(String(decoding: network, as: UTF8.self)), !address.isIPv4
            else {
                throw SPFSyntaxError("invalid ip6-network \(SPFCharacter.quoted(network))")
            }
            return .ip6(address, prefixLength: prefix ?? 128)
        default:
            throw SPFSyntaxError("unknown mechanism")
        }
    }

    private static func requiredDomainSpec(_ arguments: ArraySlice<UInt8>) throws(SPFSyntaxError) -> SPFMacroString {
        guard arguments.first == SPFCharacter.colon else { throw SPFSyntaxError("missing ':' domain-spec") }
        return try SPFMacroString(parsing: arguments.dropFirst(), context: .domainSpec)
    }

    private static func optionalDomainSpec(_ arguments: ArraySlice<UInt8>) throws(SPFSyntaxError) -> SPFMacroString? {
        if arguments.isEmpty { return nil }
        return try requiredDomainSpec(arguments)
    }

    private static func domainSpec(
        _ value: ArraySlice<UInt8>, in term: ArraySlice<UInt8>
    ) throws(SPFSyntaxError) -> SPFMacroString {
        do {
            return try SPFMacroString(parsing: value, context: .domainSpec)
        } catch {
            throw SPFSyntaxError("\(SPFCharacter.quoted(term)): \(error.message)")
        }
    }

    /// Takes `[ ip4-cidr-length ] [ "/" ip6-cidr-length ]` off the end of an a/mx argument.
    /// Reading from the right keeps a "/" inside the domain-spec (`a:foo:bar/baz.example.com`) intact.
    ///
    /// ```
    /// dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
    /// ```
    private static func splitDualCIDR(
        _ arguments: ArraySlice<UInt8>
    ) throws(SPFSyntaxError) -> (ArraySlice<UInt8>, SPFDualCIDR) {
        var rest = arguments
        var cidr = SPFDualCIDR()
        var sawIPv6 = false
        while let (digits, slashes) = trailingLength(rest) {
            if slashes == 2 && !sawIPv6 {
                cidr.ip6 = try cidrLength(digits, maximum: 128)
                sawIPv6 = true
                rest = rest[..<(digits.startIndex - 2)]
            } else {
                cidr.ip4 = try cidrLength(digits, maximum: 32)
                rest = rest[..<(digits.startIndex - 1)]
                break
            }
        }
        return (rest, cidr)
    }

    /// The digits at the end of `text` and whether one or two slashes precede them.
    private static func trailingLength(_ text: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Int)? {
        var start = text.endIndex
        while start > text.startIndex, SPFCharacter.isDigit(text[start - 1]) { start -= 1 }
        guard start < text.endIndex, start > text.startIndex, text[start - 1] == SPFCharacter.slash else { return nil }
        let slashes = start - 1 > text.startIndex && text[start - 2] == SPFCharacter.slash ? 2 : 1
        return (text[start...], slashes)
    }

    /// Splits `":" network [ "/" length ]` of ip4/ip6.
    private static func ipNetwork(
        _ arguments: ArraySlice<UInt8>, maximumPrefix: Int
    ) throws(SPFSyntaxError) -> (ArraySlice<UInt8>, Int?) {
        guard arguments.first == SPFCharacter.colon else { throw SPFSyntaxError("missing ':' network") }
        let value = arguments.dropFirst()
        guard let slash = value.firstIndex(of: SPFCharacter.slash) else { return (value, nil) }
        return (value[..<slash], try cidrLength(value[(slash + 1)...], maximum: maximumPrefix))
    }

    /// ```
    /// ip4-cidr-length  = "/" ("0" / %x31-39 0*1DIGIT) ; value range 0-32
    /// ip6-cidr-length  = "/" ("0" / %x31-39 0*2DIGIT) ; value range 0-128
    /// ```
    private static func cidrLength(_ digits: ArraySlice<UInt8>, maximum: Int) throws(SPFSyntaxError) -> Int {
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(SPFCharacter.isDigit),
            digits.count == 1 || digits.first != UInt8(ascii: "0")
        else {
            throw SPFSyntaxError("invalid CIDR length \(SPFCharacter.quoted(digits))")
        }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard value <= maximum else { throw SPFSyntaxError("CIDR length \(value) exceeds \(maximum)") }
        return value
    }

    /// ```
    /// ip4-network      = qnum "." qnum "." qnum "." qnum
    /// qnum             = DIGIT                 ; 0-9
    ///                    / %x31-39 DIGIT       ; 10-99
    ///                    / "1" 2DIGIT          ; 100-199
    ///                    / "2" %x30-34 DIGIT   ; 200-249
    ///                    / "25" %x30-35        ; 250-255
    /// ```
    static func parseIPv4Network(_ text: ArraySlice<UInt8>) -> IPAddress? {
        let parts = text.split(separator: SPFCharacter.dot, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(SPFCharacter.isDigit),
                part.count == 1 || part.first != UInt8(ascii: "0")
            else { return nil }
            let octet = part.reduce(UInt32(0)) { $0 * 10 + UInt32($1 - 0x30) }
            guard octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return .v4(value)
    }
}
