import Crypto
import FastSMTPTestSupport
import Testing

@testable import MailAuth

/// Canonicalisation, tag lists, base64 and key DER: the pure parts, table-style.
@Suite("DKIM canonicalisation and parsing")
struct DKIMCanonicalizationTests {
    /// RFC 6376 §3.4.6 example: the header and body of the message below.
    static let example = Array("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".utf8)

    static func bodyHash(_ body: String, _ c: DKIMCanonicalization, limit: Int? = nil) -> DKIMBodyHash {
        Array(body.utf8).withUnsafeBufferPointer { DKIMBodyHash.compute($0, canonicalization: c, limit: limit) }
    }

    static func sha256(_ text: String) -> [UInt8] { Array(SHA256.hash(data: Array(text.utf8))) }

    @Test("RFC 6376 §3.4.6: relaxed and simple header fields")
    func headerExample() throws {
        let message = DKIMMessage(Self.example, limits: .default)
        try #require(message.fields.count == 2)
        #expect(message.fields.map(\.name) == ["a", "b"])
        let relaxed = (0..<2).flatMap { DKIMHeaderHash.canonicalizedField(message, at: $0, .relaxed) }
        #expect(String(decoding: relaxed, as: UTF8.self) == "a:X\r\nb:Y Z\r\n")
        let simple = (0..<2).flatMap { DKIMHeaderHash.canonicalizedField(message, at: $0, .simple) }
        #expect(String(decoding: simple, as: UTF8.self) == "A: X\r\nB : Y\t\r\n\tZ  \r\n")
    }

    @Test("RFC 6376 §3.4.6: relaxed and simple body")
    func bodyExample() {
        let message = DKIMMessage(Self.example, limits: .default)
        let body = String(decoding: Self.example[message.bodyStart...], as: UTF8.self)
        #expect(Self.bodyHash(body, .relaxed).digest == Self.sha256(" C\r\nD E\r\n"))
        #expect(Self.bodyHash(body, .simple).digest == Self.sha256(" C \r\nD \t E\r\n"))
    }

    @Test(
        "empty and unterminated bodies (RFC 6376 §3.4.3, §3.4.4 and errata 3133)",
        arguments: [
            ("", DKIMCanonicalization.simple, "\r\n"),
            ("", .relaxed, ""),
            ("\r\n\r\n", .simple, "\r\n"),
            ("\r\n\r\n", .relaxed, ""),
            (" \t \r\n", .relaxed, ""),
            ("abc", .simple, "abc\r\n"),
            ("abc  ", .relaxed, "abc\r\n"),
            ("a\r\n\r\nb\r\n\r\n", .relaxed, "a\r\n\r\nb\r\n"),
            ("a\r\n \r\nb\r\n", .relaxed, "a\r\n\r\nb\r\n"),
            ("a\rb \r\n", .relaxed, "a\rb\r\n"),
        ])
    func bodies(_ body: String, _ c: DKIMCanonicalization, _ canonical: String) {
        let hash = Self.bodyHash(body, c)
        #expect(hash.digest == Self.sha256(canonical))
        #expect(hash.hashedLength == canonical.utf8.count)
    }

    @Test("l= hashes a prefix and tells whether more or less body exists")
    func bodyLimit() {
        let exact = Self.bodyHash("one\r\ntwo\r\n", .simple, limit: 10)
        #expect(!exact.hasUnsignedContent && !exact.isShorterThanLimit)
        let more = Self.bodyHash("one\r\ntwo\r\n", .relaxed, limit: 5)
        #expect(more.digest == Self.sha256("one\r\n"))
        #expect(more.hasUnsignedContent)
        let less = Self.bodyHash("one\r\n", .simple, limit: 6)
        #expect(less.isShorterThanLimit)
        let zero = Self.bodyHash("one\r\n", .relaxed, limit: 0)
        #expect(zero.digest == Self.sha256("") && zero.hasUnsignedContent)
    }

    @Test("a body larger than the hashing buffer hashes like a small one")
    func bigBody() {
        let line = String(repeating: "x \t y", count: 2000) + "  \r\n"
        let body = String(repeating: line, count: 10)
        let canonical = String(repeating: String(repeating: "x y", count: 2000) + "\r\n", count: 10)
        #expect(Self.bodyHash(body, .relaxed).digest == Self.sha256(canonical))
        #expect(Self.bodyHash(body, .simple).digest == Self.sha256(body))
    }

