import DNSClient
import Testing

/// `IPAddress` text forms (RFC 4291 §2.2, RFC 5952), prefixes and reverse names, as SPF relies on them.
@Suite("IPAddress")
struct IPAddressTests {
    @Test(
        "parses IPv4 and IPv6 text forms",
        arguments: [
            ("192.0.2.1", [192, 0, 2, 1]),
            ("0.0.0.0", [0, 0, 0, 0]),
            ("255.255.255.255", [255, 255, 255, 255]),
            ("::", [UInt8](repeating: 0, count: 16)),
            ("::1", [UInt8](repeating: 0, count: 15) + [1]),
            ("1::", [0, 1] + [UInt8](repeating: 0, count: 14)),
            ("2001:db8::cb01", [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 10) + [0xCB, 0x01]),
            ("CAFE:BABE::1", [0xCA, 0xFE, 0xBA, 0xBE] + [UInt8](repeating: 0, count: 11) + [1]),
            ("1:2:3:4:5:6:7:8", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]),
            ("::ffff:1.2.3.4", [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 1, 2, 3, 4]),
            ("::1.1.1.1", [UInt8](repeating: 0, count: 12) + [1, 1, 1, 1]),
            ("1:2:3:4:5:6:1.2.3.4", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]),
        ] as [(String, [UInt8])])
    func parses(text: String, bytes: [UInt8]) throws {
        let address = try #require(IPAddress(text))
        #expect(address.bytes == bytes)
        #expect(address.isIPv4 == (bytes.count == 4))
    }

    @Test(
        "refuses malformed text",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1..2.3", "a.b.c.d", " 1.2.3.4",
            ":", ":::", "1:::2", "1::2::3", ":1::2", "1::2:", "12345::", "g::", "+1::", "1::-0", "::+f",
            "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::1%eth0", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "1.2.3.4::",
        ])
    func refuses(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(
        "formats as RFC 5952 canonical text",
        arguments: [
            ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("CAFE:BABE::1", "cafe:babe::1"),
            ("192.0.2.1", "192.0.2.1"),
        ])
    func formats(text: String, canonical: String) throws {
        #expect(try #require(IPAddress(text)).description == canonical)
    }

    @Test("IPv4-mapped IPv6 addresses unwrap to IPv4")
    func mapped() throws {
        #expect(try #require(IPAddress("::FFFF:1.2.3.4")).ipv4Mapped == IPAddress("1.2.3.4"))
        #expect(try #require(IPAddress("::1.2.3.4")).ipv4Mapped == nil)
        #expect(try #require(IPAddress("1.2.3.4")).ipv4Mapped == nil)
    }

    @Test(
        "prefix matching",
        arguments: [
            ("192.0.2.130", "192.0.2.128", 25, true),
            ("192.0.2.127", "192.0.2.128", 25, false),
            ("192.0.2.1", "10.0.0.0", 0, true),
            ("192.0.2.1", "192.0.2.1", 32, true),
            ("192.0.2.1", "192.0.2.0", 32, false),
            ("192.0.2.1", "192.0.2.1", 33, false),
            ("cafe:babe:8000::", "cafe:babe:8000::", 33, true),
            ("cafe:babe:7fff::", "cafe:babe:8000::", 33, false),
            ("2001:db8::1", "2001:db8::", 127, true),
            ("2001:db8::2", "2001:db8::", 127, false),
            ("::ffff:1.2.3.4", "1.2.3.4", 32, false),
            ("1.2.3.4", "::", 0, false),
        ] as [(String, String, Int, Bool)])
    func prefix(address: String, network: String, length: Int, expected: Bool) throws {
        let address = try #require(IPAddress(address))
        let network = try #require(IPAddress(network))
        #expect(address.isIn(network: network, prefixLength: length) == expected)
    }

    @Test("reverse names for PTR lookups")
    func reverseNames() throws {
        #expect(try #require(IPAddress("192.0.2.3")).reverseName == "3.2.0.192.in-addr.arpa")
        #expect(
            try #require(IPAddress("2001:db8::cb01")).reverseName
                == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    }

    @Test("from network-order bytes")
    func fromBytes() {
        #expect(IPAddress(bytes: [192, 0, 2, 1]) == IPAddress("192.0.2.1"))
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 15) + [1]) == IPAddress("::1"))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }
}
