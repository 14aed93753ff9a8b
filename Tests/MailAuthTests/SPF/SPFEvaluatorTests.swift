import DNSClient
import Foundation
import MailAuth
import Testing

/// `SPFEvaluator` behaviour beyond the suites: identities, DNS failures, limits, explanations, lookup counts.
@Suite("SPFEvaluator")
struct SPFEvaluatorTests {
    static let client = IPAddress("192.0.2.10")!

    static func evaluate(
        _ zone: DNSZone, ip: IPAddress = client, mailFrom: String = "alice@example.com",
        helo: String = "mx.example.net",
        limits: SPFLimits = .rfc7208
    ) async -> (SPFVerdict, ZoneResolver) {
        let resolver = ZoneResolver(zone)
        let evaluator = SPFEvaluator(resolver: resolver, limits: limits, receivingHost: "mx.example.org")
        return (await evaluator.evaluate(clientIP: ip, mailFrom: mailFrom, helo: helo), resolver)
    }

    static func zone(_ records: [String: String]) -> DNSZone {
        var zone = DNSZone()
        for (name, text) in records { zone.add(name, .txt(text)) }
        return zone
    }

    // MARK: identities

    @Test("MAIL FROM identity: the domain checked is the sender's")
    func mailFromIdentity() async {
        var zone = Self.zone(["example.com": "v=spf1 ip4:192.0.2.0/24 -all", "mx.example.net": "v=spf1 -all"])
        zone.add("mx.example.net", .a("192.0.2.10"))
        let (verdict, _) = await Self.evaluate(zone)
        #expect(verdict.result == .pass)
        #expect(verdict.domain == "example.com")
        #expect(verdict.reason.contains("ip4:192.0.2.0/24"))
    }

    @Test("null MAIL FROM checks the HELO identity as postmaster@helo", arguments: ["", "<>"])
    func heloIdentity(mailFrom: String) async {
        var zone = Self.zone([
            "example.com": "v=spf1 +all", "mx.example.net": "v=spf1 -all exp=why.example.net",
            "why.example.net": "%{s} via %{h} checked %{d}",
        ])
        zone.addName("mx.example.net")
        let (verdict, _) = await Self.evaluate(zone, mailFrom: mailFrom)
        #expect(verdict.result == .fail)
        #expect(verdict.domain == "mx.example.net")
        #expect(verdict.explanation == "postmaster@mx.example.net via mx.example.net checked mx.example.net")
    }

    @Test("angle brackets and a missing local part")
    func senderForms() async {
        let zone = Self.zone(["example.com": "v=spf1 -all exp=why.example.com", "why.example.com": "%{l}@%{o}"])
        let (bracketed, _) = await Self.evaluate(zone, mailFrom: "<bob@example.com>")
        #expect(bracketed.explanation == "bob@example.com")
        let (noLocal, _) = await Self.evaluate(zone, mailFrom: "@example.com")
        #expect(noLocal.explanation == "postmaster@example.com")
    }

    @Test(
        "malformed domains are none without any query",
        arguments: [
            "user@localhost", "user@[192.0.2.1]", "user@a..example.com", "user@exa mple.com",
            "user@" + String(repeating: "a", count: 64) + ".example.com",
        ])
    func malformed(mailFrom: String) async {
        let (verdict, resolver) = await Self.evaluate(DNSZone(), mailFrom: mailFrom)
        #expect(verdict.result == .none)
        #expect(resolver.queryCount == 0)
    }

    @Test("no record, NXDOMAIN, non-SPF TXT: none; two records: permerror")
    func recordSelection() async {
        var zone = Self.zone(["other.example": "google-site-verification=abc"])
        zone.add("two.example", .txt("v=spf1 -all"))
        zone.add("two.example", .txt("v=spf1 +all"))
        #expect(await Self.evaluate(zone, mailFrom: "a@other.example").0.result == .none)
        #expect(await Self.evaluate(zone, mailFrom: "a@missing.example").0.result == .none)
        #expect(await Self.evaluate(zone, mailFrom: "a@two.example").0.result == .permerror)
    }

    @Test("an IPv4-mapped client is an IPv4 client")
    func mappedClient() async {
        let zone = Self.zone(["example.com": "v=spf1 ip6:::/0 ip4:192.0.2.10 -all"])
        let (verdict, _) = await Self.evaluate(zone, ip: IPAddress("::ffff:192.0.2.10")!)
        #expect(verdict.result == .pass)
        #expect(verdict.reason.hasPrefix("ip4:"))
    }

    // MARK: DNS failures

