import DNSClient
import Foundation

/// Zone data for ``ZoneResolver``: records per owner name, in the order given.
///
/// Names are compared case-insensitively and without the trailing dot. A name that is absent is NXDOMAIN;
/// a name that is present without records of the queried type is NOERROR/NODATA (an empty answer).
///
/// ```swift
/// var zone = DNSZone()
/// zone.add("example.com", .txt("v=spf1 a -all"))
/// zone.add("example.com", .a("192.0.2.1"))
/// zone.add("alias.example.com", .cname("example.com"))
/// zone.fail("broken.example.com", with: .serverFailure)
/// let resolver = ZoneResolver(zone)
/// ```
struct DNSZone: Sendable {
    enum Record: Sendable, Hashable {
        /// One TXT RR; its character-strings are concatenated without separator when answered.
        case txt([String])
        case a(IPAddress)
        case aaaa(IPAddress)
        case mx(preference: UInt16, exchange: String)
        case ptr(String)
        case cname(String)
        /// The openspf suite's bare `TIMEOUT` entry: a query of any type times out unless a record of that
        /// type came earlier in the list, in which case the records before the marker are the answer.
        case timeoutMarker
        /// A query of this one type times out (`TXT: TIMEOUT`); other types are unaffected.
        case typeTimeout(DNSRecordType)

        static func txt(_ text: String) -> Record { .txt([text]) }

        /// `.a("192.0.2.1")`; traps on a bad literal (test data only).
        static func a(_ text: String) -> Record {
            guard let address = IPAddress(text), address.isIPv4 else { preconditionFailure("bad IPv4 \(text)") }
            return .a(address)
        }

        static func aaaa(_ text: String) -> Record {
            guard let address = IPAddress(text), !address.isIPv4 else { preconditionFailure("bad IPv6 \(text)") }
            return .aaaa(address)
        }

        var type: DNSRecordType? {
            switch self {
            case .txt: .txt
            case .a: .a
            case .aaaa: .aaaa
            case .mx: .mx
            case .ptr: .ptr
            case .cname: .cname
            case .timeoutMarker, .typeTimeout: nil
            }
        }
    }

    /// A failure injected for every query of a name (optionally of one type only).
    enum Fault: Sendable, Hashable {
        /// The query times out.
        case timeout
        /// The server answers SERVFAIL.
        case serverFailure
        /// The server answers REFUSED.
        case refused
        /// The answer arrives after this delay (then normally, or with the name's other fault).
        case delay(Duration)
    }

    private(set) var records: [String: [Record]] = [:]
    private(set) var faults: [String: [(type: DNSRecordType?, fault: Fault)]] = [:]

    init() {}

    /// Canonical form of an owner name: lowercased, without the trailing dot.
    static func key(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasSuffix(".") && lower.count > 1 ? String(lower.dropLast()) : lower
    }

    /// Appends a record at `name` (creating the name).
    mutating func add(_ name: String, _ record: Record) {
        records[Self.key(name), default: []].append(record)
    }

    /// Makes `name` exist, with no records (so every query is NODATA).
    mutating func addName(_ name: String) {
        records[Self.key(name), default: []] += []
    }

    /// Replaces all records of `type` at `name`, keeping the others.
    mutating func replace(_ name: String, type: DNSRecordType, with newRecords: [Record]) {
        let key = Self.key(name)
        records[key] = (records[key] ?? []).filter { $0.type != type } + newRecords
    }

    /// Removes `name` entirely (it becomes NXDOMAIN).
    mutating func remove(_ name: String) {
        records[Self.key(name)] = nil
    }

    /// Injects a fault for queries of `name`, of one `type` or of all types.
    mutating func fail(_ name: String, type: DNSRecordType? = nil, with fault: Fault) {
        faults[Self.key(name), default: []].append((type, fault))
    }

    /// Whether `name` exists in the zone.
    func contains(_ name: String) -> Bool { records[Self.key(name)] != nil }
}

/// A ``DNSResolver`` answering from a ``DNSZone``: NXDOMAIN vs NODATA, CNAME chasing with loop detection,
/// injected timeouts/SERVFAIL, and a log of every query for counting.
///
/// ```swift
/// let resolver = ZoneResolver(zone)
/// _ = try await resolver.txt("example.com")
/// #expect(resolver.queryCount == 1)
/// #expect(resolver.queries == [.init(type: .txt, name: "example.com")])
/// ```
final class ZoneResolver: DNSResolver, @unchecked Sendable {  // mutable state: `log`, guarded by `lock`
    struct Query: Hashable, Sendable, CustomStringConvertible {
        var type: DNSRecordType
        var name: String
        var description: String { "\(type) \(name)" }
    }

