import Foundation
import MailAuth
import Testing

/// Messages signed inside the test with fresh RSA-2048 and Ed25519 keys, then mutated.
@Suite("DKIM sign, mutate, verify")
struct DKIMMutationTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_100)

    enum KeyKind: String, CaseIterable, Sendable { case rsa2048, ed25519 }

    struct Canon: Sendable, CustomTestStringConvertible {
        var header: String
        var body: String
        var testDescription: String { "\(header)/\(body)" }
        static let all = [
            Canon(header: "simple", body: "simple"), Canon(header: "simple", body: "relaxed"),
            Canon(header: "relaxed", body: "simple"), Canon(header: "relaxed", body: "relaxed"),
        ]
    }

    static func signer(_ kind: KeyKind, _ canon: Canon = Canon(header: "relaxed", body: "relaxed")) -> DKIMTestSigner {
        var signer: DKIMTestSigner
        switch kind {
        case .rsa2048: signer = DKIMTestSigner(key: .rsa(DKIMTestKeys.rsa2048))
        case .ed25519: signer = DKIMTestSigner(key: .ed25519(DKIMTestKeys.ed25519))
        }
        signer.headerCanonicalization = canon.header
        signer.bodyCanonicalization = canon.body
        return signer
    }

    /// Verifies `message` with the signer's key published; returns the single result.
    static func verify(
        _ message: String, _ signer: DKIMTestSigner, record: String? = nil
    ) async throws -> DKIMSignatureResult {
        let resolver = DKIMTestResolver(txt: [signer.keyName: record ?? signer.keyRecord()])
        let results = await DKIMVerifier(resolver: resolver, now: { now }).verify(Array(message.utf8))
        try #require(results.count == 1)
        return results[0]
    }

    @Test("an untouched message passes", arguments: KeyKind.allCases, Canon.all)
    func untouched(_ kind: KeyKind, _ canon: Canon) async throws {
        let s = Self.signer(kind, canon)
        let r = try await Self.verify(s.sign(dkimSampleMessage), s)
        #expect(r.result == .pass, "\(r.reason)")
        #expect(r.domain == "example.com")
        #expect(r.selector == "sel")
        #expect(r.algorithm == s.defaultAlgorithm)
        #expect(r.identity == "@example.com")
    }

    @Test("one changed body byte fails with a body hash mismatch", arguments: KeyKind.allCases, Canon.all)
    func bodyByte(_ kind: KeyKind, _ canon: Canon) async throws {
        let s = Self.signer(kind, canon)
        let signed = s.sign(dkimSampleMessage).replacingOccurrences(of: "Hello Bob", with: "Hello Bod")
        let r = try await Self.verify(signed, s)
        #expect(r.result == .fail)
        #expect(r.reason.contains("body hash"))
    }

    @Test("a changed signed header fails the signature", arguments: KeyKind.allCases, Canon.all)
    func signedHeader(_ kind: KeyKind, _ canon: Canon) async throws {
        let s = Self.signer(kind, canon)
        let signed = s.sign(dkimSampleMessage).replacingOccurrences(
            of: "To: Bob <bob@example.org>", with: "To: Eve <eve@example.org>")
        let r = try await Self.verify(signed, s)
        #expect(r.result == .fail)
        #expect(r.reason.contains("signature did not verify"))
    }

    @Test("whitespace and case in headers: simple fails, relaxed passes", arguments: KeyKind.allCases, Canon.all)
    func headerWhitespace(_ kind: KeyKind, _ canon: Canon) async throws {
        let s = Self.signer(kind, canon)
        let expected: DKIMResult = canon.header == "relaxed" ? .pass : .fail
        for (from, to) in [
            ("Subject: Quarterly   report", "Subject:Quarterly \t report "),
            ("To: Bob", "to:   Bob"),
            ("Subject: Quarterly   report\r\n (folded)", "Subject: Quarterly report (folded)"),
        ] {
            let signed = s.sign(dkimSampleMessage).replacingOccurrences(of: from, with: to)
            let r = try await Self.verify(signed, s)
            #expect(r.result == expected, "\(from) → \(to): \(r.reason)")
        }
    }

    @Test("whitespace in the body: simple fails, relaxed passes", arguments: KeyKind.allCases, Canon.all)
    func bodyWhitespace(_ kind: KeyKind, _ canon: Canon) async throws {
        let s = Self.signer(kind, canon)
        let expected: DKIMResult = canon.body == "relaxed" ? .pass : .fail
        for (from, to) in [
            ("numbers  are", "numbers \t  are"), ("Hello Bob,\r\n", "Hello Bob,  \r\n"), ("in.  \r\n", "in.\r\n"),
        ] {
            let signed = s.sign(dkimSampleMessage).replacingOccurrences(of: from, with: to)
            let r = try await Self.verify(signed, s)
            #expect(r.result == expected, "\(from.debugDescription) → \(to.debugDescription): \(r.reason)")
        }
    }

    @Test(
        "trailing empty lines are ignored, and an unsigned header may be added", arguments: KeyKind.allCases, Canon.all)
    func harmlessChanges(_ kind: KeyKind, _ canon: Canon) async throws {
        let s = Self.signer(kind, canon)
        let more = try await Self.verify(s.sign(dkimSampleMessage) + "\r\n\r\n", s)
        #expect(more.result == .pass, "\(more.reason)")
        // drops two of the trailing CRLFs
        let fewer = try await Self.verify(String(s.sign(dkimSampleMessage).dropLast(2)), s)
        #expect(fewer.result == .pass, "\(fewer.reason)")
        let added = try await Self.verify(
            s.sign(dkimSampleMessage).replacingOccurrences(of: "Message-ID:", with: "X-Spam: no\r\nMessage-ID:"), s)
        #expect(added.result == .pass, "\(added.reason)")
    }

    @Test("l= leaves appended content unsigned, but a shorter body fails", arguments: KeyKind.allCases)
    func bodyLength(_ kind: KeyKind) async throws {
        var s = Self.signer(kind)
        s.bodyLength = true
        let signed = s.sign(dkimSampleMessage)
        let exact = try await Self.verify(signed, s)
        #expect(exact.result == .pass)
        #expect(!exact.reason.contains("unsigned"))
        let appended = try await Self.verify(signed + "-- \r\nUnsubscribe: https://lists.example/\r\n", s)
        #expect(appended.result == .pass)
        #expect(appended.reason.contains("unsigned body content"))
        let truncated = try await Self.verify(signed.replacingOccurrences(of: "Alice\r\n", with: ""), s)
        #expect(truncated.result == .fail)
    }

    @Test(
        "h= over-signing: an added Subject breaks an over-signed signature, not a plain one",
        arguments: KeyKind.allCases)
    func overSigning(_ kind: KeyKind) async throws {
        var s = Self.signer(kind)
        let addOnTop = { (m: String) in "Subject: Buy now\r\n" + m }
        // Plain h=...:subject: a Subject added above the signed one is not selected (bottom-up, RFC 6376 §5.4.2).
        let plain = try await Self.verify(addOnTop(s.sign(dkimSampleMessage)), s)
        #expect(plain.result == .pass)
        // Added below, it is the one selected: fail.
        let below = s.sign(dkimSampleMessage).replacingOccurrences(
            of: "Message-ID:", with: "Subject: Buy now\r\nMessage-ID:")
        #expect(try await Self.verify(below, s).result == .fail)
        // Over-signed h=...:subject:subject: any added Subject is selected: fail.
        s.signedHeaders += ["subject"]
        #expect(try await Self.verify(s.sign(dkimSampleMessage), s).result == .pass)
        #expect(try await Self.verify(addOnTop(s.sign(dkimSampleMessage)), s).result == .fail)
    }

    @Test("a second From above the signed one fails (dkimpy's hardening)", arguments: KeyKind.allCases)
    func extraFrom(_ kind: KeyKind) async throws {
        let s = Self.signer(kind)
        let r = try await Self.verify("From: ceo@example.com\r\n" + s.sign(dkimSampleMessage), s)
        #expect(r.result == .fail)
        #expect(r.reason.contains("2 From fields"))
    }

    @Test("a repeated header signed as many times as it occurs passes; a missing listed header is the null string")
    func repeatedHeaders() async throws {
        var s = Self.signer(.rsa2048)
        s.signedHeaders = ["from", "received", "received", "x-missing", "subject"]
        let message = "Received: by b\r\n" + dkimSampleMessage
        #expect(try await Self.verify(s.sign(message), s).result == .pass)
        let reordered = s.sign(message).replacingOccurrences(
            of: "Received: by b\r\nReceived: from", with: "Received: from"
        )
        .replacingOccurrences(of: "Message-ID:", with: "Received: by b\r\nMessage-ID:")
        #expect(try await Self.verify(reordered, s).result == .fail)
    }

    @Test("the test signer agrees with the verifier on messages with LF line endings")
    func bareLF() async throws {
        let s = Self.signer(.ed25519, Canon(header: "simple", body: "simple"))
        let lf = s.sign(dkimSampleMessage).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(try await Self.verify(lf, s).result == .pass)
    }

    @Test("an Ed25519 signature checked with another Ed25519 key fails")
    func wrongKey() async throws {
        let s = Self.signer(.ed25519)
        let other = DKIMTestSigner(key: .ed25519(DKIMTestKeys.otherEd25519))
        #expect(try await Self.verify(s.sign(dkimSampleMessage), s, record: other.keyRecord()).result == .fail)
    }
}
