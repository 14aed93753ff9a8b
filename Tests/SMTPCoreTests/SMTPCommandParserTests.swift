import Testing

@testable import SMTPCore

@Suite("SMTPCommandParser: commands")
struct SMTPCommandParserTests {
    static let valid: [(String, SMTPCommand)] = [
        ("HELO client.example", .helo("client.example")),
        ("helo client.example", .helo("client.example")),
        ("EHLO client.example", .ehlo("client.example")),
        ("eHlO client.example", .ehlo("client.example")),
        ("EHLO [192.0.2.1]", .ehlo("[192.0.2.1]")),
        ("EHLO   spaced.example   ", .ehlo("spaced.example")),
        ("EHLO DESKTOP-AB_12", .ehlo("DESKTOP-AB_12")),
        ("  NOOP", .noop),
        ("NOOP", .noop),
        ("noop ignored argument", .noop),
        ("NOOP bär", .noop),
        ("DATA", .data),
        ("data", .data),
        ("DATA   ", .data),
        ("RSET", .rset),
        ("QUIT", .quit),
        ("quit", .quit),
        ("STARTTLS", .starttls),
        ("StartTLS", .starttls),
        ("VRFY postmaster", .vrfy("postmaster")),
        ("vrfy John Smith", .vrfy("John Smith")),
        ("VRFY jörg", .vrfy("jörg")),
        ("HELP", .help(nil)),
        ("help MAIL", .help("MAIL")),
        ("MAIL FROM:<a@b.example>", .mailFrom(reversePath: "a@b.example", parameters: [])),
        ("mail from:<a@b.example>", .mailFrom(reversePath: "a@b.example", parameters: [])),
        ("Mail From:<a@b.example>", .mailFrom(reversePath: "a@b.example", parameters: [])),
        ("MAIL FROM: <a@b.example>", .mailFrom(reversePath: "a@b.example", parameters: [])),
        ("MAIL  FROM:   <a@b.example>", .mailFrom(reversePath: "a@b.example", parameters: [])),
        ("MAIL FROM:<>", .mailFrom(reversePath: "", parameters: [])),
        ("MAIL FROM: <>", .mailFrom(reversePath: "", parameters: [])),
        ("RCPT TO:<r@b.example>", .rcptTo(forwardPath: "r@b.example", parameters: [])),
        ("rcpt to:<r@b.example>", .rcptTo(forwardPath: "r@b.example", parameters: [])),
        ("RCPT TO: <r@b.example>", .rcptTo(forwardPath: "r@b.example", parameters: [])),
        // Case is preserved; routing lower-cases later.
        ("RCPT TO:<Joe.User@Example.COM>", .rcptTo(forwardPath: "Joe.User@Example.COM", parameters: [])),
    ]

    @Test(arguments: valid)
    func parsesValidCommand(line: String, expected: SMTPCommand) throws {
        #expect(try SMTPCommandParser.parse(bytes(line)) == expected)
    }