    @Test("relaxed body: random whitespace at every alignment matches a naive reference canonicaliser")
    func relaxedRandom() {
        var generator = SplitMix64(seed: 42)
        let alphabet: [Character] = ["a", "b", " ", " ", "\t", "x"]
        for _ in 0..<300 {
            var body = ""
            for _ in 0..<Int(generator.next() % 6) {
                for _ in 0..<Int(generator.next() % 40) { body.append(alphabet[Int(generator.next() % 6)]) }
                body += "\r\n"
            }
            if generator.next() % 4 == 0 { body += "tail \t" }
            let reference = DKIMTestSigner.relaxedBody(body)
            #expect(Self.bodyHash(body, .relaxed).digest == Self.sha256(reference), "\(body.debugDescription)")
            #expect(Self.bodyHash(body, .simple).digest == Self.sha256(DKIMTestSigner.simpleBody(body)))
        }
    }

    @Test("header parsing: mbox line, obsolete WSP before the colon, bare LF, no body")
    func headerParsing() {
        let m = DKIMMessage(Array("From someone Mon\nSubject : hi\n there\nX:\n".utf8), limits: .default)
        #expect(m.fields.map(\.name) == ["subject", "x"])
        #expect(m.bodyStart == m.bytes.count)
        #expect(
            String(decoding: DKIMHeaderHash.canonicalizedField(m, at: 0, .relaxed), as: UTF8.self)
                == "subject:hi there\r\n")
        #expect(
            String(decoding: DKIMHeaderHash.canonicalizedField(m, at: 0, .simple), as: UTF8.self)
                == "Subject : hi\r\n there\r\n")
    }

    @Test(
        "tag lists (RFC 6376 §3.2)",
        arguments: [
            ("v=1; a=rsa-sha256", ["v": "1", "a": "rsa-sha256"]),
            (" v = 1 ;\r\n\ta=x y ;", ["v": "1", "a": "x y"]),
            ("v=1;;", ["v": "1"]),
            ("p=", ["p": ""]),
            ("A_1=b", ["A_1": "b"]),
        ])
    func tagLists(_ text: String, _ expected: [String: String]) throws {
        let tags = try DKIMTagList(parsing: text)
        #expect(Dictionary(uniqueKeysWithValues: tags.tags.map { ($0.name, $0.value) }) == expected)
    }

    @Test("invalid tag lists", arguments: ["v=1; v=1", "novalue", "1a=b", "=b", "a b=c", "_x=1"])
    func invalidTagLists(_ text: String) {
        #expect(throws: DKIMFailure.self) { try DKIMTagList(parsing: text) }
    }

    @Test(
        "base64 (RFC 6376 §2.4)",
        arguments: [
            ("TWFu", Array("Man".utf8)),
            ("TW Fu\r\n\tYQ==", Array("Mana".utf8)),
            ("TWFuYQ", Array("Mana".utf8)),
            ("TWFuYW4=", Array("Manan".utf8)),
            ("", []),
        ])
    func base64(_ text: String, _ bytes: [UInt8]) {
        #expect(DKIMBase64.decode(text) == bytes)
    }

    @Test("invalid base64", arguments: ["TWFuY", "TW=Fu", "TWFu===", "TWF!", "TQ=", "TWE=="])
    func invalidBase64(_ text: String) {
        #expect(DKIMBase64.decode(text) == nil)
    }

    @Test("RSA keys in SubjectPublicKeyInfo and PKCS#1 give the same modulus; truncated DER is refused")
    func rsaDER() throws {
        let key = DKIMTestKeys.rsa1024.publicKey
        let spki = try #require(DKIMRSAKeyDecoder.decode(Array(key.derRepresentation)))
        let pkcs1 = try #require(DKIMRSAKeyDecoder.decode(Array(key.pkcs1DERRepresentation)))
        #expect(spki.modulus == pkcs1.modulus)
        #expect(spki.exponent == [0x01, 0x00, 0x01])
        #expect(DKIMRSAKeyDecoder.bitCount(spki.modulus) == 1024)
        #expect(DKIMRSAKeyDecoder.decode(Array(key.derRepresentation.dropLast())) == nil)
        #expect(DKIMRSAKeyDecoder.decode(Array(key.derRepresentation) + [0]) == nil)
        #expect(DKIMRSAKeyDecoder.decode([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]) == nil)
    }

    @Test("domain names and selectors")
    func names() {
        #expect(DKIMDomainName.isValid("example.com"))
        #expect(DKIMDomainName.isValid("mail-1.EXAMPLE.co.uk"))
        #expect(!DKIMDomainName.isValid("com"))
        #expect(DKIMDomainName.isValid("sel", minimumLabels: 1))
        #expect(DKIMDomainName.isValid("2024_01.sel", minimumLabels: 1))
        for bad in [
            "", "example..com", ".example.com", "example.com.", "-a.com", "a-.com", "ex ample.com",
            "exa(mple.com", String(repeating: "a", count: 64) + ".com", "exämple.com",
        ] {
            #expect(!DKIMDomainName.isValid(bad), "\(bad)")
        }
        #expect(DKIMDomainName.isSameOrSubdomain("a.example.com", of: "example.com"))
        #expect(!DKIMDomainName.isSameOrSubdomain("badexample.com", of: "example.com"))
    }
}
