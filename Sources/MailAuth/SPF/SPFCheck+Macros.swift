import DNSClient

extension SPFCheck {
    /// Expands a macro string for the record of `domain` (RFC 7208 §7.3, §7.4).
    ///
    /// Only `%{p}` queries DNS (at most once per evaluation); the error thrown is the time limit.
    func expand(_ string: SPFMacroString, domain: String) async throws(SPFAbort) -> String {
        var text = ""
        for token in string.tokens {
            switch token {
            case .literal(let literal):
                text += literal
            case .macro(let macro):
                text += Self.transform(try await value(of: macro.letter, domain: domain), macro)
            }
        }
        return text
    }

    /// The value a macro letter stands for (§7.2).
    private func value(of letter: SPFMacro.Letter, domain: String) async throws(SPFAbort) -> String {
        switch letter {
        case .sender: sender
        case .localPart: localPart
        case .senderDomain: senderDomain
        case .domain: domain
        case .ip: Self.dottedForm(of: ip)
        case .validatedName: try await validatedName(for: domain)
        case .helo: helo
        case .clientIP: ip.description
        case .receiver: receivingHost
        case .timestamp: String(Int(now.timeIntervalSince1970))
        case .ipVersion: ip.isIPv4 ? "in-addr" : "ip6"
        }
    }

    /// `%{i}`: the dotted quad, or the 32 hex nibbles of an IPv6 address separated by dots (§7.3).
    /// Nibbles are upper-case like the reference implementation; DNS compares names case-insensitively.
    static func dottedForm(of ip: IPAddress) -> String {
        guard !ip.isIPv4 else { return ip.description }
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(63)
        for byte in ip.bytes {
            if !bytes.isEmpty { bytes.append(SPFCharacter.dot) }
            bytes.append(hex[Int(byte >> 4)])
            bytes.append(SPFCharacter.dot)
            bytes.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Applies transformers and delimiters, then URL escaping for an upper-case letter (§7.3).
    static func transform(_ value: String, _ macro: SPFMacro) -> String {
        var result = value
        if !macro.delimiters.isEmpty || macro.rightParts != nil || macro.reverse {
            let delimiters = macro.delimiters.isEmpty ? [SPFCharacter.dot] : macro.delimiters
            var parts = value.utf8.split(omittingEmptySubsequences: false, whereSeparator: delimiters.contains)
            if macro.reverse { parts.reverse() }
            if let count = macro.rightParts, count < parts.count { parts.removeFirst(parts.count - count) }
            result = parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
        }
        return macro.urlEscape ? urlEscaped(result) : result
    }

    /// Percent-encodes every byte outside `unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"` (RFC 3986).
    static func urlEscaped(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if SPFCharacter.isAlphanumeric(byte) || byte == SPFCharacter.hyphen || byte == SPFCharacter.dot
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            {
                bytes.append(byte)
            } else {
                bytes.append(SPFCharacter.percent)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `%{p}` (§7.3): the domain itself if validated, else a validated subdomain of it, else any validated
    /// name, else "unknown". At most `ptrNames` PTR names are examined, once per evaluation.
    private func validatedName(for domain: String) async throws(SPFAbort) -> String {
        if validatedNames == nil {
            var names: [String] = []
            for name in try await ptrNames(countsAsVoid: false) ?? [] where try await isValidated(name) {
                names.append(name)
            }
            validatedNames = names
        }
        let names = validatedNames ?? []
        if let exact = names.first(where: { $0.lowercased() == domain.lowercased() }) { return exact }
        if let sub = names.first(where: { SPFDomainName.isSame($0, orSubdomainOf: domain) }) { return sub }
        return names.first ?? "unknown"
    }

    /// The explanation of a `fail` (§6.2): the single TXT record at the expanded exp= target, expanded as
    /// an explain-string. Any problem (bad name, DNS error, no or several records, bad syntax) gives nil,
    /// as if there were no exp=. The lookup counts against no limit.
    func explain(_ target: SPFMacroString, domain: String) async -> String? {
        do {
            guard let name = SPFDomainName.queryName(try await expand(target, domain: domain)) else { return nil }
            guard
                case .records(let texts) = try await lookup(
                    name, countsAsVoid: false,
                    {
                        () async throws(DNSError) -> [String] in try await self.resolver.txt(name)
                    }), texts.count == 1,
                let text = try? SPFMacroString(parsing: Array(texts[0].utf8), context: .explanation)
            else {
                return nil
            }
            return try await expand(text, domain: domain)
        } catch {
            return nil
        }
    }
}
