import Testing

@testable import DNSClient

@Suite("DNSCache")
struct DNSCacheTests {
    typealias Cache = DNSCache<ManualClock.Instant>

    static func key(_ name: String, _ type: DNSType = .a) -> Cache.Key { .init(name: TestZone.name(name), type: type) }
    static func at(_ seconds: Int64) -> ManualClock.Instant { .init(offset: .seconds(seconds)) }
    static let records = Cache.Value.records([TestZone.a("192.0.2.1")])

    @Test func entriesLiveForTheirTTL() {
        var cache = Cache(capacity: 10)
        cache.insert(Self.records, for: Self.key("a.test"), ttl: 30, now: Self.at(100))
        #expect(cache.value(for: Self.key("a.test"), now: Self.at(100)) == Self.records)
        #expect(cache.value(for: Self.key("A.TEST"), now: Self.at(129)) == Self.records)
        #expect(cache.value(for: Self.key("a.test", .aaaa), now: Self.at(101)) == nil)
        #expect(cache.value(for: Self.key("a.test"), now: Self.at(130)) == nil)
        #expect(cache.count == 0)
    }

    @Test func negativeAnswersAreCachedAndKeptApart() {
        var cache = Cache(capacity: 10)
        cache.insert(.nameError, for: Self.key("nx.test"), ttl: 60, now: Self.at(0))
        cache.insert(.noData, for: Self.key("nodata.test"), ttl: 60, now: Self.at(0))
        #expect(cache.value(for: Self.key("nx.test"), now: Self.at(59)) == .nameError)
        #expect(cache.value(for: Self.key("nodata.test"), now: Self.at(59)) == .noData)
        #expect(cache.value(for: Self.key("nx.test"), now: Self.at(60)) == nil)
    }

    @Test func zeroTTLIsNotStored() {
        var cache = Cache(capacity: 10)
        cache.insert(Self.records, for: Self.key("a.test"), ttl: 0, now: Self.at(0))
        #expect(cache.count == 0)
    }

    @Test func sizeIsBoundedAndLeastRecentlyUsedGoFirst() {
        var cache = Cache(capacity: 8)
        for index in 0..<8 {
            cache.insert(Self.records, for: Self.key("n\(index).test"), ttl: 100, now: Self.at(0))
        }
        // Touch n0 so that n1 is the least recently used.
        #expect(cache.value(for: Self.key("n0.test"), now: Self.at(1)) != nil)
        cache.insert(Self.records, for: Self.key("new.test"), ttl: 100, now: Self.at(2))
        #expect(cache.count == 8)
        #expect(cache.value(for: Self.key("n1.test"), now: Self.at(3)) == nil)
        #expect(cache.value(for: Self.key("n0.test"), now: Self.at(3)) != nil)
        #expect(cache.value(for: Self.key("new.test"), now: Self.at(3)) != nil)
        for index in 0..<1000 {
            cache.insert(Self.records, for: Self.key("m\(index).test"), ttl: 100, now: Self.at(4))
            #expect(cache.count <= 8)
        }
    }

    @Test func expiredEntriesAreEvictedBeforeLiveOnes() {
        var cache = Cache(capacity: 4)
        cache.insert(Self.records, for: Self.key("short.test"), ttl: 5, now: Self.at(0))
        for index in 0..<3 {
            cache.insert(Self.records, for: Self.key("long\(index).test"), ttl: 100, now: Self.at(0))
        }
        #expect(cache.value(for: Self.key("short.test"), now: Self.at(1)) != nil)
        cache.insert(Self.records, for: Self.key("new.test"), ttl: 100, now: Self.at(10))
        for index in 0..<3 {
            #expect(cache.value(for: Self.key("long\(index).test"), now: Self.at(11)) != nil)
        }
    }

    @Test func replacingAnEntryDoesNotEvict() {
        var cache = Cache(capacity: 2)
        cache.insert(Self.records, for: Self.key("a.test"), ttl: 100, now: Self.at(0))
        cache.insert(Self.records, for: Self.key("b.test"), ttl: 100, now: Self.at(0))
        cache.insert(.noData, for: Self.key("a.test"), ttl: 100, now: Self.at(1))
        #expect(cache.value(for: Self.key("a.test"), now: Self.at(2)) == .noData)
        #expect(cache.value(for: Self.key("b.test"), now: Self.at(2)) != nil)
    }

    @Test func zeroCapacityDisablesTheCache() {
        var cache = Cache(capacity: 0)
        cache.insert(Self.records, for: Self.key("a.test"), ttl: 100, now: Self.at(0))
        #expect(cache.value(for: Self.key("a.test"), now: Self.at(0)) == nil)
    }
}
