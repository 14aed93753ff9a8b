import Testing

@testable import SMTPCore

/// Path and Mailbox syntax (RFC 5321 section 4.1.2) through MAIL and RCPT.
@Suite("SMTPCommandParser: addresses")
struct SMTPAddressParsingTests {
    func recipient(_ path: String) throws -> String? {
        guard case .rcptTo(let address, _) = try SMTPCommandParser.parse(bytes("RCPT TO:\(path)")) else { return nil }
        return address
    }

    func sender(_ path: String) throws -> String? {
        guard case .mailFrom(let address, _) = try SMTPCommandParser.parse(bytes("MAIL FROM:\(path)")) else {
            return nil
        }
        return address
    }

    static let accepted: [(String, String)] = [
        ("<user@example.org>", "user@example.org"),
        ("<first.last+tag@sub-domain.example.org>", "first.last+tag@sub-domain.example.org"),
        ("<!#$%&'*+-/=?^_`{|}~@example.org>", "!#$%&'*+-/=?^_`{|}~@example.org"),
        ("<x@a>", "x@a"),
        ("<x@123.example>", "x@123.example"),
        ("<x@my_host.example>", "x@my_host.example"),
        // Source routes are accepted and removed (RFC 5321 section 4.1.2, appendix C).
        ("<@relay.example:user@c.example>", "user@c.example"),
        ("<@a.example,@b.example:user@c.example>", "user@c.example"),
        // Quoted local parts are kept with their quotes.
        ("<\"john doe\"@x.org>", "\"john doe\"@x.org"),
        ("<\"a\\\"b\"@x.org>", "\"a\\\"b\"@x.org"),
        ("<\"\"@x.org>", "\"\"@x.org"),
        ("<\"jörg doe\"@x.org>", "\"jörg doe\"@x.org"),
        // RFC 6531 UTF-8 local parts and domains.
        ("<jörg@dömäin.example>", "jörg@dömäin.example"),
        ("<用户@例子.广告>", "用户@例子.广告"),
        // Address literals (RFC 5321 section 4.1.3).
        ("<x@[192.0.2.1]>", "x@[192.0.2.1]"),
        ("<x@[255.255.255.255]>", "x@[255.255.255.255]"),
        ("<x@[IPv6:2001:db8::1]>", "x@[IPv6:2001:db8::1]"),
        ("<x@[ipv6:2001:DB8::1]>", "x@[ipv6:2001:DB8::1]"),
        ("<x@[IPv6:1:2:3:4:5:6:7:8]>", "x@[IPv6:1:2:3:4:5:6:7:8]"),
        ("<x@[IPv6:::1]>", "x@[IPv6:::1]"),
        ("<x@[IPv6:::]>", "x@[IPv6:::]"),
        ("<x@[IPv6:::ffff:192.0.2.1]>", "x@[IPv6:::ffff:192.0.2.1]"),
        ("<x@[IPv6:1:2:3:4:5:6:192.0.2.1]>", "x@[IPv6:1:2:3:4:5:6:192.0.2.1]"),
        ("<x@[x-tag:some-content]>", "x@[x-tag:some-content]"),
        // Lenient: dots anywhere in a dot-string local part (legacy mobile addresses).
        ("<a..b.@docomo.ne.jp>", "a..b.@docomo.ne.jp"),
    ]

    @Test(arguments: accepted)
    func recipientAccepted(path: String, expected: String) throws {
        #expect(try recipient(path) == expected)
    }

    @Test(arguments: accepted)
    func senderAccepted(path: String, expected: String) throws {
        #expect(try sender(path) == expected)
    }

    @Test(arguments: ["<postmaster>", "<Postmaster>", "<POSTMASTER>"])
    func postmasterWithoutDomainIsAcceptedAsSpelled(path: String) throws {
        #expect(try recipient(path) == String(path.dropFirst().dropLast()))
    }

    @Test func postmasterWithDomainIsAnOrdinaryPath() throws {
        #expect(try recipient("<Postmaster@Example.ORG>") == "Postmaster@Example.ORG")
    }

    static let rejected: [String] = [
        "<>x", "<a b@x.org>", "<a@>", "<@x.org>", "<a>", "<@a.example:>", "<@a.example>",
        "<@a.example,b.example:u@c.example>", "<@a.example;u@c.example>",
        "<a@-x.org>", "<a@x-.org>", "<a@x..org>", "<a@x.org.>", "<a@.x.org>",
        "<a@x.org@y.org>", "<a(comment)@x.org>", "<a@x.org >", "< a@x.org>", "<<a@x.org>>",
        "<\"unterminated@x.org>", "<\"a\"b@x.org>", "<a\"b\"@x.org>", "<\"a\\ü\"@x.org>", "<@[192.0.2.1]:u@c.example>",
        "<a@[1.2.3.256]>", "<a@[1.2.3]>", "<a@[1.2.3.4.5]>", "<a@[1.2.3.04567]>", "<a@[]>",
        "<a@[IPv6:1::2::3]>", "<a@[IPv6:12345::1]>", "<a@[IPv6:1:2:3:4:5:6:7]>",
        "<a@[IPv6:1:2:3:4:5:6:7:8:9]>", "<a@[IPv6:1:2:3:4:5:6:7::8]>", "<a@[IPv6:g::1]>",
        "<a@[IPv6:1.2.3.4::]>", "<a@[IPv6:::1.2.3]>", "<a@[tag:]>", "<a@[-tag:x]>", "<a@[nocolon]>",
        "<a@[1.2.3.4>", "<a@x.org", "a@x.org",
    ]

    @Test(arguments: rejected)
    func senderRejectedWith501_5_1_7(path: String) {
        let reply = parseFailure(bytes("MAIL FROM:\(path)"))
        #expect(reply?.code == 501)
        #expect(reply?.enhancedStatus == "5.1.7")
    }

    @Test(arguments: rejected)
    func recipientRejectedWith501_5_1_3(path: String) {
        let reply = parseFailure(bytes("RCPT TO:\(path)"))
        #expect(reply?.code == 501)
        #expect(reply?.enhancedStatus == "5.1.3")
    }

    @Test func pathLengthLimitIs256OctetsIncludingBrackets() throws {
        // "<" + local + "@b.c" + ">" = local + 6 octets.
        let fits = "<" + String(repeating: "a", count: 250) + "@b.c>"
        #expect(fits.utf8.count == SMTPDefaults.maxPathLength)
        #expect(try recipient(fits) == String(fits.dropFirst().dropLast()))
        let tooLong = "<" + String(repeating: "a", count: 251) + "@b.c>"
        #expect(parseFailure(bytes("RCPT TO:\(tooLong)"))?.enhancedStatus == "5.1.3")
    }

    @Test func domainLengthLimitIs255Octets() {
        let label = String(repeating: "d", count: 63)
        let domain255 = [label, label, label, String(repeating: "d", count: 63)].joined(separator: ".")
        #expect(domain255.utf8.count == SMTPDefaults.maxDomainLength)
        var index = 0
        #expect(SMTPPathParser.parseDomain(ArraySlice(bytes(domain255)), at: &index))
        #expect(index == 255)
        index = 0
        #expect(!SMTPPathParser.parseDomain(ArraySlice(bytes(domain255 + "d")), at: &index))
    }
}
