import Foundation
import MailAuth
import Testing

/// Key records (RFC 6376 §3.6.1, RFC 8301, RFC 8463) and DNS outcomes (RFC 6376 §6.1.2).
@Suite("DKIM key records and DNS")
struct DKIMKeyRecordTests {
    typealias M = DKIMMutationTests

    static func verifyWith(_ answer: DKIMTestResolver.Answer, signer: DKIMTestSigner) async -> [DKIMSignatureResult] {
        let resolver = DKIMTestResolver([signer.keyName: answer])
        return await DKIMVerifier(resolver: resolver, now: { M.now }).verify(Array(signer.sign(dkimSampleMessage).utf8))
    }

    @Test("DNS timeout and SERVFAIL are temperror; NXDOMAIN and no TXT data are permerror")
    func dnsOutcomes() async {
        let s = M.signer(.rsa2048)
        for (answer, expected) in [
            (DKIMTestResolver.Answer.timeout, DKIMResult.temperror), (.servfail, .temperror),
            (.nxdomain, .permerror), (.txt([]), .permerror),
        ] {
            let results = await Self.verifyWith(answer, signer: s)
            #expect(results.map(\.result) == [expected], "\(answer): \(results)")
            #expect(results.first?.domain == "example.com")
            #expect(results.first?.selector == "sel")
        }
    }

    @Test(
        "key record variants",
        arguments: [
            ("v=DKIM1; k=rsa; p=%P", DKIMResult.pass),
            ("k=rsa; p=%P", .pass),  // v= is optional
            ("p=%P", .pass),  // k= defaults to rsa
            ("v=DKIM1; g=*; k=rsa; n=notes; p=%P; zz=unknown", .pass),  // g= (obsolete) and unknown tags ignored
            ("v=DKIM1; h=sha1:sha256; p=%P", .pass),
            ("v=DKIM1; h=sha1; p=%P", .permerror),  // RFC 6376 §3.6.1: the hash must be allowed
            ("v=DKIM1; s=email; p=%P", .pass),
            ("v=DKIM1; s=*; p=%P", .pass),
            ("v=DKIM1; s=tlsrpt; p=%P", .permerror),
            ("v=DKIM1; k=rsa; p=", .permerror),  // revoked
            ("v=DKIM1; k=rsa", .permerror),  // no p=
            ("k=rsa; v=DKIM1; p=%P", .permerror),  // v= must come first
            ("v=DKIM2; p=%P", .permerror),
            ("v=DKIM1; k=ed25519; p=%P", .permerror),  // key type differs from a=rsa-sha256
            ("v=DKIM1; k=dsa; p=%P", .permerror),
            ("v=DKIM1; p=%P; p=%P", .permerror),  // duplicate tag
            ("v=DKIM1; p=AAAA", .permerror),  // not an RSA key
            ("v=DKIM1; p=%P!", .permerror),  // not base64
        ])
    func variants(_ template: String, _ expected: DKIMResult) async throws {
        let s = M.signer(.rsa2048)
        let p = try #require(s.keyRecord().components(separatedBy: "p=").last)
        let record = template.replacingOccurrences(of: "%P", with: p)
        let r = try await M.verify(s.sign(dkimSampleMessage), s, record: record)
        #expect(r.result == expected, "\(template): \(r.reason)")
    }

    @Test("p= may be folded with whitespace, and may be a bare PKCS#1 RSAPublicKey")
    func keyForms() async throws {
        let s = M.signer(.rsa2048)
        let pkcs1 = try await M.verify(s.sign(dkimSampleMessage), s, record: s.keyRecord(pkcs1: true))
        #expect(pkcs1.result == .pass, "\(pkcs1.reason)")
        #expect(pkcs1.reason.contains("2048-bit"))
        let spaced = s.keyRecord().replacingOccurrences(of: "A", with: "A ")
        #expect(try await M.verify(s.sign(dkimSampleMessage), s, record: spaced).result == .pass)
    }

    @Test("1024-bit RSA keys are accepted; the minimum is configurable (RFC 8301)")
    func keySize() async throws {
        let s = DKIMTestSigner(key: .rsa(DKIMTestKeys.rsa1024))
        let message = Array(s.sign(dkimSampleMessage).utf8)
        let resolver = DKIMTestResolver(txt: [s.keyName: s.keyRecord()])
        let ok = await DKIMVerifier(resolver: resolver, now: { M.now }).verify(message)
        #expect(ok.map(\.result) == [.pass])
        var strict = DKIMLimits.default
        strict.minimumRSAKeyBits = 2048
        let refused = await DKIMVerifier(resolver: resolver, now: { M.now }, limits: strict).verify(message)
        #expect(refused.map(\.result) == [.permerror])
        #expect(refused.first?.reason.contains("too small") == true)
    }

    @Test("t=y is reported as testing; t=s requires i= to be exactly d=")
    func flags() async throws {
        var s = M.signer(.ed25519)
        let testing = try await M.verify(s.sign(dkimSampleMessage), s, record: s.keyRecord(extra: "t=y; "))
        #expect(testing.result == .pass)
        #expect(testing.testing)
        #expect(testing.reason.contains("t=y"))
        s.identity = "alice@mail.example.com"
        let loose = try await M.verify(s.sign(dkimSampleMessage), s, record: s.keyRecord(extra: "t=y:x; "))
        #expect(loose.result == .pass)
        #expect(loose.identity == "alice@mail.example.com")
        let strict = try await M.verify(s.sign(dkimSampleMessage), s, record: s.keyRecord(extra: "t=s; "))
        #expect(strict.result == .permerror)
    }

    @Test("with several TXT records, a usable key among junk is found")
    func severalRecords() async {
        let s = M.signer(.ed25519)
        let results = await Self.verifyWith(.txt(["v=spf1 -all", s.keyRecord()]), signer: s)
        #expect(results.map(\.result) == [.pass])
        let none = await Self.verifyWith(.txt(["v=spf1 -all", "hello"]), signer: s)
        #expect(none.map(\.result) == [.permerror])
    }

    @Test("an Ed25519 key may also be given as a SubjectPublicKeyInfo")
    func ed25519SPKI() async throws {
        let s = M.signer(.ed25519)
        let raw = DKIMTestKeys.ed25519.publicKey.rawRepresentation
        let spki = Data([0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]) + raw
        let r = try await M.verify(
            s.sign(dkimSampleMessage), s, record: "v=DKIM1; k=ed25519; p=\(spki.base64EncodedString())")
        #expect(r.result == .pass)
        let short = try await M.verify(
            s.sign(dkimSampleMessage), s, record: "v=DKIM1; k=ed25519; p=\(raw.prefix(31).base64EncodedString())")
        #expect(short.result == .permerror)
    }

    @Test("two signatures sharing a key name cause one lookup")
    func sharedLookup() async {
        let s = M.signer(.ed25519)
        let twice = s.sign(s.sign(dkimSampleMessage))
        let resolver = DKIMTestResolver(txt: [s.keyName: s.keyRecord()])
        let results = await DKIMVerifier(resolver: resolver, now: { M.now }).verify(Array(twice.utf8))
        #expect(results.map(\.result) == [.pass, .pass])
        #expect(resolver.queriedNames == [s.keyName])
    }
}
