import MIME
import Testing

@Suite("Transfer encodings")
struct TransferEncodingTests {
    @Test(
        "Content-Transfer-Encoding values",
        arguments: [
            ("Base64", TransferEncoding.base64), (" quoted-printable (comment)", .quotedPrintable), ("7BIT", .sevenBit),
            ("8bit", .eightBit), ("binary", .binary), ("", .sevenBit), ("x-uuencode", .other("x-uuencode")),
        ])
    func values(header: String, expected: TransferEncoding) {
        #expect(TransferEncoding(headerValue: header) == expected)
    }

    @Test("base64: valid, line-broken, unpadded, concatenated")
    func base64() {
        #expect(Base64.decode("aGVsbG8gd29ybGQ=".bytes) == (Array("hello world".utf8), true))
        #expect(Base64.decode("aGVs\r\nbG8g\r\nd29y\r\nbGQ=\r\n".bytes) == (Array("hello world".utf8), true))
        #expect(Base64.decode("aGVsbG8gd29ybGQ".bytes) == (Array("hello world".utf8), true))
        #expect(Base64.decode("aGk=aGk=".bytes) == (Array("hihi".utf8), true))
        #expect(Base64.decode("".bytes) == ([], true))
    }

    @Test("base64: broken input decodes what it can and says so")
    func brokenBase64() {
        #expect(Base64.decode("aGVs*bG8=".bytes) == (Array("hello".utf8), false))
        #expect(Base64.decode("aGVsbG8gd29ybGQ=X".bytes).isValid == false)  // dangling character
        #expect(Base64.decode("!!!!".bytes) == ([], false))
        let binary = (0..<256).map { UInt8($0) }
        #expect(Base64.decode(binary).bytes.count <= 192)  // never more than 3/4 of the input
    }

    @Test("quoted-printable: escapes, soft breaks, trailing whitespace")
    func quotedPrintable() {
        #expect(QuotedPrintable.decode("caf=C3=A9 =e2=82=ac".bytes) == (Array("café €".utf8), true))
        #expect(QuotedPrintable.decode("long=\r\nline=  \r\nend\r\n".bytes) == (Array("longlineend\r\n".utf8), true))
        #expect(
            QuotedPrintable.decode("trailing   \r\nspace\t\r\n".bytes) == (Array("trailing\r\nspace\r\n".utf8), true))
        #expect(QuotedPrintable.decode("a=\nb".bytes) == (Array("ab".utf8), true))
    }

    @Test("quoted-printable: broken escapes are kept literally")
    func brokenQuotedPrintable() {
        #expect(QuotedPrintable.decode("100% = 1=ZZ".bytes) == (Array("100% = 1=ZZ".utf8), false))
        #expect(QuotedPrintable.decode("end=4".bytes) == (Array("end=4".utf8), false))
        #expect(QuotedPrintable.decode("end=".bytes) == (Array("end".utf8), true))
    }

    @Test("RFC 2047 Q: underscore is a space")
    func qEncoding() {
        #expect(QuotedPrintable.decode("a_b=5F".bytes, underscoreIsSpace: true).bytes == Array("a b_".utf8))
    }
}
