import DNSClient
import Testing

/// The fake other modules test against must behave like DNS: NXDOMAIN, NODATA and failures kept apart.
@Suite("DNSZoneResolver")
struct DNSZoneResolverTests {
    static let zone = """
        ; the zone fake's own format
        example.org.        TXT   "v=spf1 " "ip4:192.0.2.0/24 -all"   ; two strings, concatenated
        example.org         3600 IN MX 10 MX.Example.org.
        example.org         MX    0 .
        mx.example.org      A     192.0.2.25
        mx.example.org      AAAA  2001:db8::25
        25.2.0.192.in-addr.arpa PTR mx.example.org
        www.example.org     CNAME example.org
        loop.example        CNAME loop2.example
        loop2.example       CNAME loop.example
        deep.a.b.example    TXT   quoted\\"not
        esc.example         TXT   "say \\"hi\\" \\065"
        down.example        SERVFAIL
        gone.example.org    NXDOMAIN
        """

    static func resolver() throws -> DNSZoneResolver { try DNSZoneResolver(zone: zone) }

    @Test func answersEachType() async throws {
        let dns = try Self.resolver()
        #expect(try await dns.txt("EXAMPLE.ORG") == ["v=spf1 ip4:192.0.2.0/24 -all"])
        #expect(
            try await dns.mx("example.org") == [
                MXRecord(preference: 10, exchange: "mx.example.org"), MXRecord(preference: 0, exchange: ""),
            ])
        #expect(try await dns.a("mx.example.org") == [IPAddress("192.0.2.25")].compactMap { $0 })
        #expect(try await dns.aaaa("mx.example.org.") == [IPAddress("2001:db8::25")].compactMap { $0 })
        let reverse = try #require(IPAddress("192.0.2.25")).reverseName
        #expect(try await dns.ptr(reverse) == ["mx.example.org"])
        #expect(try await dns.txt("esc.example") == ["say \"hi\" A"])
        #expect(try await dns.txt("deep.a.b.example") == ["quoted\\\"not"])
    }

    @Test func followsCNAMEs() async throws {
        let dns = try Self.resolver()
        #expect(try await dns.txt("www.example.org") == ["v=spf1 ip4:192.0.2.0/24 -all"])
        await #expect(throws: DNSError.temporaryFailure("CNAME chain from loop.example loops or is too long")) {
            try await dns.a("loop.example")
        }
    }

    @Test func keepsNXDOMAINNoDataAndFailuresApart() async throws {
        let dns = try Self.resolver()
        #expect(try await dns.a("example.org") == [])
        // An empty non-terminal exists (RFC 8020): no data, not NXDOMAIN.
        #expect(try await dns.txt("a.b.example") == [])
        await #expect(throws: DNSError.nameDoesNotExist("nope.example.org")) { try await dns.a("nope.example.org") }
        await #expect(throws: DNSError.temporaryFailure("SERVFAIL (zone fake)")) { try await dns.txt("down.example") }
        await #expect(throws: DNSError.nameDoesNotExist("gone.example.org")) { try await dns.mx("gone.example.org") }
        await #expect(throws: DNSError.nameDoesNotExist("bad..name")) { try await dns.a("bad..name") }
    }

    @Test func logsEveryQuery() async throws {
        let dns = DNSZoneResolver([("a.example", .a(try #require(IPAddress("192.0.2.1"))))])
        _ = try await dns.a("a.example")
        _ = try? await dns.mx("b.example")
        #expect(dns.queries == [.init(.a, "a.example"), .init(.mx, "b.example")])
        dns.resetQueries()
        #expect(dns.queries.isEmpty)
        dns.fail("a.example", with: .temporaryFailure("timeout"))
        await #expect(throws: DNSError.temporaryFailure("timeout")) { try await dns.a("a.example") }
    }

    @Test(arguments: [
        ("example.org A 999.1.1.1", 1, "'999.1.1.1' is not an IPv4 address"),
        ("x A 192.0.2.1\nexample.org", 2, "no record type"),
        ("x A 192.0.2.1\ny AAAA 192.0.2.1", 2, "not an IPv6 address"),
        ("x MX ten mx.example", 1, "not an MX preference"),
        ("x TXT \"open", 1, "unterminated quoted string"),
        ("x HINFO a b", 1, "unknown record type 'HINFO'"),
        ("a..b A 192.0.2.1", 1, "'a..b' is not a domain name"),
        ("x SERVFAIL now", 1, "SERVFAIL wants nothing after it"),
    ])
    func zoneErrorsGiveTheLine(text: String, line: Int, fragment: String) {
        let error = #expect(throws: DNSZoneError.self) { try DNSZoneResolver(zone: text) }
        #expect(error?.line == line)
        #expect(error?.message.contains(fragment) == true, "\(error?.description ?? "no error")")
    }
}
