import NIOConcurrencyHelpers

/// An in-memory zone that answers like a DNS server would: the fake ``DNSResolver`` for tests of code that
/// looks things up (SPF, DKIM, …), and a way to pin answers locally.
///
/// A name exists when it has records, or a name below it has (an empty non-terminal, RFC 8020); a name that
/// exists answers `[]` for a type it lacks; any other name throws ``DNSError/nameDoesNotExist(_:)``. CNAMEs
/// are followed (at most ``DNSDefaults/maxCNAMEChain``; a loop is a temporary failure). ``fail(_:with:)``
/// makes every lookup of a name throw, for SERVFAIL and timeout paths. Every lookup is logged in ``queries``,
/// which counts DNS lookups the way RFC 7208 §4.6.4 does.
///
/// ```swift
/// let zone = try DNSZoneResolver(zone: """
///     example.org      TXT   "v=spf1 mx -all"
///     example.org      MX    10 mx.example.org
///     mx.example.org   A     192.0.2.1
///     down.example     SERVFAIL
///     """)
/// ```
public final class DNSZoneResolver: DNSResolver {
    /// One record of the zone.
    public enum Record: Sendable, Hashable {
        case a(IPAddress)
        case aaaa(IPAddress)
        case mx(MXRecord)
        /// The record's character-strings already concatenated.
        case txt(String)
        case ptr(String)
        case cname(String)

        var type: DNSRecordType {
            switch self {
            case .a: .a
            case .aaaa: .aaaa
            case .mx: .mx
            case .txt: .txt
            case .ptr: .ptr
            case .cname: .cname
            }
        }
    }

    /// One lookup made through this resolver, in order.
    public struct Query: Sendable, Hashable, CustomStringConvertible {
        public var type: DNSRecordType
        public var name: String

        public init(_ type: DNSRecordType, _ name: String) {
            self.type = type
            self.name = name
        }

        public var description: String { "\(type) \(name)" }
    }

    private struct State {
        var records: [DNSName: [Record]] = [:]
        var existing: Set<DNSName> = []
        var failures: [DNSName: DNSError] = [:]
        var queries: [Query] = []
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// A zone with `records`, each a name and a record.
    public convenience init(_ records: [(String, Record)]) {
        self.init()
        for (name, record) in records { add(name, record) }
    }

    /// Adds one record. Names are case-insensitive, with or without the trailing dot.
    public func add(_ name: String, _ record: Record) {
        guard let key = DNSName(name) else { preconditionFailure("DNSZoneResolver: '\(name)' is not a domain name") }
        state.withLockedValue { state in
            state.records[key, default: []].append(record)
            var labels = key.labels
            while !labels.isEmpty {
                if let ancestor = DNSName(labels: labels) { state.existing.insert(ancestor) }
                labels.removeFirst()
            }
        }
    }

    /// Makes every lookup of `name` throw `error` (e.g. `.temporaryFailure("SERVFAIL")`).
    public func fail(_ name: String, with error: DNSError) {
        guard let key = DNSName(name) else { preconditionFailure("DNSZoneResolver: '\(name)' is not a domain name") }
        state.withLockedValue { $0.failures[key] = error }
    }

    /// The lookups made so far, in order.
    public var queries: [Query] { state.withLockedValue { $0.queries } }

    public func resetQueries() {
        state.withLockedValue { $0.queries.removeAll() }
    }

    public func txt(_ name: String) async throws(DNSError) -> [String] {
        try lookup(name, .txt).compactMap { if case .txt(let text) = $0 { text } else { nil } }
    }

    public func a(_ name: String) async throws(DNSError) -> [IPAddress] {
        try lookup(name, .a).compactMap { if case .a(let address) = $0 { address } else { nil } }
    }

    public func aaaa(_ name: String) async throws(DNSError) -> [IPAddress] {
        try lookup(name, .aaaa).compactMap { if case .aaaa(let address) = $0 { address } else { nil } }
    }

    public func mx(_ name: String) async throws(DNSError) -> [MXRecord] {
        try lookup(name, .mx).compactMap { if case .mx(let record) = $0 { record } else { nil } }
    }

    public func ptr(_ name: String) async throws(DNSError) -> [String] {
        try lookup(name, .ptr).compactMap { if case .ptr(let target) = $0 { target } else { nil } }
    }

    private func lookup(_ text: String, _ type: DNSRecordType) throws(DNSError) -> [Record] {
        let result: Result<[Record], DNSError> = state.withLockedValue { state in
            state.queries.append(Query(type, text))
            guard !text.isEmpty, var current = DNSName(text) else { return .failure(.nameDoesNotExist(text)) }
            var visited: Set<DNSName> = [current]
            while true {
                if let error = state.failures[current] { return .failure(error) }
                let records = state.records[current] ?? []
                let matching = records.filter { $0.type == type }
                if !matching.isEmpty { return .success(matching) }
                guard case .cname(let targetText) = records.first(where: { $0.type == .cname }),
                    let target = DNSName(targetText)
                else {
                    return state.existing.contains(current) ? .success([]) : .failure(.nameDoesNotExist(text))
                }
                guard visited.count <= DNSDefaults.maxCNAMEChain, visited.insert(target).inserted else {
                    return .failure(.temporaryFailure("CNAME chain from \(text) loops or is too long"))
                }
                current = target
            }
        }
        return try result.get()
    }
}
