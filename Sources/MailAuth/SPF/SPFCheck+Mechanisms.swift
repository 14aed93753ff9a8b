import DNSClient

extension SPFCheck {
    /// Whether a mechanism matches the client (RFC 7208 §5). DNS failures abort with temperror,
    /// except inside `ptr`, which skips what it cannot look up (§5.5).
    func matches(_ mechanism: SPFMechanism, domain: String, depth: Int) async throws(SPFAbort) -> Bool {
        switch mechanism {
        case .all:
            return true
        case .ip4(let network, let prefixLength):
            return ip.isIPv4 && Self.address(ip, isIn: network, prefixLength: prefixLength)
        case .ip6(let network, let prefixLength):
            return !ip.isIPv4 && Self.address(ip, isIn: network, prefixLength: prefixLength)
        case .include(let spec):
            try countDNSTerm("include")
            return try await include(spec, domain: domain, depth: depth)
        case .a(let spec, let cidr):
            try countDNSTerm("a")
            guard let target = try await targetName(spec, domain: domain) else { return false }
            return try await anyAddress(of: target, matches: cidr, countsAsVoid: true, term: "a")
        case .mx(let spec, let cidr):
            try countDNSTerm("mx")
            guard let target = try await targetName(spec, domain: domain) else { return false }
            return try await mx(target, cidr: cidr)
        case .ptr(let spec):
            try countDNSTerm("ptr")
            guard let target = try await targetName(spec, domain: domain) else { return false }
            return try await ptr(target)
        case .exists(let spec):
            try countDNSTerm("exists")
            guard let target = try await targetName(spec, domain: domain) else { return false }
            // §5.7: always an A query, even for an IPv6 client.
            switch try await lookup(
                target, countsAsVoid: true,
                { () async throws(DNSError) -> [IPAddress] in
                    try await self.resolver.a(target)
                })
            {
            case .records: return true
            case .void: return false
            case .failure(let message): throw .temporary("exists:\(target): \(message)")
            }
        }
    }

    /// `IPAddress.isIn(network:prefixLength:)` without allocating for the common IPv4 case.
    static func address(_ address: IPAddress, isIn network: IPAddress, prefixLength: Int) -> Bool {
        guard case .v4(let value) = address, case .v4(let networkValue) = network else {
            return address.isIn(network: network, prefixLength: prefixLength)
        }
        guard (0...32).contains(prefixLength) else { return false }
        let mask: UInt32 = prefixLength == 0 ? 0 : ~0 << (32 - prefixLength)
        return value & mask == networkValue & mask
    }

    /// The expanded `<target-name>`, or the current domain when the term has no domain-spec.
    /// Nil when the expansion is not a usable DNS name: such a term simply does not match (§4.8, §5).
    private func targetName(_ spec: SPFMacroString?, domain: String) async throws(SPFAbort) -> String? {
        guard let spec else { return domain }
        return SPFDomainName.queryName(try await expand(spec, domain: domain))
    }

    /// §5.2: a recursive check_host(); pass matches, fail/softfail/neutral do not, none is a permerror,
    /// and errors propagate.
    private func include(_ spec: SPFMacroString, domain: String, depth: Int) async throws(SPFAbort) -> Bool {
        guard let target = SPFDomainName.queryName(try await expand(spec, domain: domain)) else {
            throw .permanent("include in \(domain) expands to a malformed domain name")
        }
        let outcome = try await checkHost(domain: target, depth: depth + 1, wantExplanation: false)
        switch outcome.result {
        case .pass: return true
        case .fail, .softfail, .neutral: return false
        case .none: throw .permanent("include:\(target) from \(domain): no SPF record")
        case .permerror: throw .permanent("include:\(target): \(outcome.reason)")
        case .temperror: throw .temporary("include:\(target): \(outcome.reason)")
        }
    }

    private func anyAddress(
        of name: String, matches cidr: SPFDualCIDR, countsAsVoid: Bool, term: String
    ) async throws(SPFAbort) -> Bool {
        switch try await addresses(of: name, countsAsVoid: countsAsVoid) {
        case .records(let addresses):
            let prefixLength = ip.isIPv4 ? cidr.ip4 : cidr.ip6
            return addresses.contains { Self.address(ip, isIn: $0, prefixLength: prefixLength) }
        case .void:
            return false
        case .failure(let message):
            throw .temporary("\(term): address lookup of \(name) failed: \(message)")
        }
    }

    /// §5.4: the addresses of the target's MX hosts. Looking up more than `mxExchanges` of them is a
    /// permerror (§4.6.4); a null MX (RFC 7505) has no host to look up.
    private func mx(_ target: String, cidr: SPFDualCIDR) async throws(SPFAbort) -> Bool {
        let records: [MXRecord]
        switch try await lookup(
            target, countsAsVoid: true,
            { () async throws(DNSError) -> [MXRecord] in
                try await self.resolver.mx(target)
            })
        {
        case .records(let answer): records = answer
        case .void: return false
        case .failure(let message): throw .temporary("mx: MX lookup of \(target) failed: \(message)")
        }
        let exchanges = records.enumerated()
            .sorted { ($0.element.preference, $0.offset) < ($1.element.preference, $1.offset) }
            .map(\.element.exchange)
            .filter { !$0.isEmpty && $0 != "." }
        for (index, exchange) in exchanges.enumerated() {
            guard index < limits.mxExchanges else {
                throw .permanent("mx:\(target) has more than \(limits.mxExchanges) MX hosts to look up")
            }
            if try await anyAddress(of: exchange, matches: cidr, countsAsVoid: false, term: "mx") { return true }
        }
        return false
    }

    /// §5.5: some validated name of the client is the target or a subdomain of it. Only the first
    /// `ptrNames` PTR names count; names that could not match are not looked up, and DNS errors skip.
    private func ptr(_ target: String) async throws(SPFAbort) -> Bool {
        guard let names = try await ptrNames(countsAsVoid: true) else { return false }
        for name in names where SPFDomainName.isSame(name, orSubdomainOf: target) {
            if try await isValidated(name) { return true }
        }
        return false
    }

    /// The first `ptrNames` names of the client's PTR records; nil when there are none or the lookup failed.
    func ptrNames(countsAsVoid: Bool) async throws(SPFAbort) -> [String]? {
        let reverseName = ip.reverseName
        switch try await lookup(
            reverseName, countsAsVoid: countsAsVoid,
            { () async throws(DNSError) -> [String] in
                try await self.resolver.ptr(reverseName)
            })
        {
        case .records(let names): return Array(names.prefix(limits.ptrNames))
        case .void, .failure: return nil
        }
    }

    /// A PTR name is validated when its forward lookup returns the client address (§5.5); errors mean no.
    func isValidated(_ name: String) async throws(SPFAbort) -> Bool {
        guard SPFDomainName.queryName(name) != nil,
            case .records(let addresses) = try await addresses(of: name, countsAsVoid: false)
        else { return false }
        return addresses.contains(ip)
    }
}
