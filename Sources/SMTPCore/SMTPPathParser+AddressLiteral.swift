/// Address literals such as `[192.0.2.1]` and `[IPv6:2001:db8::1]`
/// (RFC 5321 section 4.1.3).
extension SMTPPathParser {
    /// ```
    /// address-literal  = "[" ( IPv4-address-literal /
    ///                  IPv6-address-literal /
    ///                  General-address-literal ) "]"
    /// IPv6-address-literal  = "IPv6:" IPv6-addr
    /// General-address-literal  = Standardized-tag ":" 1*dcontent
    /// Standardized-tag  = Ldh-str
    /// dcontent       = %d33-90 / %d94-126
    /// ```
    static func parseAddressLiteral(_ bytes: ArraySlice<UInt8>, at index: inout Int) -> Bool {
        guard consume(ASCII.leftBracket, bytes, &index) else { return false }
        let contentStart = index
        while index < bytes.endIndex, bytes[index] != ASCII.rightBracket {
            index += 1
        }
        let content = bytes[contentStart..<index]
        guard consume(ASCII.rightBracket, bytes, &index) else { return false }
        if isIPv4Literal(content) { return true }
        if content.hasPrefixCaseInsensitive("IPV6:") {
            return isIPv6Address(content.dropFirst(5))
        }
        return isGeneralLiteral(content)
    }

    /// ```
    /// IPv4-address-literal  = Snum 3("."  Snum)
    /// Snum           = 1*3DIGIT
    ///                ; representing a decimal integer
    ///                ; value in the range 0 through 255
    /// ```
    static func isIPv4Literal(_ text: ArraySlice<UInt8>) -> Bool {
        let parts = text.split(separator: ASCII.dot, omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy(isSnum)
    }

    private static func isSnum(_ part: ArraySlice<UInt8>) -> Bool {
        guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit) else { return false }
        return part.reduce(0) { $0 * 10 + Int($1 - ASCII.zero) } <= 255
    }

    /// ```
    /// IPv6-addr      = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp
    /// IPv6-hex       = 1*4HEXDIG
    /// IPv6-full      = IPv6-hex 7(":" IPv6-hex)
    /// IPv6-comp      = [IPv6-hex *5(":" IPv6-hex)] "::"
    ///                  [IPv6-hex *5(":" IPv6-hex)]
    /// IPv6v4-full    = IPv6-hex 5(":" IPv6-hex) ":" IPv4-address-literal
    /// IPv6v4-comp    = [IPv6-hex *3(":" IPv6-hex)] "::"
    ///                  [IPv6-hex *3(":" IPv6-hex ":")]
    ///                  IPv4-address-literal
    /// ```
    /// Implemented by counting 16-bit groups (an IPv4 tail counts as two); "::" may stand
    /// for one or more groups, as RFC 4291 section 2.2 allows.
    static func isIPv6Address(_ text: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(text)
        var compressionAt: Int?
        var search = 0
        while search + 1 < bytes.count {
            if bytes[search] == ASCII.colon, bytes[search + 1] == ASCII.colon {
                guard compressionAt == nil else { return false }  // at most one "::"
                compressionAt = search
                search += 2
            } else {
                search += 1
            }
        }
        let groupCount: Int?
        if let compressionAt {
            let head = bytes[..<compressionAt]
            let tail = bytes[(compressionAt + 2)...]
            guard let headGroups = countGroups(head, allowIPv4Tail: false),
                let tailGroups = countGroups(tail, allowIPv4Tail: true)
            else { return false }
            groupCount = headGroups + tailGroups <= 7 ? headGroups + tailGroups : nil
        } else {
            groupCount = countGroups(bytes[...], allowIPv4Tail: true).flatMap { $0 == 8 ? $0 : nil }
        }
        return groupCount != nil
    }

    /// The number of 16-bit groups in a colon-separated list (empty list: 0), or `nil` if a
    /// group is malformed.
    private static func countGroups(_ text: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> Int? {
        if text.isEmpty { return 0 }
        let groups = text.split(separator: ASCII.colon, omittingEmptySubsequences: false)
        var count = 0
        for (position, group) in groups.enumerated() {
            if position == groups.count - 1, allowIPv4Tail, group.contains(ASCII.dot) {
                guard isIPv4Literal(group) else { return nil }
                count += 2
            } else {
                guard (1...4).contains(group.count), group.allSatisfy(\.isASCIIHexDigit) else { return nil }
                count += 1
            }
        }
        return count
    }

    /// `Standardized-tag ":" 1*dcontent`, with `Standardized-tag = Ldh-str`.
    private static func isGeneralLiteral(_ text: ArraySlice<UInt8>) -> Bool {
        guard let colon = text.firstIndex(of: ASCII.colon) else { return false }
        let tag = text[..<colon]
        let value = text[text.index(after: colon)...]
        guard let first = tag.first, let last = tag.last, first.isLetDig, last.isLetDig,
            tag.allSatisfy({ $0.isLetDig || $0 == ASCII.hyphen }),
            !value.isEmpty,
            value.allSatisfy({ (33...90).contains($0) || (94...126).contains($0) })
        else { return false }
        return true
    }
}
