import Testing

@testable import SMTPCore

@Suite("SMTPReply")
struct SMTPReplyTests {
    @Test func singleLineWithEnhancedStatus() {
        #expect(SMTPReply(250, "2.0.0", "OK").encoded == bytes("250 2.0.0 OK\r\n"))
    }

    @Test func multiLineRepeatsEnhancedStatusOnEveryLine() {
        let reply = SMTPReply(code: 550, enhancedStatus: "5.1.1", lines: ["first", "second", "last"])
        #expect(reply.encoded == bytes("550-5.1.1 first\r\n550-5.1.1 second\r\n550 5.1.1 last\r\n"))
    }

    @Test func multiLineWithoutEnhancedStatus() {
        let reply = SMTPReply(code: 250, enhancedStatus: nil, lines: ["mx greets you", "SIZE 10", "HELP"])
        #expect(reply.encoded == bytes("250-mx greets you\r\n250-SIZE 10\r\n250 HELP\r\n"))
    }

    @Test func emptyTextHasNoTrailingSpace() {
        #expect(SMTPReply(354, nil, "").encoded == bytes("354\r\n"))
        #expect(SMTPReply(250, "2.0.0", "").encoded == bytes("250 2.0.0\r\n"))
        #expect(SMTPReply(code: 250, enhancedStatus: nil, lines: ["", ""]).encoded == bytes("250-\r\n250\r\n"))
    }

    @Test func emptyLinesArrayBecomesOneEmptyLine() {
        let reply = SMTPReply(code: 221, enhancedStatus: nil, lines: [])
        #expect(reply.lines == [""])
        #expect(reply.encoded == bytes("221\r\n"))
    }

    @Test func lineBreaksInsideTextCannotForgeExtraReplyLines() {
        let reply = SMTPReply(451, "4.3.0", "db down\r\n250 OK")
        #expect(reply.encoded == bytes("451 4.3.0 db down  250 OK\r\n"))
    }

    @Test func codesAreAlwaysThreeDigits() {
        #expect(SMTPReply(42, nil, "x").encoded == bytes("042 x\r\n"))
        #expect(SMTPReply(1234, nil, "x").encoded == bytes("999 x\r\n"))
    }

    @Test(arguments: [
        (211, true, false, false), (250, true, false, false), (354, true, false, false),
        (421, false, true, false), (452, false, true, false),
        (500, false, false, true), (554, false, false, true),
    ])
    func classification(code: Int, positive: Bool, transient: Bool, permanent: Bool) {
        let reply = SMTPReply(code, nil, "x")
        #expect(reply.isPositive == positive)
        #expect(reply.isTransient == transient)
        #expect(reply.isPermanent == permanent)
    }

    @Test func description() {
        #expect(SMTPReply(250, "2.0.0", "OK").description == "250 2.0.0 OK")
        #expect(SMTPReply(code: 250, enhancedStatus: nil, lines: ["a", "b"]).description == "250-a\n250 b")
    }

    @Test func canBeThrown() {
        func fail() throws(SMTPReply) { throw SMTPReply(451, "4.3.0", "try later") }
        #expect(throws: SMTPReply(451, "4.3.0", "try later")) { try fail() }
    }
}
