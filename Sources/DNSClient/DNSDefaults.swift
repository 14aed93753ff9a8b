/// Every limit and default of the DNS client in one place, each with where it comes from.
public enum DNSDefaults {
    /// The EDNS0 UDP payload size we advertise (RFC 6891 §6.2.5; 1232 avoids IP fragmentation, DNS Flag Day 2020).
    public static let ednsUDPPayloadSize: UInt16 = 1232
    /// The largest UDP datagram we accept (RFC 1035 §4.2.1 allows 512; servers may send up to the EDNS size).
    public static let maxUDPResponseSize = 4096
    /// The largest DNS message: the TCP length prefix is 16 bits (RFC 1035 §4.2.2).
    public static let maxMessageSize = 65_535
    /// Octets of a name in wire form, length bytes and root included (RFC 1035 §2.3.4).
    public static let maxNameWireLength = 255
    /// Octets of one label (RFC 1035 §2.3.4).
    public static let maxLabelLength = 63
    /// Compression pointers followed while reading one name. Every pointer must point strictly before the
    /// label sequence that contains it, so loops are impossible anyway; this only bounds the work.
    public static let maxCompressionPointers = 128
    /// Octets of one TXT character-string (RFC 1035 §3.3.14).
    public static let maxCharacterStringLength = 255
    /// CNAME hops followed for one lookup, inside one answer and across queries together.
    public static let maxCNAMEChain = 8

    /// Time to wait for one answer from one server (glibc's default is 5 s; mail checks want less).
    public static let timeout: Duration = .seconds(2)
    /// Rounds over the list of servers (glibc `options attempts`, default 2).
    public static let attempts = 2
    /// Cached RRsets and negative answers, at most.
    public static let cacheSize = 10_000
    /// Positive TTLs are capped at one day (RFC 2181 §8 permits any cap; BIND caps at one week).
    public static let maxPositiveTTL: UInt32 = 86_400
    /// Negative TTLs are capped at three hours (RFC 2308 §5).
    public static let maxNegativeTTL: UInt32 = 10_800

    /// The DNS port (RFC 1035 §4.2).
    public static let port = 53
    /// Used when neither `FASTSMTP_DNS_SERVERS` nor /etc/resolv.conf names a server (as glibc does).
    public static let fallbackServer = DNSServerAddress(ip: .v4(0x7F00_0001))
    /// glibc reads at most three `nameserver` lines (MAXNS in resolv.h).
    public static let maxResolvConfNameservers = 3
    /// glibc caps `options timeout:` at 30 seconds (RES_MAXRETRANS) and `attempts:` at 5 (RES_MAXRETRY).
    public static let maxResolvConfTimeoutSeconds = 30
    public static let maxResolvConfAttempts = 5
}
