/// What an accepted NOERROR or NXDOMAIN response says about one question, CNAMEs followed inside it.
///
/// - SeeAlso: RFC 1034 §3.6.2 and §5.3.3 (aliases), RFC 2308 §2 (NXDOMAIN and NODATA, also after a CNAME),
///   §5 (negative TTL = min(SOA TTL, SOA MINIMUM)).
enum DNSAnswer: Hashable, Sendable {
    /// The RRset of the asked type at the end of the chain, with the smallest TTL of every record used.
    case records([DNSRecordData], ttl: UInt32)
    /// The name exists but has no records of that type. `ttl` is nil when no SOA came with it (do not cache).
    case noData(ttl: UInt32?)
    /// The name (or the end of its CNAME chain) does not exist.
    case nameError(ttl: UInt32?)
    /// The chain leaves the response at `target` (an authoritative server answering only for its zone):
    /// ask again for `target`. `hops` counts the CNAMEs used, `ttl` their smallest TTL.
    case alias(target: DNSName, hops: Int, ttl: UInt32)
    /// The response cannot be used: an unexpected RCODE, or a CNAME chain that loops or is too long.
    case unusable(String)

    /// Interprets `response` (already matched to the question) for `name` and `type`.
    init(response: DNSMessage, name: DNSName, type: DNSType, maxHops: Int = DNSDefaults.maxCNAMEChain) {
        let rcode = response.responseCode
        guard rcode == .noError || rcode == .nameError else {
            self = .unusable("server answered \(rcode)")
            return
        }
        var current = name
        var visited: Set<DNSName> = [name]
        var ttl = UInt32.max
        var hops = 0
        // Only records owned by the name being followed count: anything else in the answer is ignored.
        while true {
            let owned = response.answers.filter { $0.name == current && $0.dnsClass == dnsClassIN }
            let matching = owned.filter { $0.type == type }
            if !matching.isEmpty, rcode == .noError {
                let smallest = matching.map { Self.normalized($0.ttl) }.min() ?? 0
                self = .records(
                    matching.map(\.data), ttl: Self.capped(min(ttl, smallest), at: DNSDefaults.maxPositiveTTL))
                return
            }
            guard type != .cname, let alias = owned.first(where: { $0.type == .cname }),
                case .cname(let target) = alias.data
            else { break }
            hops += 1
            guard hops <= maxHops else {
                self = .unusable("CNAME chain from \(name) longer than \(maxHops)")
                return
            }
            guard visited.insert(target).inserted else {
                self = .unusable("CNAME loop at \(target)")
                return
            }
            ttl = min(ttl, Self.normalized(alias.ttl))
            current = target
        }
        let negativeTTL = response.authorities.lazy.compactMap { record -> UInt32? in
            guard case .soa(let soa) = record.data else { return nil }
            return Self.capped(
                min(Self.normalized(record.ttl), Self.normalized(soa.minimum)), at: DNSDefaults.maxNegativeTTL)
        }.first
        if rcode == .nameError {
            self = .nameError(ttl: negativeTTL.map { min($0, ttl) })
        } else if hops > 0, negativeTTL == nil {
            self = .alias(target: current, hops: hops, ttl: Self.capped(ttl, at: DNSDefaults.maxPositiveTTL))
        } else {
            self = .noData(ttl: negativeTTL.map { min($0, ttl) })
        }
    }

    /// RFC 2181 §8: a TTL with the top bit set is treated as zero.
    private static func normalized(_ ttl: UInt32) -> UInt32 {
        ttl & 0x8000_0000 != 0 ? 0 : ttl
    }

    private static func capped(_ ttl: UInt32, at cap: UInt32) -> UInt32 {
        min(ttl, cap)
    }
}
