/// A DNS message (RFC 1035 §4.1) as plain values: the codec is pure, the transport moves its bytes.
///
/// The EDNS0 OPT pseudo-record (RFC 6891 §6.1) is lifted out of the additional section into ``edns``.
struct DNSMessage: Hashable, Sendable {
    var id: UInt16
    var flags: DNSFlags
    var questions: [DNSQuestion] = []
    var answers: [DNSResourceRecord] = []
    var authorities: [DNSResourceRecord] = []
    var additionals: [DNSResourceRecord] = []
    var edns: DNSEDNS?

    /// The 12-bit response code: the header's four bits extended by the OPT record's eight (RFC 6891 §6.1.3).
    var responseCode: DNSResponseCode {
        DNSResponseCode(rawValue: UInt16(edns?.extendedResponseCode ?? 0) << 4 | UInt16(flags.responseCode))
    }

    /// A recursive query for one question, with an EDNS0 OPT record when `ednsPayloadSize` is given.
    static func query(id: UInt16, question: DNSQuestion, ednsPayloadSize: UInt16?) -> DNSMessage {
        DNSMessage(
            id: id,
            flags: DNSFlags(recursionDesired: true),
            questions: [question],
            edns: ednsPayloadSize.map { DNSEDNS(udpPayloadSize: $0) }
        )
    }
}

/// The second 16 bits of the header (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD).
struct DNSFlags: Hashable, Sendable {
    var isResponse = false
    var opcode: UInt8 = 0
    var authoritativeAnswer = false
    var truncated = false
    var recursionDesired = false
    var recursionAvailable = false
    var authenticData = false
    var checkingDisabled = false
    /// The low four bits of the response code.
    var responseCode: UInt8 = 0

    init(
        isResponse: Bool = false, opcode: UInt8 = 0, authoritativeAnswer: Bool = false, truncated: Bool = false,
        recursionDesired: Bool = false, recursionAvailable: Bool = false, responseCode: UInt8 = 0
    ) {
        self.isResponse = isResponse
        self.opcode = opcode
        self.authoritativeAnswer = authoritativeAnswer
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.responseCode = responseCode
    }

    init(rawValue: UInt16) {
        isResponse = rawValue & 0x8000 != 0
        opcode = UInt8(rawValue >> 11 & 0x0F)
        authoritativeAnswer = rawValue & 0x0400 != 0
        truncated = rawValue & 0x0200 != 0
        recursionDesired = rawValue & 0x0100 != 0
        recursionAvailable = rawValue & 0x0080 != 0
        authenticData = rawValue & 0x0020 != 0
        checkingDisabled = rawValue & 0x0010 != 0
        responseCode = UInt8(rawValue & 0x0F)
    }

    var rawValue: UInt16 {
        var value = UInt16(opcode & 0x0F) << 11 | UInt16(responseCode & 0x0F)
        if isResponse { value |= 0x8000 }
        if authoritativeAnswer { value |= 0x0400 }
        if truncated { value |= 0x0200 }
        if recursionDesired { value |= 0x0100 }
        if recursionAvailable { value |= 0x0080 }
        if authenticData { value |= 0x0020 }
        if checkingDisabled { value |= 0x0010 }
        return value
    }
}

/// RCODE values (RFC 1035 §4.1.1, RFC 6895 §2.3), 12 bits with EDNS.
struct DNSResponseCode: Hashable, Sendable, CustomStringConvertible {
    var rawValue: UInt16

    static let noError = DNSResponseCode(rawValue: 0)
    static let formatError = DNSResponseCode(rawValue: 1)
    static let serverFailure = DNSResponseCode(rawValue: 2)
    static let nameError = DNSResponseCode(rawValue: 3)
    static let notImplemented = DNSResponseCode(rawValue: 4)
    static let refused = DNSResponseCode(rawValue: 5)
    static let badVersion = DNSResponseCode(rawValue: 16)

    var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 16: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}

/// An RR TYPE (RFC 1035 §3.2.2, RFC 3596, RFC 6891).
struct DNSType: Hashable, Sendable, CustomStringConvertible {
    var rawValue: UInt16

    static let a = DNSType(rawValue: 1)
    static let ns = DNSType(rawValue: 2)
    static let cname = DNSType(rawValue: 5)
    static let soa = DNSType(rawValue: 6)
    static let ptr = DNSType(rawValue: 12)
    static let mx = DNSType(rawValue: 15)
    static let txt = DNSType(rawValue: 16)
    static let aaaa = DNSType(rawValue: 28)
    static let opt = DNSType(rawValue: 41)

    init(rawValue: UInt16) { self.rawValue = rawValue }
    init(_ type: DNSRecordType) { rawValue = type.rawValue }

    var description: String {
        DNSRecordType(rawValue: rawValue).map { "\($0)".uppercased() }
            ?? [2: "NS", 6: "SOA", 41: "OPT"][rawValue] ?? "TYPE\(rawValue)"
    }
}

/// The Internet class, the only one we use (RFC 1035 §3.2.4).
let dnsClassIN: UInt16 = 1

struct DNSQuestion: Hashable, Sendable {
    var name: DNSName
    var type: DNSType
    var dnsClass: UInt16 = dnsClassIN
}

struct DNSResourceRecord: Hashable, Sendable {
    var name: DNSName
    var dnsClass: UInt16 = dnsClassIN
    var ttl: UInt32
    var data: DNSRecordData

    var type: DNSType { data.type }
}

/// RDATA decoded for the types we use; anything else is kept as bytes.
enum DNSRecordData: Hashable, Sendable {
    case a(IPAddress)
    case aaaa(IPAddress)
    case ns(DNSName)
    case cname(DNSName)
    case ptr(DNSName)
    case mx(preference: UInt16, exchange: DNSName)
    /// The character-strings of one TXT record, each at most 255 octets.
    case txt([[UInt8]])
    case soa(DNSSOA)
    case other(DNSType, [UInt8])

    var type: DNSType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .ns: .ns
        case .cname: .cname
        case .ptr: .ptr
        case .mx: .mx
        case .txt: .txt
        case .soa: .soa
        case .other(let type, _): type
        }
    }
}

/// SOA RDATA (RFC 1035 §3.3.13); `minimum` is the negative-caching TTL (RFC 2308 §4).
struct DNSSOA: Hashable, Sendable {
    var primary: DNSName
    var mailbox: DNSName
    var serial: UInt32
    var refresh: UInt32
    var retry: UInt32
    var expire: UInt32
    var minimum: UInt32
}

/// The OPT pseudo-record's fields (RFC 6891 §6.1.2–6.1.3). Options are not interpreted.
struct DNSEDNS: Hashable, Sendable {
    var udpPayloadSize: UInt16
    var extendedResponseCode: UInt8 = 0
    var version: UInt8 = 0
    var dnssecOK = false
    var options: [UInt8] = []
}
