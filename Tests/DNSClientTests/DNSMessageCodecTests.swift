import Testing

@testable import DNSClient

@Suite("DNSMessage: round trips")
struct DNSMessageCodecTests {
    static func richResponse() -> DNSMessage {
        DNSMessage(
            id: 0xBEEF,
            flags: DNSFlags(isResponse: true, authoritativeAnswer: true, recursionDesired: true, responseCode: 0),
            questions: [DNSQuestion(name: TestZone.name("Mail.Example.ORG"), type: .mx)],
            answers: [
                TestZone.record("mail.example.org", .cname(TestZone.name("mx.example.org"))),
                TestZone.record("mx.example.org", .mx(preference: 5, exchange: TestZone.name("in.mx.example.org"))),
                TestZone.record("mx.example.org", .mx(preference: 0, exchange: .root)),
                TestZone.record("in.mx.example.org", TestZone.a("192.0.2.25")),
                TestZone.record("in.mx.example.org", TestZone.a("2001:db8::25")),
                TestZone.record("example.org", .txt([Array("v=spf1 ".utf8), [], Array("-all".utf8)])),
                TestZone.record("25.2.0.192.in-addr.arpa", .ptr(TestZone.name("in.mx.example.org"))),
                TestZone.record("example.org", .other(DNSType(rawValue: 99), [1, 2, 3])),
            ],
            authorities: [TestZone.soa, TestZone.record("example.org", .ns(TestZone.name("ns1.example.org")))],
            additionals: [TestZone.record("ns1.example.org", TestZone.a("192.0.2.53"))],
            edns: DNSEDNS(
                udpPayloadSize: 4096, extendedResponseCode: 1, version: 0, dnssecOK: true, options: [0, 10, 0, 0])
        )
    }

    @Test func richResponseRoundTrips() throws {
        let message = Self.richResponse()
        let bytes = try message.encoded()
        #expect(try DNSMessage(decoding: bytes) == message)
    }

    /// A repeated owner name costs a two-octet pointer: one more A record adds 2 + 10 + 4 octets.
    @Test func repeatedNameBecomesAPointer() throws {
        var message = DNSMessage(id: 1, flags: DNSFlags(isResponse: true))
        message.questions = [DNSQuestion(name: TestZone.name("host.example.org"), type: .a)]
        message.answers = [TestZone.record("host.example.org", TestZone.a("192.0.2.1"))]
        let one = try message.encoded()
        message.answers.append(TestZone.record("HOST.example.org", TestZone.a("192.0.2.2")))
        let two = try message.encoded()
        #expect(two.count - one.count == 16)
        #expect(Array(two[one.count..<(one.count + 2)]) == [0xC0, 0x0C])
    }

    @Test func namesAreComparedCaseInsensitively() throws {
        let decoded = try DNSMessage(decoding: try Self.richResponse().encoded())
        #expect(decoded.questions[0].name == TestZone.name("mail.example.org"))
        #expect(decoded.questions[0].name.description == "mail.example.org")
    }

    @Test func extendedResponseCodeCombinesOPTAndHeader() throws {
        var message = Self.richResponse()
        message.flags.responseCode = 0
        message.edns?.extendedResponseCode = 1
        #expect(try DNSMessage(decoding: try message.encoded()).responseCode == .badVersion)
        message.edns = nil
        message.flags.responseCode = 3
        #expect(try DNSMessage(decoding: try message.encoded()).responseCode == .nameError)
    }

    @Test func overlongTXTStringIsRefused() {
        var message = Self.richResponse()
        message.answers = [TestZone.record("a.test", .txt([Array(repeating: 0x61, count: 256)]))]
        #expect(throws: DNSMessageError.self) { try message.encoded() }
    }

    @Test func messageOver64KIsRefused() {
        var message = Self.richResponse()
        message.answers = (0..<300).map { _ in
            TestZone.record("a.test", .txt([Array(repeating: 0x61, count: 255)]))
        }
        let error = #expect(throws: DNSMessageError.self) { try message.encoded() }
        #expect(error?.reason == .tooLarge)
    }
}
