/// A bounded cache of final lookup results keyed by name and type, each kept for its TTL.
///
/// Pure: the caller passes `now`, so tests drive time by hand. Negative answers are kept for the TTL of
/// RFC 2308 §5 (the caller computes it from the SOA); answers without a TTL are not stored. When full, expired
/// entries go first, then the least recently used eighth.
struct DNSCache<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    struct Key: Hashable, Sendable {
        var name: DNSName
        var type: DNSType
    }

    enum Value: Hashable, Sendable {
        case records([DNSRecordData])
        case noData
        case nameError
    }

    private struct Entry: Sendable {
        var value: Value
        var expires: Instant
        var lastUse: UInt64
    }

    let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var useCounter: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { entries.count }

    /// The value stored for `key` if it has not expired at `now`; an expired entry is removed.
    mutating func value(for key: Key, now: Instant) -> Value? {
        guard let entry = entries[key] else { return nil }
        guard now < entry.expires else {
            entries[key] = nil
            return nil
        }
        useCounter += 1
        entries[key]?.lastUse = useCounter
        return entry.value
    }

    /// Stores `value` for `ttl` seconds from `now`. A TTL of zero stores nothing (RFC 1035 §3.2.1).
    mutating func insert(_ value: Value, for key: Key, ttl: UInt32, now: Instant) {
        guard capacity > 0, ttl > 0 else { return }
        if entries[key] == nil, entries.count >= capacity { makeRoom(now: now) }
        useCounter += 1
        entries[key] = Entry(value: value, expires: now.advanced(by: .seconds(Int64(ttl))), lastUse: useCounter)
    }

    mutating func removeAll() {
        entries.removeAll()
    }

    private mutating func makeRoom(now: Instant) {
        entries = entries.filter { now < $0.value.expires }
        guard entries.count >= capacity else { return }
        let evictions = max(1, capacity / 8)
        let oldest = entries.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(evictions).map(\.key)
        for key in oldest { entries[key] = nil }
    }
}
