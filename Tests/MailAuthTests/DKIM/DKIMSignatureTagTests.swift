import Foundation
import MailAuth
import Testing

/// DKIM-Signature tags (RFC 6376 §3.5, §6.1.1) and algorithms (RFC 8301).
@Suite("DKIM-Signature tags")
struct DKIMSignatureTagTests {
    typealias M = DKIMMutationTests

    @Test("rsa-sha1 never passes, though cryptographically valid (RFC 8301 §3.1)")
    func rsaSHA1() async throws {
        var s = M.signer(.rsa2048)
        s.algorithm = "rsa-sha1"
        let r = try await M.verify(s.sign(dkimSampleMessage), s)
        #expect(r.result == .permerror)
        #expect(r.algorithm == "rsa-sha1")
        #expect(r.reason.contains("RFC 8301"))
    }

    @Test("t= and x=: expired, x before t, future t are refused; within the clock skew they pass")
    func times() async throws {
        let now: Int64 = 1_700_000_100
        let cases: [(Int64?, Int64?, DKIMResult)] = [
            (now - 100, now + 3600, .pass),
            (now - 100_000, now - 50_000, .permerror),  // expired
            (now - 100, now - 200, .permerror),  // x < t
            (now + 100_000, nil, .permerror),  // t far in the future
            (now + 600, nil, .pass),  // t slightly ahead: clock skew
            (nil, now - 600, .pass),  // x just passed: clock skew
            (nil, nil, .pass),  // neither
        ]
        for (t, x, expected) in cases {
            var s = M.signer(.ed25519)
            s.timestamp = t
            s.expiration = x
            let r = try await M.verify(s.sign(dkimSampleMessage), s)
            #expect(r.result == expected, "t=\(t.map(String.init) ?? "-") x=\(x.map(String.init) ?? "-"): \(r.reason)")
        }
    }

    @Test(
        "invalid or unsupported tags are permerror",
        arguments: [
            ("v=1;", "v=2;"),
            ("a=ed25519-sha256", "a=ed448-sha512"),
            ("c=relaxed/relaxed", "c=relaxed/fancy"),
            ("c=relaxed/relaxed", "c=relaxed/relaxed/simple"),
            ("d=example.com", "d=example.com(.attacker.example"),
            ("d=example.com", "d=com"),
            ("s=sel", "s=se/l"),
            ("s=sel;", "s=sel; q=dns/foo;"),
            ("s=sel;", "s=sel; i=alice@attacker.example;"),
            ("s=sel;", "s=sel; i=alice@notexample.com;"),
            ("s=sel;", "s=sel; l=12x;"),
            ("s=sel;", "s=sel; s=sel2;"),
            ("t=1700000000", "t=17000000O0"),
            ("h=from:to", "h=to"),
            ("h=from:to", "h=from::to"),
            ("v=1;", "v=1; 9x=1;"),
            ("v=1;", "v=1; bad;"),
            ("; \r\n\tbh=", "; \r\n\tbh=!!!!"),
        ])
    func invalid(_ from: String, _ to: String) async throws {
        let s = M.signer(.ed25519)
        let signed = s.sign(dkimSampleMessage)
        try #require(signed.contains(from))
        let mutated = signed.replacingOccurrences(of: from, with: to)
        let r = try await M.verify(mutated, s)
        #expect(r.result == .permerror, "\(to): \(r.reason)")
    }

    @Test("missing required tags are permerror", arguments: ["v", "a", "b", "bh", "d", "h", "s"])
    func missing(_ tag: String) async throws {
        let s = M.signer(.ed25519)
        let signed = s.sign(dkimSampleMessage)
        // Rename the tag so it no longer counts (tags are case-sensitive).
        let mutated = signed.replacingOccurrences(of: " \(tag)=", with: " z\(tag)=").replacingOccurrences(
            of: "\t\(tag)=", with: "\tz\(tag)=")
        let r = try await M.verify(mutated, s)
        #expect(r.result == .permerror, "\(r.reason)")
        #expect(r.reason.contains("\(tag)="))
    }

    @Test("accepted variations: q=dns/txt, i= in a subdomain, c= with the header part only, upper-case a=")
    func accepted() async throws {
        var s = M.signer(.rsa2048, .init(header: "relaxed", body: "simple"))
        s.extraTags = ["q=dns/txt"]
        s.identity = "@news.example.com"
        let r = try await M.verify(s.sign(dkimSampleMessage), s)
        #expect(r.result == .pass, "\(r.reason)")
        #expect(r.identity == "@news.example.com")
        // c=relaxed means relaxed/simple (RFC 6376 §3.5).
        s.canonicalizationTag = "relaxed"
        s.algorithm = "RSA-SHA256"
        let short = try await M.verify(s.sign(dkimSampleMessage), s)
        #expect(short.result == .pass, "\(short.reason)")
        #expect(short.algorithm == "rsa-sha256")
    }

    @Test("hostile tag values are not echoed raw: claims are dropped, reasons are clipped and cleaned")
    func hostileValues() async throws {
        let long = String(repeating: "x", count: 500)
        let text =
            "DKIM-Signature: v=1; a=rsa-sha256; d=ex\u{7}ample.com; s=\(long); i=\u{1B}[31m@x; h=from; bh=AAAA; b=AAAA\r\n"
            + "From: a@example.com\r\n\r\nbody\r\n"
        let results = await DKIMVerifier(resolver: DKIMTestResolver()).verify(Array(text.utf8))
        let r = try #require(results.first)
        #expect(r.result == .permerror)
        #expect(r.domain == nil && r.selector == nil && r.identity == nil)
        #expect(r.algorithm == "rsa-sha256")
        #expect(r.reason.utf8.count < 150)
        #expect(r.reason.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
    }

    @Test("a message without DKIM-Signature gives no results")
    func unsigned() async {
        let resolver = DKIMTestResolver()
        let results = await DKIMVerifier(resolver: resolver).verify(Array(dkimSampleMessage.utf8))
        #expect(results.isEmpty)
        #expect(results.summary == .none)
        #expect(resolver.queriedNames.isEmpty)
    }

    @Test("each signature is reported separately, topmost first")
    func several() async {
        let rsa = M.signer(.rsa2048)
        var ed = M.signer(.ed25519)
        ed.domain = "example.net"
        ed.selector = "ed"
        let message = ed.sign(rsa.sign(dkimSampleMessage)).replacingOccurrences(of: "Hello Bob", with: "Hello Bod")
        let withBadSig = "DKIM-Signature: v=1; a=rsa-sha256; d=bad.example; s=x\r\n" + message
        let resolver = DKIMTestResolver(txt: [rsa.keyName: rsa.keyRecord(), ed.keyName: ed.keyRecord()])
        let results = await DKIMVerifier(resolver: resolver, now: { M.now }).verify(Array(withBadSig.utf8))
        #expect(results.map(\.result) == [.permerror, .fail, .fail])
        #expect(results.map(\.domain) == ["bad.example", "example.net", "example.com"])
        #expect(results.summary == .permerror)
    }
}
