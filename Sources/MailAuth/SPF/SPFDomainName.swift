/// Domain-name checks of RFC 7208 that happen outside the record grammar.
enum SPFDomainName {
    /// Longest name in dotted text form without the trailing dot (RFC 7208 §4.3, §7.3).
    static let maximumLength = 253
    static let maximumLabelLength = 63

    /// The `<domain>` argument of `check_host()` with its trailing dot removed, or nil when it is
    /// malformed or not a multi-label name (RFC 7208 §4.3: the result is then "none").
    ///
    /// Malformed: empty or over-long labels, over 253 characters, an address literal, or any byte that is
    /// not visible ASCII (internationalized names must arrive as A-labels).
    static func checkHostDomain(_ text: String) -> String? {
        var bytes = text.utf8[...]
        if bytes.last == SPFCharacter.dot { bytes = bytes.dropLast() }
        guard bytes.first != UInt8(ascii: "["), bytes.count <= maximumLength,
            bytes.allSatisfy({ (0x21...0x7E).contains($0) }),
            let labels = labelCount(bytes), labels >= 2
        else { return nil }
        return String(Substring(bytes))
    }

    /// A macro-expanded target name made ready for a query (RFC 7208 §7.3): the trailing dot is removed and,
    /// when longer than 253 characters, leading labels are dropped until it fits. Nil when no query can be
    /// made from it (empty, or an empty or over-long label).
    static func queryName(_ expanded: String) -> String? {
        var bytes = expanded.utf8[...]
        if bytes.last == SPFCharacter.dot { bytes = bytes.dropLast() }
        while bytes.count > maximumLength {
            guard let dot = bytes.firstIndex(of: SPFCharacter.dot) else { return nil }
            bytes = bytes[bytes.index(after: dot)...]
        }
        guard labelCount(bytes) != nil else { return nil }
        return bytes.count == expanded.utf8.count ? expanded : String(Substring(bytes))
    }

    /// The number of dot-separated labels, or nil when a label is empty or longer than 63 octets.
    private static func labelCount(_ bytes: Substring.UTF8View) -> Int? {
        var labels = 1
        var length = 0
        for byte in bytes {
            if byte == SPFCharacter.dot {
                guard length > 0 else { return nil }
                labels += 1
                length = 0
            } else {
                length += 1
                guard length <= maximumLabelLength else { return nil }
            }
        }
        return length > 0 ? labels : nil
    }

    /// True when `name` equals `domain` or is a subdomain of it, ignoring ASCII case.
    static func isSame(_ name: String, orSubdomainOf domain: String) -> Bool {
        let name = name.lowercased()
        let domain = domain.lowercased()
        return name == domain || name.hasSuffix("." + domain)
    }
}