    @Test func mailParameters() throws {
        let command = try SMTPCommandParser.parse(bytes("MAIL FROM:<a@b.example> SIZE=123 BODY=8BITMIME SMTPUTF8"))
        #expect(
            command
                == .mailFrom(
                    reversePath: "a@b.example",
                    parameters: [
                        SMTPParameter(keyword: "SIZE", value: "123"),
                        SMTPParameter(keyword: "BODY", value: "8BITMIME"),
                        SMTPParameter(keyword: "SMTPUTF8", value: nil),
                    ]))
    }

    @Test func parameterKeywordsAreUppercasedValuesKeptAsSent() throws {
        let command = try SMTPCommandParser.parse(bytes("MAIL FROM:<> size=7   body=8bitMime  smtputf8"))
        #expect(
            command
                == .mailFrom(
                    reversePath: "",
                    parameters: [
                        SMTPParameter(keyword: "SIZE", value: "7"),
                        SMTPParameter(keyword: "BODY", value: "8bitMime"),
                        SMTPParameter(keyword: "SMTPUTF8"),
                    ]))
    }

    @Test func rcptParametersAreParsedGenerically() throws {
        let command = try SMTPCommandParser.parse(
            bytes("RCPT TO:<r@x.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;r@x.example"))
        #expect(
            command
                == .rcptTo(
                    forwardPath: "r@x.example",
                    parameters: [
                        SMTPParameter(keyword: "NOTIFY", value: "SUCCESS,FAILURE"),
                        SMTPParameter(keyword: "ORCPT", value: "rfc822;r@x.example"),
                    ]))
    }

    @Test func parameterValuesMayBeUTF8() throws {
        let command = try SMTPCommandParser.parse(bytes("MAIL FROM:<a@b.example> X-TAG=bär"))
        #expect(
            command
                == .mailFrom(reversePath: "a@b.example", parameters: [SMTPParameter(keyword: "X-TAG", value: "bär")]))
    }

    static let failures: [(String, Int, String)] = [
        // Not a valid line: 500 5.5.2
        ("", 500, "5.5.2"),
        ("    ", 500, "5.5.2"),
        ("NO\u{0}OP", 500, "5.5.2"),
        ("NOOP\tx", 500, "5.5.2"),
        ("NOOP \u{7F}", 500, "5.5.2"),
        ("NOOP\rQUIT", 500, "5.5.2"),
        ("DÄTA", 500, "5.5.2"),
        ("HELO exämple.example", 500, "5.5.2"),
        ("DATA ü", 500, "5.5.2"),
        // Unknown: 500 5.5.1
        ("FOO", 500, "5.5.1"),
        ("GET / HTTP/1.1", 500, "5.5.1"),
        ("MAILFROM:<a@b.example>", 500, "5.5.1"),
        ("MAIL1 FROM:<a@b.example>", 500, "5.5.1"),
        // Known but not implemented: 502 5.5.1
        ("EXPN staff", 502, "5.5.1"),
        ("TURN", 502, "5.5.1"),
        ("ETRN example.org", 502, "5.5.1"),
        ("BDAT 100 LAST", 502, "5.5.1"),
        ("AUTH PLAIN AGZvbwBiYXI=", 502, "5.5.1"),
        // Missing or unexpected arguments: 501 5.5.4
        ("HELO", 501, "5.5.4"),
        ("EHLO", 501, "5.5.4"),
        ("EHLO    ", 501, "5.5.4"),
        ("VRFY", 501, "5.5.4"),
        ("DATA now", 501, "5.5.4"),
        ("RSET all", 501, "5.5.4"),
        ("QUIT now", 501, "5.5.4"),
        ("STARTTLS please", 501, "5.5.4"),
        ("MAIL", 501, "5.5.4"),
        ("MAIL FROM", 501, "5.5.4"),
        ("MAIL FROM:", 501, "5.5.4"),
        ("MAIL FROM:   ", 501, "5.5.4"),
        ("MAIL FROM <a@b.example>", 501, "5.5.4"),
        ("MAIL TO:<a@b.example>", 501, "5.5.4"),
        ("RCPT", 501, "5.5.4"),
        ("RCPT TO:", 501, "5.5.4"),
        ("RCPT FROM:<a@b.example>", 501, "5.5.4"),
        // Malformed parameters: 501 5.5.4
        ("MAIL FROM:<a@b.example> SIZE=", 501, "5.5.4"),
        ("MAIL FROM:<a@b.example> =12", 501, "5.5.4"),
        ("MAIL FROM:<a@b.example> -X", 501, "5.5.4"),
        ("MAIL FROM:<a@b.example> SIZE=1=2", 501, "5.5.4"),
        ("MAIL FROM:<a@b.example> KEY_WORD", 501, "5.5.4"),
        ("RCPT TO:<r@b.example> NOTIFY=", 501, "5.5.4"),
        // Bad sender address: 501 5.1.7
        ("MAIL FROM:a@b.example", 501, "5.1.7"),
        ("MAIL FROM:<a@b.example", 501, "5.1.7"),
        ("MAIL FROM:<a@b.example>junk", 501, "5.1.7"),
        ("MAIL FROM:<>junk", 501, "5.1.7"),
        ("MAIL FROM:<postmaster>", 501, "5.1.7"),
        // Bad recipient address: 501 5.1.3
        ("RCPT TO:<>", 501, "5.1.3"),
        ("RCPT TO:r@b.example", 501, "5.1.3"),
        ("RCPT TO:<r@b.example", 501, "5.1.3"),
        ("RCPT TO:<postmaster", 501, "5.1.3"),
        ("RCPT TO:<postmasterx>", 501, "5.1.3"),
        ("RCPT TO:<r@b.example>;", 501, "5.1.3"),
    ]

    @Test(arguments: failures)
    func rejectsWithExactReply(line: String, code: Int, enhancedStatus: String) {
        let reply = parseFailure(bytes(line))
        #expect(reply?.code == code)
        #expect(reply?.enhancedStatus == enhancedStatus)
    }

    @Test func invalidUTF8IsRejected() {
        let reply = parseFailure(bytes("RCPT TO:<a") + [0xC3, 0x28] + bytes("@b.example>"))
        #expect(reply?.code == 500)
        #expect(reply?.enhancedStatus == "5.5.2")
        let truncated = parseFailure(bytes("VRFY ") + [0xE2, 0x82])
        #expect(truncated?.code == 500)
    }

    @Test func unknownCommandReplyText() {
        #expect(parseFailure(bytes("XYZZY"))?.encoded == bytes("500 5.5.1 Command unrecognized\r\n"))
    }
}
