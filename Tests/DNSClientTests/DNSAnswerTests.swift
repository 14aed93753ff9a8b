import Testing

@testable import DNSClient

/// NXDOMAIN, NODATA and data kept apart, CNAMEs followed, TTLs per RFC 2308 and RFC 2181.
@Suite("DNSAnswer")
struct DNSAnswerTests {
    static let question = DNSQuestion(name: TestZone.name("www.test"), type: .a)

    static func response(
        rcode: DNSResponseCode = .noError, answers: [DNSResourceRecord] = [], authorities: [DNSResourceRecord] = []
    ) -> DNSMessage {
        TestZone.reply(
            to: .query(id: 1, question: question, ednsPayloadSize: nil), rcode: rcode, answers: answers,
            authorities: authorities)
    }

    static func answer(_ response: DNSMessage, type: DNSType = .a) -> DNSAnswer {
        DNSAnswer(response: response, name: question.name, type: type)
    }

    @Test func recordsWithTheSmallestTTL() {
        let answer = Self.answer(
            Self.response(answers: [
                TestZone.record("www.test", ttl: 300, TestZone.a("192.0.2.1")),
                TestZone.record("www.test", ttl: 200, TestZone.a("192.0.2.2")),
            ]))
        #expect(answer == .records([TestZone.a("192.0.2.1"), TestZone.a("192.0.2.2")], ttl: 200))
    }

    @Test func recordsOfOtherOwnersOrTypesAreIgnored() {
        let answer = Self.answer(
            Self.response(answers: [
                TestZone.record("evil.test", TestZone.a("198.51.100.1")),
                TestZone.record("www.test", TestZone.a("2001:db8::1")),
                TestZone.record("www.test", ttl: 60, TestZone.a("192.0.2.1")),
            ]))
        #expect(answer == .records([TestZone.a("192.0.2.1")], ttl: 60))
    }

    @Test func cnameChainInsideTheAnswer() {
        let answer = Self.answer(
            Self.response(answers: [
                TestZone.record("www.test", ttl: 50, .cname(TestZone.name("web.test"))),
                TestZone.record("web.test", ttl: 500, .cname(TestZone.name("host.test"))),
                TestZone.record("host.test", ttl: 100, TestZone.a("192.0.2.1")),
            ]))
        #expect(answer == .records([TestZone.a("192.0.2.1")], ttl: 50))
    }

    @Test func cnameLeavingTheAnswerIsAnAlias() {
        let answer = Self.answer(
            Self.response(answers: [
                TestZone.record("www.test", ttl: 50, .cname(TestZone.name("elsewhere.example")))
            ]))
        #expect(answer == .alias(target: TestZone.name("elsewhere.example"), hops: 1, ttl: 50))
    }

    @Test func cnameThenNoDataWithSOAIsNoData() {
        let answer = Self.answer(
            Self.response(
                answers: [TestZone.record("www.test", ttl: 50, .cname(TestZone.name("host.test")))],
                authorities: [TestZone.soa]))
        #expect(answer == .noData(ttl: 50))
    }

    @Test func cnameThenNXDOMAINIsANameError() {
        // RFC 2308 §2.1: the RCODE describes the end of the chain.
        let answer = Self.answer(
            Self.response(
                rcode: .nameError, answers: [TestZone.record("www.test", .cname(TestZone.name("gone.test")))],
                authorities: [TestZone.soa]))
        #expect(answer == .nameError(ttl: 60))
    }

    @Test func cnameLoopIsUnusable() {
        let answer = Self.answer(
            Self.response(answers: [
                TestZone.record("www.test", .cname(TestZone.name("web.test"))),
                TestZone.record("web.test", .cname(TestZone.name("www.test"))),
            ]))
        guard case .unusable = answer else {
            Issue.record("loop gave \(answer)")
            return
        }
    }

    @Test func overlongChainIsUnusable() {
        let chain = (0..<12).map { index in
            TestZone.record(index == 0 ? "www.test" : "c\(index).test", .cname(TestZone.name("c\(index + 1).test")))
        }
        guard case .unusable = Self.answer(Self.response(answers: chain)) else {
            Issue.record("chain of 12 accepted")
            return
        }
    }

    @Test func nameErrorUsesTheSOANegativeTTL() {
        // min(SOA TTL 300, MINIMUM 60) = 60 (RFC 2308 §5).
        #expect(Self.answer(Self.response(rcode: .nameError, authorities: [TestZone.soa])) == .nameError(ttl: 60))
        #expect(Self.answer(Self.response(rcode: .nameError)) == .nameError(ttl: nil))
    }

    @Test func noDataIsNotANameError() {
        #expect(Self.answer(Self.response(authorities: [TestZone.soa])) == .noData(ttl: 60))
        #expect(Self.answer(Self.response()) == .noData(ttl: nil))
        #expect(
            Self.answer(Self.response(answers: [TestZone.record("www.test", TestZone.txt("x"))])) == .noData(ttl: nil))
    }

    @Test(arguments: [DNSResponseCode.serverFailure, .refused, .notImplemented, .formatError, .badVersion])
    func otherResponseCodesAreUnusable(rcode: DNSResponseCode) {
        var response = Self.response(rcode: rcode)
        // RCODEs above 15 need the OPT record's upper bits (RFC 6891 §6.1.3).
        if rcode.rawValue > 15 {
            response.edns = DNSEDNS(udpPayloadSize: 1232, extendedResponseCode: UInt8(rcode.rawValue >> 4))
        }
        #expect(response.responseCode == rcode)
        guard case .unusable(let reason) = Self.answer(response) else {
            Issue.record("\(rcode) usable")
            return
        }
        #expect(reason.contains(rcode.description))
    }

    @Test func ttlsAreCapped() {
        let huge = Self.answer(
            Self.response(answers: [TestZone.record("www.test", ttl: 10_000_000, TestZone.a("192.0.2.1"))]))
        #expect(huge == .records([TestZone.a("192.0.2.1")], ttl: DNSDefaults.maxPositiveTTL))
        // RFC 2181 §8: the top bit set means zero.
        let negative = Self.answer(
            Self.response(answers: [TestZone.record("www.test", ttl: 0x8000_0001, TestZone.a("192.0.2.1"))]))
        #expect(negative == .records([TestZone.a("192.0.2.1")], ttl: 0))
        var soa = TestZone.soa
        soa.ttl = 1_000_000
        if case .soa(var data) = soa.data {
            data.minimum = 1_000_000
            soa.data = .soa(data)
        }
        #expect(
            Self.answer(Self.response(rcode: .nameError, authorities: [soa]))
                == .nameError(ttl: DNSDefaults.maxNegativeTTL))
    }
}