    let zone: DNSZone
    /// Names whose lookups fail with SERVFAIL when a query name starts with one of these prefixes
    /// (e.g. `_dns_error` in the mail-auth suite).
    let serverFailurePrefixes: [String]
    /// Longest CNAME chain followed before the answer is a failure.
    let maximumCNAMEChain = 8
    private let lock = NSLock()
    private var log: [Query] = []

    init(_ zone: DNSZone, serverFailurePrefixes: [String] = []) {
        self.zone = zone
        self.serverFailurePrefixes = serverFailurePrefixes
    }

    /// A zone of TXT records only, one per name (e.g. DKIM keys: `["sel._domainkey.example.com": "v=DKIM1; …"]`);
    /// every other name is NXDOMAIN.
    convenience init(txt records: [String: String]) {
        var zone = DNSZone()
        for (name, text) in records { zone.add(name, .txt(text)) }
        self.init(zone)
    }

    /// Every query made so far, in order (a CNAME chase is one query).
    var queries: [Query] { lock.withLock { log } }
    var queryCount: Int { lock.withLock { log.count } }

    func queryCount(of type: DNSRecordType) -> Int { lock.withLock { log.filter { $0.type == type }.count } }

    func resetLog() { lock.withLock { log.removeAll() } }

    func txt(_ name: String) async throws(DNSError) -> [String] {
        try await answer(name, .txt).compactMap { if case .txt(let strings) = $0 { strings.joined() } else { nil } }
    }

    func a(_ name: String) async throws(DNSError) -> [IPAddress] {
        try await answer(name, .a).compactMap { if case .a(let address) = $0 { address } else { nil } }
    }

    func aaaa(_ name: String) async throws(DNSError) -> [IPAddress] {
        try await answer(name, .aaaa).compactMap { if case .aaaa(let address) = $0 { address } else { nil } }
    }

    func mx(_ name: String) async throws(DNSError) -> [MXRecord] {
        try await answer(name, .mx).compactMap {
            if case .mx(let preference, let exchange) = $0 {
                MXRecord(preference: preference, exchange: DNSZone.key(exchange))
            } else {
                nil
            }
        }
    }

    func ptr(_ name: String) async throws(DNSError) -> [String] {
        try await answer(name, .ptr).compactMap { if case .ptr(let target) = $0 { DNSZone.key(target) } else { nil } }
    }

    /// The records of `type` at `name` after following CNAMEs.
    private func answer(_ name: String, _ type: DNSRecordType) async throws(DNSError) -> [DNSZone.Record] {
        lock.withLock { log.append(Query(type: type, name: name)) }
        var current = DNSZone.key(name)
        var visited: Set<String> = []
        while true {
            try await applyFaults(current, type)
            guard let list = zone.records[current] else { throw .nameDoesNotExist(current) }
            let answer = try Self.select(list, type, name: current)
            if !answer.isEmpty || type == .cname { return answer }
            guard let target = list.lazy.compactMap({ if case .cname(let target) = $0 { target } else { nil } }).first
            else { return [] }
            visited.insert(current)
            current = DNSZone.key(target)
            guard !visited.contains(current), visited.count <= maximumCNAMEChain else {
                throw .temporaryFailure("CNAME loop at \(current)")
            }
        }
    }

    private func applyFaults(_ name: String, _ type: DNSRecordType) async throws(DNSError) {
        if serverFailurePrefixes.contains(where: { name.hasPrefix($0) }) {
            throw .temporaryFailure("SERVFAIL for \(name)")
        }
        for (faultType, fault) in zone.faults[name] ?? [] where faultType == nil || faultType == type {
            switch fault {
            case .timeout: throw .temporaryFailure("timeout querying \(type) \(name)")
            case .serverFailure: throw .temporaryFailure("SERVFAIL for \(type) \(name)")
            case .refused: throw .temporaryFailure("REFUSED for \(type) \(name)")
            case .delay(let duration): try? await Task.sleep(for: duration)
            }
        }
    }

    /// The records of `type` in `list`, honouring the timeout markers in list order.
    private static func select(
        _ list: [DNSZone.Record], _ type: DNSRecordType, name: String
    ) throws(DNSError) -> [DNSZone.Record] {
        var found: [DNSZone.Record] = []
        for record in list {
            switch record {
            case .timeoutMarker:
                if found.isEmpty { throw .temporaryFailure("timeout querying \(type) \(name)") }
                return found
            case .typeTimeout(let timedOut):
                if timedOut == type { throw .temporaryFailure("timeout querying \(type) \(name)") }
            default:
                if record.type == type { found.append(record) }
            }
        }
        return found
    }
}
