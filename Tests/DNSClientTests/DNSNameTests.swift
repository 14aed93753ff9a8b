import Testing

@testable import DNSClient

@Suite("DNSName")
struct DNSNameTests {
    @Test(arguments: [
        ("example.org", "example.org"),
        ("Example.ORG.", "example.org"),
        ("_spf.example.org", "_spf.example.org"),
        ("sel._domainkey.example.org", "sel._domainkey.example.org"),
        ("a\\.b.example", "a\\.b.example"),
        ("a\\046b.example", "a\\.b.example"),
        ("sp ace.example", "sp\\032ace.example"),
        (".", "."),
    ])
    func parsesAndPrints(input: String, expected: String) throws {
        let name = try #require(DNSName(input))
        #expect(name.description == expected)
        #expect(DNSName(name.description) == name)
    }

    @Test(arguments: ["a..b", ".a", "a.b..", "\\", "a\\25", "a\\256b", String(repeating: "x", count: 64) + ".org"])
    func refusesMalformedNames(input: String) {
        #expect(DNSName(input) == nil)
    }

    @Test func enforcesTheLengthLimits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(DNSName(label63 + ".org") != nil)
        // 4 labels of 63 = 4 × 64 + 1 = 257 octets: too long. 3 × 64 + 61 + 1 + 1 = 255: the maximum.
        #expect(DNSName([label63, label63, label63, label63].joined(separator: ".")) == nil)
        let longest = try #require(
            DNSName([label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")))
        #expect(longest.wireLength == 255)
        #expect(DNSName([label63, label63, label63, String(repeating: "b", count: 62)].joined(separator: ".")) == nil)
    }

    @Test func comparesCaseInsensitively() {
        #expect(DNSName("MX.Example.Org") == DNSName("mx.example.org."))
        #expect(Set([DNSName("A.test"), DNSName("a.TEST")]).count == 1)
        #expect(DNSName("a.test") != DNSName("b.test"))
    }

    @Test func reverseNamesParse() throws {
        let v4 = try #require(IPAddress("192.0.2.1"))
        #expect(DNSName(v4.reverseName)?.description == "1.2.0.192.in-addr.arpa")
        let v6 = try #require(IPAddress("2001:db8::1"))
        #expect(DNSName(v6.reverseName)?.labels.count == 34)
    }
}
