import FastSMTPTestSupport
import Foundation
import MailAuth
import Testing

/// Hostile input: the work stays bounded and the answer is a clean result, never a crash or a hang.
@Suite("DKIM limits and hostile input")
struct DKIMLimitTests {
    typealias M = DKIMMutationTests

    @Test("only the first maxSignatures signatures are looked up and verified; the rest are neutral")
    func tooManySignatures() async {
        var message = dkimSampleMessage
        var resolverRecords: [String: String] = [:]
        for i in 0..<14 {
            var s = M.signer(.ed25519)
            s.selector = "s\(i)"
            message = s.sign(message)
            resolverRecords[s.keyName] = s.keyRecord()
        }
        let resolver = DKIMTestResolver(txt: resolverRecords)
        let results = await DKIMVerifier(resolver: resolver, now: { M.now }).verify(Array(message.utf8))
        #expect(results.count == 14)
        #expect(results.prefix(10).allSatisfy { $0.result == .pass })
        #expect(results.suffix(4).allSatisfy { $0.result == .neutral && $0.selector != nil })
        #expect(resolver.queriedNames.count == 10)
    }

    @Test("a header section over the field limit is neutral, without DNS")
    func tooManyFields() async {
        let s = M.signer(.ed25519)
        let flood = String(repeating: "X-Flood: 1\r\n", count: 50)
        var limits = DKIMLimits.default
        limits.maxHeaderFields = 40
        let resolver = DKIMTestResolver(txt: [s.keyName: s.keyRecord()])
        let results = await DKIMVerifier(resolver: resolver, now: { M.now }, limits: limits)
            .verify(Array(s.sign(flood + dkimSampleMessage).utf8))
        #expect(results.map(\.result) == [.neutral])
        #expect(resolver.queriedNames.isEmpty)
    }

    @Test("an enormous h= list or DKIM-Signature field is refused")
    func hugeSignature() async throws {
        var s = M.signer(.ed25519)
        s.signedHeaders = ["from"] + Array(repeating: "received", count: 600)
        let r = try await M.verify(s.sign(dkimSampleMessage), s)
        #expect(r.result == .permerror)
        var t = M.signer(.ed25519)
        t.extraTags = ["z=" + String(repeating: "x", count: 20_000)]
        let r2 = try await M.verify(t.sign(dkimSampleMessage), t)
        #expect(r2.result == .permerror)
    }

    @Test("a tag list with 100,000 tags is parsed in linear time (limits raised to let it through)")
    func manyTags() async {
        var limits = DKIMLimits.default
        limits.maxSignatureFieldBytes = 4 << 20
        limits.maxHeaderBytes = 4 << 20
        let tags = (0..<100_000).map { "x\($0)=1" }.joined(separator: ";")
        let message = "DKIM-Signature: " + tags + "\r\nFrom: a@example.com\r\n\r\nbody\r\n"
        let start = ContinuousClock.now
        let results = await DKIMVerifier(resolver: DKIMTestResolver(), limits: limits).verify(Array(message.utf8))
        #expect(results.map(\.result) == [.permerror])
        #expect(ContinuousClock.now - start < .seconds(10))
        // With the default limits the field is refused before its tags are read.
        let refused = await DKIMVerifier(resolver: DKIMTestResolver()).verify(Array(message.utf8))
        #expect(refused.first?.reason.contains("longer than") == true)
    }

    @Test(
        "malformed messages give results, not crashes",
        arguments: [
            "DKIM-Signature:",
            "DKIM-Signature: ;;;;\r\n",
            "DKIM-Signature: v=1; b=\r\n\r\n",
            "DKIM-Signature: =\r\n",
            "DKIM-Signature: v=1; a=rsa-sha256; b=; bh=; d=; h=; s=\r\n",
            "DKIM-Signature: v=1; a=rsa-sha256; b=AAAA; bh=AAAA; d=example.com; h=from; s=sel; l=999999999999999999999999999999\r\nFrom: a\r\n\r\nbody",
            "DKIM-Signature: v=1; a=rsa-sha256; b=AAAA; bh=AAAA; d=example.com; h=from; s=sel; t=99999999999999999999999\r\n\r\n",
            " continuation first\r\nDKIM-Signature: v=1\r\nno colon here\r\n\r\n",
            "DKIM-Signature: v=1\r\n\u{0}\u{1}\u{FF}: x\r\n",
            "\r\n\r\nDKIM-Signature: v=1\r\n",
        ])
    func malformed(_ text: String) async {
        let resolver = DKIMTestResolver()
        let results = await DKIMVerifier(resolver: resolver).verify(Array(text.utf8))
        #expect(results.allSatisfy { $0.result != .pass })
    }

    @Test("random byte changes never crash; a changed character of a signed field or the body never passes")
    func fuzz() async throws {
        var generator = SplitMix64(seed: 0xD1C0)
        let s = M.signer(.ed25519)
        let text = s.sign(dkimSampleMessage)
        let signed = Array(text.utf8)
        let verifier = DKIMVerifier(resolver: DKIMTestResolver(txt: [s.keyName: s.keyRecord()]), now: { M.now })
        // Anything, anywhere.
        for _ in 0..<150 {
            var bytes = signed
            for _ in 0..<Int(generator.next() % 4 + 1) {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            let results = await verifier.verify(bytes)
            #expect(results.count <= 1)
        }
        // One letter or digit of From/To/Subject/Date or of the body turned into a different character class.
        let bodyStart = try #require(text.range(of: "\r\n\r\n")).upperBound.utf16Offset(in: text)
        var protected: [Int] = Array(bodyStart..<signed.count)
        for name in ["From:", "To:", "Subject:", "Date:"] {
            let start = try #require(text.range(of: "\r\n" + name)).lowerBound.utf16Offset(in: text) + 2
            var end = start
            while end < signed.count, !(signed[end] == 0x0A && end + 1 < signed.count && signed[end + 1] != 0x20) {
                end += 1
            }
            protected += Array(start..<end)
        }
        let alnum = protected.filter { DKIMLimitTests.isAlnum(signed[$0]) }
        for _ in 0..<100 {
            var bytes = signed
            let i = alnum[Int(generator.next() % UInt64(alnum.count))]
            bytes[i] = DKIMLimitTests.isDigit(bytes[i]) ? UInt8(ascii: "q") : UInt8(ascii: "7")
            let results = await verifier.verify(bytes)
            #expect(results.map(\.result) == [.fail], "byte \(i)")
        }
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }

    @Test("a 1 MB body with l= is hashed only up to l=")
    func largeBody() async throws {
        var s = M.signer(.rsa2048)
        s.bodyLength = true
        let signed = s.sign(dkimSampleMessage) + String(repeating: "filler line\r\n", count: 80_000)
        let r = try await M.verify(signed, s)
        #expect(r.result == .pass)
        #expect(r.reason.contains("unsigned"))
    }
}
