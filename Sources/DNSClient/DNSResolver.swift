/// DNS record types FastSMTP asks for.
public enum DNSRecordType: UInt16, Sendable, Hashable, CaseIterable {
    case a = 1
    case cname = 5
    case ptr = 12
    case mx = 15
    case txt = 16
    case aaaa = 28
}

public struct MXRecord: Sendable, Hashable {
    public var preference: UInt16
    /// The exchange host name, lowercased, without the trailing dot.
    public var exchange: String
    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
}

/// Why a lookup produced no records. SPF (RFC 7208 §4.6.4, §5) and DKIM (RFC 6376 §6.1.2) must tell these apart.
public enum DNSError: Error, Sendable, Hashable {
    /// NXDOMAIN (RCODE 3): the name does not exist. (No data for an existing name is an empty result, not an error.)
    case nameDoesNotExist(String)
    /// SERVFAIL, REFUSED, a timeout on every server, a network error or an unusable answer: try again later.
    case temporaryFailure(String)
}

/// Asynchronous DNS lookups. Implementations: the NIO stub resolver (`StubResolver`), and a zone fake in tests.
///
/// Every method returns the records of that type at `name` (following CNAMEs), an empty array when the name exists
/// but has none (NOERROR/NODATA), throws ``DNSError/nameDoesNotExist(_:)`` for NXDOMAIN and
/// ``DNSError/temporaryFailure(_:)`` when no authoritative answer could be had. Names are absolute, without the
/// trailing dot; matching is case-insensitive.
public protocol DNSResolver: Sendable {
    /// TXT records; each record's character-strings concatenated without separator (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
    func txt(_ name: String) async throws(DNSError) -> [String]
    func a(_ name: String) async throws(DNSError) -> [IPAddress]
    func aaaa(_ name: String) async throws(DNSError) -> [IPAddress]
    func mx(_ name: String) async throws(DNSError) -> [MXRecord]
    /// PTR targets, lowercased, without the trailing dot.
    func ptr(_ name: String) async throws(DNSError) -> [String]
}

extension IPAddress {
    /// The reverse-lookup name: `4.3.2.1.in-addr.arpa` or the nibble form under `ip6.arpa` (RFC 3596 §2.5).
    public var reverseName: String {
        switch self {
        case .v4:
            return bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa"
        case .v6(let b):
            let nibbles = b.flatMap { [$0 >> 4, $0 & 0x0F] }
            return nibbles.reversed().map { String($0, radix: 16) }.joined(separator: ".") + ".ip6.arpa"
        }
    }
}
