import Testing

@testable import MIME

@Suite("Header section")
struct HeaderFieldTests {
    func parse(_ text: String) -> [HeaderField] {
        HeaderField.parseSection(Array(text.utf8)[...])
    }

    @Test("fields are split at the colon and folded lines are unfolded (RFC 5322 §2.2.3)")
    func unfolds() {
        let fields = parse("Subject: Hello\r\n  world\r\nFrom: a@b.c\r\nX-Empty:\r\n\r\nBody: not a header\r\n")
        #expect(
            fields == [
                HeaderField(name: "Subject", value: "Hello  world"),
                HeaderField(name: "From", value: "a@b.c"),
                HeaderField(name: "X-Empty", value: ""),
            ])
    }

    @Test("bare LF line endings, repeated fields and case-insensitive lookup")
    func lenient() {
        let fields = parse("Received: one\nreceived: two\nSUBJECT: Hi\n\n")
        #expect(fields.count == 3)
        #expect(fields.first(named: "subject") == "Hi")
        #expect(fields.first(named: "Received") == "one")
        #expect(fields.first(named: "Missing") == nil)
    }

    @Test("lines that are not fields are skipped; invalid UTF-8 is repaired; the limit holds")
    func malformed() {
        let bytes: [UInt8] = Array("No colon here\r\n: no name\r\nX: ".utf8) + [0xFF, 0x41] + Array("\r\n\r\n".utf8)
        let fields = HeaderField.parseSection(bytes[...])
        #expect(fields == [HeaderField(name: "X", value: "\u{FFFD}A")])
        let many = String(repeating: "X-A: 1\r\n", count: 50) + "\r\n"
        #expect(HeaderField.parseSection(Array(many.utf8)[...], limit: 10).count == 10)
    }

    @Test("a message without a body separator is all headers")
    func noBody() {
        #expect(parse("A: 1\r\nB: 2").map(\.name) == ["A", "B"])
    }
}
