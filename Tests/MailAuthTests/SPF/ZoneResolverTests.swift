import DNSClient
import Testing

/// The zone fake itself: NXDOMAIN vs NODATA, CNAMEs, timeouts, the query log.
@Suite("ZoneResolver")
struct ZoneResolverTests {
    @Test("NXDOMAIN for absent names, an empty answer for NODATA, case-insensitive names")
    func existence() async throws {
        var zone = DNSZone()
        zone.add("Example.COM.", .a("192.0.2.1"))
        zone.add("example.com", .txt(["v=spf1 ", "-all"]))
        let resolver = ZoneResolver(zone)
        #expect(try await resolver.a("EXAMPLE.com") == [IPAddress("192.0.2.1")!])
        #expect(try await resolver.txt("example.com.") == ["v=spf1 -all"])
        #expect(try await resolver.aaaa("example.com").isEmpty)
        await #expect(throws: DNSError.nameDoesNotExist("missing.example")) { try await resolver.a("missing.example") }
        #expect(resolver.queryCount == 4)
        #expect(resolver.queryCount(of: .a) == 2)
    }

    @Test("CNAMEs are chased and loops fail")
    func cnames() async throws {
        var zone = DNSZone()
        zone.add("alias.example", .cname("Target.Example."))
        zone.add("target.example", .mx(preference: 5, exchange: "MX.Example."))
        zone.add("loop1.example", .cname("loop2.example"))
        zone.add("loop2.example", .cname("loop1.example"))
        zone.add("dangling.example", .cname("nowhere.example"))
        let resolver = ZoneResolver(zone)
        #expect(try await resolver.mx("alias.example") == [MXRecord(preference: 5, exchange: "mx.example")])
        await #expect(throws: DNSError.self) { try await resolver.a("loop1.example") }
        await #expect(throws: DNSError.nameDoesNotExist("nowhere.example")) { try await resolver.a("dangling.example") }
    }

    @Test("TIMEOUT markers follow the openspf driver: earlier records of the type win")
    func timeoutMarkers() async throws {
        var zone = DNSZone()
        zone.add("partial.example", .txt("v=spf1 -all"))
        zone.add("partial.example", .timeoutMarker)
        zone.add("partial.example", .a("192.0.2.1"))
        zone.add("typed.example", .typeTimeout(.txt))
        zone.add("typed.example", .a("192.0.2.2"))
        let resolver = ZoneResolver(zone)
        #expect(try await resolver.txt("partial.example") == ["v=spf1 -all"])
        await #expect(throws: DNSError.self) { try await resolver.a("partial.example") }
        await #expect(throws: DNSError.self) { try await resolver.txt("typed.example") }
        #expect(try await resolver.a("typed.example") == [IPAddress("192.0.2.2")!])
    }

    @Test("injected faults per name and type")
    func faults() async throws {
        var zone = DNSZone()
        zone.add("flaky.example", .a("192.0.2.1"))
        zone.add("flaky.example", .txt("hello"))
        zone.fail("flaky.example", type: .txt, with: .serverFailure)
        zone.fail("absent.example", with: .timeout)
        let resolver = ZoneResolver(zone, serverFailurePrefixes: ["_dns_error"])
        #expect(try await resolver.a("flaky.example").count == 1)
        await #expect(throws: DNSError.self) { try await resolver.txt("flaky.example") }
        await #expect(throws: DNSError.self) { try await resolver.a("absent.example") }
        await #expect(throws: DNSError.self) { try await resolver.a("_dns_error.example") }
        resolver.resetLog()
        #expect(resolver.queryCount == 0)
    }

    @Test("a TXT-only zone from a dictionary")
    func txtOnly() async throws {
        let resolver = ZoneResolver(txt: ["sel._domainkey.example.com": "v=DKIM1; p=abc"])
        #expect(try await resolver.txt("SEL._domainkey.example.com") == ["v=DKIM1; p=abc"])
        await #expect(throws: DNSError.nameDoesNotExist("other._domainkey.example.com")) {
            try await resolver.txt("other._domainkey.example.com")
        }
    }
}
