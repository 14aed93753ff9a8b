import NIOCore

@testable import DNSClient

/// The fixed zone `test.` served by ``TestDNSServer``, with names that exercise each path of the resolver.
enum TestZone {
    static func name(_ text: String) -> DNSName {
        guard let name = DNSName(text) else { preconditionFailure("bad test name \(text)") }
        return name
    }

    static func record(_ owner: String, ttl: UInt32 = 3600, _ data: DNSRecordData) -> DNSResourceRecord {
        DNSResourceRecord(name: name(owner), ttl: ttl, data: data)
    }

    static func a(_ text: String) -> DNSRecordData {
        guard let address = IPAddress(text) else { preconditionFailure("bad address \(text)") }
        return address.isIPv4 ? .a(address) : .aaaa(address)
    }

    static func txt(_ strings: String...) -> DNSRecordData { .txt(strings.map { Array($0.utf8) }) }

    /// SOA of the zone: TTL 300, MINIMUM 60, so negative answers are cached for 60 s (RFC 2308 §5).
    static let soa = record(
        "test", ttl: 300,
        .soa(
            DNSSOA(
                primary: name("ns.test"), mailbox: name("hostmaster.test"), serial: 1, refresh: 3600, retry: 600,
                expire: 86_400, minimum: 60)))

    static let bigTXT: [DNSResourceRecord] = (0..<30).map { index in
        record("big.test", txt("record \(index) " + String(repeating: "x", count: 90)))
    }

    static let records: [DNSResourceRecord] =
        [
            record("a.test", a("192.0.2.1")),
            record("a.test", a("192.0.2.2")),
            record("a.test", a("2001:db8::1")),
            record("a.test", txt("v=spf1 ", "ip4:192.0.2.0/24 -all")),
            record("a.test", .mx(preference: 10, exchange: name("mx1.test"))),
            record("a.test", .mx(preference: 20, exchange: name("mx2.test"))),
            record("1.2.0.192.in-addr.arpa", .ptr(name("a.test"))),
            record("nullmx.test", .mx(preference: 0, exchange: .root)),
            record("nodata.test", txt("only text here")),
            record("nosoa.test", txt("no SOA with its NODATA")),
            record("ttl.test", ttl: 30, a("192.0.2.10")),
            record("zerottl.test", ttl: 0, a("192.0.2.11")),
            record("cname.test", ttl: 120, .cname(name("a.test"))),
            record("out.test", ttl: 100, .cname(name("a.test"))),
            record("loop1.test", .cname(name("loop2.test"))),
            record("loop2.test", .cname(name("loop1.test"))),
            record("deep.sub.test", a("192.0.2.12")),
        ] + bigTXT

    /// CNAMEs whose targets are not added to the answer, as an authoritative server does for other zones.
    static let unchased: Set<DNSName> = [name("out.test"), name("loop1.test"), name("loop2.test")]

    static func reply(
        to query: DNSMessage, rcode: DNSResponseCode, answers: [DNSResourceRecord] = [],
        authorities: [DNSResourceRecord] = [], edns: Bool = true
    ) -> DNSMessage {
        DNSMessage(
            id: query.id,
            flags: DNSFlags(
                isResponse: true, authoritativeAnswer: true, recursionDesired: query.flags.recursionDesired,
                responseCode: UInt8(rcode.rawValue & 0x0F)),
            questions: query.questions,
            answers: answers,
            authorities: authorities,
            edns: edns && query.edns != nil ? DNSEDNS(udpPayloadSize: DNSDefaults.ednsUDPPayloadSize) : nil
        )
    }

    static func plan(for query: DNSMessage, overTCP: Bool) -> TestDNSServer.Plan {
        guard let question = query.questions.first else { return .init(replies: []) }
        func send(_ messages: DNSMessage...) -> TestDNSServer.Plan {
            .init(replies: messages.map { TestDNSServer.encode($0, for: query, overTCP: overTCP) })
        }
        let answerA = { (address: String) in
            reply(to: query, rcode: .noError, answers: [record(question.name.description, a(address))])
        }
        switch question.name.description {
        case "fail.test":
            return send(reply(to: query, rcode: .serverFailure))
        case "refused.test":
            return send(reply(to: query, rcode: .refused))
        case "silent.test":
            return .init(replies: [])
        case "noedns.test":
            // An old server: FORMERR to anything with OPT, and no OPT in its reply.
            return query.edns != nil
                ? send(reply(to: query, rcode: .formatError, edns: false)) : send(answerA("192.0.2.9"))
        case "badid.test":
            var wrongID = answerA("198.51.100.66")
            wrongID.id = query.id &+ 1
            var wrongQuestion = answerA("198.51.100.66")
            wrongQuestion.questions = [DNSQuestion(name: name("other.test"), type: question.type)]
            var notAResponse = answerA("198.51.100.66")
            notAResponse.flags.isResponse = false
            var wrongType = answerA("198.51.100.66")
            wrongType.questions[0].type = .aaaa
            return send(wrongID, wrongQuestion, notAResponse, wrongType, answerA("192.0.2.7"))
        case "malformed.test":
            let good = TestDNSServer.encode(answerA("192.0.2.13"), for: query, overTCP: overTCP)
            return .init(replies: [Array(good.dropLast(3)), good])
        case "spoofed.test":
            let spoof = TestDNSServer.encode(answerA("198.51.100.66"), for: query, overTCP: overTCP)
            let real = TestDNSServer.encode(answerA("192.0.2.8"), for: query, overTCP: overTCP)
            return .init(replies: [real], spoofed: spoof, delay: .milliseconds(100))
        default:
            return send(zoneAnswer(to: query, question: question))
        }
    }

    /// Answers from ``records`` as an authoritative server: CNAMEs chased inside the zone, NXDOMAIN for names
    /// with nothing at or below them, NODATA (with the SOA, except for `nosoa.test`) otherwise.
    static func zoneAnswer(to query: DNSMessage, question: DNSQuestion) -> DNSMessage {
        var answers: [DNSResourceRecord] = []
        var current = question.name
        for _ in 0..<10 {
            let owned = records.filter { $0.name == current }
            let matching = owned.filter { $0.type == question.type }
            if !matching.isEmpty {
                answers += matching
                return reply(to: query, rcode: .noError, answers: answers)
            }
            guard let alias = owned.first(where: { $0.type == .cname }), case .cname(let target) = alias.data else {
                break
            }
            answers.append(alias)
            if unchased.contains(current) { return reply(to: query, rcode: .noError, answers: answers) }
            current = target
        }
        let exists = records.contains { $0.name.labels.reversed().starts(with: current.labels.reversed()) }
        if !exists { return reply(to: query, rcode: .nameError, answers: answers, authorities: [soa]) }
        let authorities = current == name("nosoa.test") ? [] : [soa]
        return reply(to: query, rcode: .noError, answers: answers, authorities: authorities)
    }
}