    @Test(
        "timeouts and SERVFAIL are temperror",
        arguments: [
            ("example.com", DNSRecordType.txt, DNSZone.Fault.timeout, "v=spf1 -all"),
            ("example.com", .txt, .serverFailure, "v=spf1 -all"),
            ("a.example.com", .a, .timeout, "v=spf1 a:a.example.com -all"),
            ("mx.example.com", .mx, .serverFailure, "v=spf1 mx:mx.example.com -all"),
            ("host.example.com", .a, .serverFailure, "v=spf1 mx:mx.example.com -all"),
            ("inc.example.com", .txt, .timeout, "v=spf1 include:inc.example.com -all"),
            ("bl.example.com", .a, .refused, "v=spf1 exists:bl.example.com -all"),
            ("next.example.com", .txt, .serverFailure, "v=spf1 redirect=next.example.com"),
        ] as [(String, DNSRecordType, DNSZone.Fault, String)])
    func temporaryFailures(name: String, type: DNSRecordType, fault: DNSZone.Fault, record: String) async {
        var zone = Self.zone(["example.com": record])
        zone.add("mx.example.com", .mx(preference: 10, exchange: "host.example.com"))
        zone.fail(name, type: type, with: fault)
        let (verdict, _) = await Self.evaluate(zone)
        #expect(verdict.result == .temperror, "\(verdict)")
    }

    @Test("ptr never turns DNS failures into temperror (§5.5)")
    func ptrSkipsFailures() async {
        var zone = Self.zone(["example.com": "v=spf1 ptr -all"])
        zone.fail("10.2.0.192.in-addr.arpa", with: .serverFailure)
        #expect(await Self.evaluate(zone).0.result == .fail)
        var validation = Self.zone(["example.com": "v=spf1 ptr -all"])
        validation.add("10.2.0.192.in-addr.arpa", .ptr("broken.example.com"))
        validation.add("10.2.0.192.in-addr.arpa", .ptr("good.example.com"))
        validation.fail("broken.example.com", with: .timeout)
        validation.add("good.example.com", .a("192.0.2.10"))
        #expect(await Self.evaluate(validation).0.result == .pass)
    }

    @Test("the time limit turns a slow evaluation into temperror")
    func timeLimit() async {
        var zone = Self.zone(["example.com": "v=spf1 a:slow.example.com a:late.example.com -all"])
        zone.add("slow.example.com", .a("198.51.100.1"))
        zone.fail("slow.example.com", with: .delay(.milliseconds(80)))
        var limits = SPFLimits.rfc7208
        limits.timeLimit = .milliseconds(40)
        let (verdict, resolver) = await Self.evaluate(zone, limits: limits)
        #expect(verdict.result == .temperror)
        #expect(!resolver.queries.contains { $0.name == "late.example.com" })
    }

    @Test("a cancelled evaluation is temperror")
    func cancellation() async {
        let zone = Self.zone(["example.com": "v=spf1 a -all"])
        let task = Task {
            try? await Task.sleep(for: .seconds(30))  // ends early, and deterministically, on cancel()
            return await SPFEvaluator(resolver: ZoneResolver(zone))
                .evaluate(clientIP: Self.client, mailFrom: "a@example.com", helo: "h.example")
        }
        task.cancel()
        #expect(await task.value.result == .temperror)
    }

    // MARK: processing limits (RFC 7208 §4.6.4)

    /// A record with `count` a: terms, every name resolving (so no void lookups), none matching.
    static func aTerms(_ count: Int) -> DNSZone {
        var zone = DNSZone()
        let terms = (1...count).map { "a:h\($0).example.com" }.joined(separator: " ")
        zone.add("example.com", .txt("v=spf1 \(terms) ip4:192.0.2.10 -all"))
        for index in 1...count { zone.add("h\(index).example.com", .a("198.51.100.\(index)")) }
        return zone
    }

    @Test("10 DNS-querying terms are allowed, the 11th is a permerror")
    func termLimit() async {
        #expect(await Self.evaluate(Self.aTerms(10)).0.result == .pass)
        let (over, resolver) = await Self.evaluate(Self.aTerms(11))
        #expect(over.result == .permerror)
        #expect(resolver.queryCount(of: .a) == 10)
        #expect(await Self.evaluate(Self.aTerms(11), limits: SPFLimits(dnsTerms: 11)).0.result == .pass)
    }

    @Test("includes and redirects share the term budget")
    func sharedBudget() async {
        var zone = Self.zone([
            "example.com": "v=spf1 include:i1.example.com redirect=r.example.com",
            "i1.example.com": "v=spf1 include:i2.example.com",
            "i2.example.com": "v=spf1 a:h.example.com a:h.example.com a:h.example.com",
            "r.example.com": "v=spf1 a:h.example.com a:h.example.com a:h.example.com ip4:192.0.2.10",
        ])
        zone.add("h.example.com", .a("198.51.100.1"))
        // include(1) include(2) a×3(5) redirect(6) a×3(9): pass at the ip4 term.
        #expect(await Self.evaluate(zone).0.result == .pass)
        zone.replace(
            "r.example.com", type: .txt,
            with: [
                .txt(
                    "v=spf1 a:h.example.com a:h.example.com a:h.example.com a:h.example.com a:h.example.com ip4:192.0.2.10"
                )
            ])
        #expect(await Self.evaluate(zone).0.result == .permerror)
    }

    @Test("two void lookups are allowed, the third is a permerror")
    func voidLimit() async {
        var zone = Self.zone([
            "two.example.com": "v=spf1 a:nx1.example.com mx:empty.example.com ?all",
            "three.example.com": "v=spf1 a:nx1.example.com mx:empty.example.com exists:nx2.example.com ?all",
        ])
        zone.addName("empty.example.com")
        #expect(await Self.evaluate(zone, mailFrom: "a@two.example.com").0.result == .neutral)
        #expect(await Self.evaluate(zone, mailFrom: "a@three.example.com").0.result == .permerror)
        #expect(
            await Self.evaluate(zone, mailFrom: "a@three.example.com", limits: SPFLimits(voidLookups: 3)).0.result
                == .neutral)
    }

    @Test("an mx term may look up 10 exchanges; needing an 11th is a permerror")
    func mxLimit() async {
        var zone = Self.zone(["example.com": "v=spf1 mx -all"])
        for index in 1...11 {
            zone.add("example.com", .mx(preference: UInt16(index), exchange: "mx\(index).example.com"))
            zone.add("mx\(index).example.com", .a("198.51.100.\(index)"))
        }
        #expect(await Self.evaluate(zone, ip: IPAddress("198.51.100.10")!).0.result == .pass)
        let (over, _) = await Self.evaluate(zone)
        #expect(over.result == .permerror)
        // A null MX (RFC 7505) has nothing to look up.
        var null = Self.zone(["example.com": "v=spf1 mx ?all"])
        null.add("example.com", .mx(preference: 0, exchange: "."))
        let (verdict, resolver) = await Self.evaluate(null)
        #expect(verdict.result == .neutral)
        #expect(resolver.queryCount(of: .a) == 0)
    }

    @Test("only the first 10 PTR names are considered")
    func ptrLimit() async {
        var zone = Self.zone(["example.com": "v=spf1 ptr -all"])
        for index in 1...11 {
            zone.add("10.2.0.192.in-addr.arpa", .ptr("host\(index).example.com"))
        }
        zone.add("host11.example.com", .a("192.0.2.10"))
        #expect(await Self.evaluate(zone).0.result == .fail)
        zone.add("host10.example.com", .a("192.0.2.10"))
        #expect(await Self.evaluate(zone).0.result == .pass)
    }

    // MARK: explanations and lookup counts

    @Test("exp= is looked up only for fail, never for an include's record, and counts against no limit")
    func explanationLookups() async {
        var zone = Self.zone([
            "example.com":
                "v=spf1 a:nx1.example.com a:nx2.example.com include:inc.example.com -all exp=why.example.com",
            "inc.example.com": "v=spf1 -all exp=inc-why.example.com",
            "why.example.com": "%{i} is not one of %{d}'s servers (%{r})",
            "inc-why.example.com": "wrong",
        ])
        zone.addName("nothing")
        let (fail, resolver) = await Self.evaluate(zone)
        #expect(fail.result == .fail)
        #expect(fail.explanation == "192.0.2.10 is not one of example.com's servers (mx.example.org)")
        #expect(!resolver.queries.contains { $0.name == "inc-why.example.com" })
        let (pass, passResolver) = await Self.evaluate(
            zone, ip: IPAddress("192.0.2.11")!, mailFrom: "a@inc.example.com")
        #expect(pass.result == .fail)
        #expect(pass.explanation == "wrong")
        #expect(passResolver.queryCount(of: .txt) == 2)
    }

    @Test("a record with three includes costs one TXT query per record and no more")
    func lookupCount() async {
        var zone = Self.zone([
            "example.com": "v=spf1 include:a.example.net include:b.example.net include:c.example.net -all",
            "a.example.net": "v=spf1 ip4:198.51.100.0/24 -all",
            "b.example.net": "v=spf1 ip6:2001:db8::/32 ~all",
            "c.example.net": "v=spf1 a:mail.example.net ?all",
        ])
        zone.add("mail.example.net", .a("192.0.2.10"))
        let (verdict, resolver) = await Self.evaluate(zone)
        #expect(verdict.result == .pass)
        #expect(
            resolver.queries.map(\.description) == [
                "txt example.com", "txt a.example.net", "txt b.example.net", "txt c.example.net", "a mail.example.net",
            ])
    }
}
