import Testing

@testable import SMTPCore

@Suite("SMTPSessionStateMachine: parameters, limits and error accounting")
struct SMTPSessionLimitsTests {
    /// MAIL with the given parameters after EHLO, with a 1000-octet limit.
    func mail(_ parameters: String) -> (Outcome, SMTPSessionStateMachine) {
        var machine = SMTPSessionStateMachine.connected(maxMessageSize: 1000)
        _ = machine.feed(.line("EHLO c"))
        let outcome = Outcome(machine.feed(.line("MAIL FROM:<s@x.example> \(parameters)")))
        return (outcome, machine)
    }

    /// The envelope the machine holds, read through a recipient check.
    func envelope(of machine: SMTPSessionStateMachine) -> SMTPEnvelope? {
        var copy = machine
        guard case .checkRecipient(_, let envelope) = copy.feed(.line("RCPT TO:<r@y>")) else { return nil }
        return envelope
    }

    static let mailParameterCases: [(String, Outcome)] = [
        ("SIZE=1000", .reply(250, "2.1.0")),
        ("SIZE=0", .reply(250, "2.1.0")),
        ("size=999", .reply(250, "2.1.0")),
        ("SIZE=1001", .reply(552, "5.3.4")),
        ("SIZE=99999999999999999999", .reply(552, "5.3.4")),  // 20 digits, overflows Int
        ("SIZE=123456789012345678901", .reply(501, "5.5.4")),  // 21 digits
        ("SIZE=abc", .reply(501, "5.5.4")),
        ("SIZE=-1", .reply(501, "5.5.4")),
        ("SIZE", .reply(501, "5.5.4")),
        ("BODY=7BIT", .reply(250, "2.1.0")),
        ("BODY=8BITMIME", .reply(250, "2.1.0")),
        ("body=8bitmime", .reply(250, "2.1.0")),
        ("BODY=BINARYMIME", .reply(501, "5.5.4")),
        ("BODY", .reply(501, "5.5.4")),
        ("SMTPUTF8", .reply(250, "2.1.0")),
        ("SMTPUTF8=yes", .reply(501, "5.5.4")),
        ("RET=FULL", .reply(555, "5.5.4")),
        ("AUTH=<>", .reply(555, "5.5.4")),
        ("SIZE=10 SIZE=20", .reply(501, "5.5.4")),
        ("SIZE=10 BODY=8BITMIME SMTPUTF8", .reply(250, "2.1.0")),
    ]

    @Test(arguments: mailParameterCases)
    func mailParameter(parameters: String, expected: Outcome) {
        #expect(mail(parameters).0 == expected)
    }

    @Test func mailParametersAreRecordedInTheEnvelope() {
        let (_, machine) = mail("SIZE=10 BODY=8BITMIME SMTPUTF8")
        #expect(
            envelope(of: machine)
                == SMTPEnvelope(
                    helo: "c", usedEHLO: true, mailFrom: "s@x.example", declaredSize: 10, body8BitMIME: true,
                    smtpUTF8: true))
        let (_, plain) = mail("BODY=7bit")
        #expect(envelope(of: plain) == SMTPEnvelope(helo: "c", usedEHLO: true, mailFrom: "s@x.example"))
    }

    @Test(arguments: ["SIZE=10", "BODY=8BITMIME", "SMTPUTF8", "X=1"])
    func parametersAfterHELOAre555(parameter: String) {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.feed(.line("HELO c"))
        #expect(Outcome(machine.feed(.line("MAIL FROM:<s@x> \(parameter)"))) == .reply(555, "5.5.4"))
        #expect(!machine.isInTransaction)
    }

    @Test(arguments: ["EHLO c", "HELO c"])
    func rcptParametersAre555(hello: String) {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([.line(hello), .line("MAIL FROM:<s@x>")])
        #expect(Outcome(machine.feed(.line("RCPT TO:<r@y> NOTIFY=NEVER"))) == .reply(555, "5.5.4"))
    }

    @Test func nonASCIIAddressesRequireSMTPUTF8() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.feed(.line("EHLO c"))
        #expect(Outcome(machine.feed(.line("MAIL FROM:<jörg@x.example>"))) == .reply(553, "5.6.7"))
        #expect(Outcome(machine.feed(.line("MAIL FROM:<s@x.example>"))) == .reply(250, "2.1.0"))
        #expect(Outcome(machine.feed(.line("RCPT TO:<用户@例子.广告>"))) == .reply(553, "5.6.7"))
        _ = machine.feed(.line("RSET"))
        #expect(Outcome(machine.feed(.line("MAIL FROM:<jörg@x.example> SMTPUTF8"))) == .reply(250, "2.1.0"))
        #expect(Outcome(machine.feed(.line("RCPT TO:<用户@例子.广告>"))) == .check("用户@例子.广告"))
    }

    @Test func ehloAdvertisesTheConfiguredSize() {
        var machine = SMTPSessionStateMachine.connected(maxMessageSize: 12345)
        guard case .reply(let reply) = machine.feed(.line("EHLO c")) else {
            Issue.record("expected a reply")
            return
        }
        #expect(reply.lines.contains("SIZE 12345"))
    }

    // MARK: Recipients

    @Test func recipientLimitGives452WithoutACheckAndWithoutCountingAnError() {
        var machine = SMTPSessionStateMachine.connected(maxRecipients: 2)
        let outcomes = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"),
            .line("RCPT TO:<r1@y>"), .checked(.accepted),
            .line("RCPT TO:<r2@y>"), .checked(.accepted),
            .line("RCPT TO:<r3@y>"),
            .line("RCPT TO:<r1@y>"),  // already accepted: still fine at the limit
            .line("DATA"),
        ])
        #expect(outcomes[6] == .reply(452, "4.5.3"))
        #expect(outcomes[7] == .reply(250, "2.1.5"))
        #expect(outcomes[8] == .startData)
        #expect(machine.errorCount == 0)
    }

    @Test func refusedRecipientsDoNotUseUpTheLimit() {
        var machine = SMTPSessionStateMachine.connected(maxRecipients: 1)
        let outcomes = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"),
            .line("RCPT TO:<r1@y>"), .checked(.rejected(SMTPReply(550, "5.1.1", "unknown"))),
            .line("RCPT TO:<r2@y>"),
        ])
        #expect(outcomes[4] == .check("r2@y"))
    }

    // MARK: Message size and line length

    @Test func dataLargerThanTheLimitIs552() {
        var machine = SMTPSessionStateMachine.connected(maxMessageSize: 10)
        _ = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted), .line("DATA"),
        ])
        #expect(Outcome(machine.feed(.data("0123456789\r\n"))) == .reply(552, "5.3.4"))
        #expect(!machine.isInTransaction)
    }

    @Test(arguments: [(SMTPDataError.tooLarge, Outcome.reply(552, "5.3.4")), (.lineTooLong, .reply(500, "5.6.0"))])
    func dataRejectedResetsTheTransaction(reason: SMTPDataError, expected: Outcome) {
        var machine = SMTPSessionStateMachine.connected()
        let outcomes = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted), .line("DATA"),
            .dataRejected(reason), .line("RCPT TO:<r@y>"), .line("MAIL FROM:<s@x>"),
        ])
        #expect(outcomes[5] == expected)
        #expect(outcomes[6] == .reply(503, "5.5.1"))
        #expect(outcomes[7] == .reply(250, "2.1.0"))
        #expect(machine.errorCount == 2)  // the rejection and the RCPT out of sequence
    }

    @Test func commandLineTooLongIs500AndCounts() {
        var machine = SMTPSessionStateMachine.connected()
        #expect(Outcome(machine.commandLineTooLong()) == .reply(500, "5.5.2"))
        #expect(machine.errorCount == 1)
    }

    // MARK: Error limit

    @Test func tenthErrorIsReplacedBy421AndCloses() {
        var machine = SMTPSessionStateMachine.connected()
        let outcomes = machine.run(Array(repeating: .line("BOGUS"), count: 10))
        #expect(outcomes.prefix(9).allSatisfy { $0 == .reply(500, "5.5.1") })
        #expect(outcomes[9] == .close(421, "4.7.0"))
        #expect(machine.isClosed)
        #expect(
            machine.feed(.line("NOOP"))
                == .replyAndClose(SMTPReply(421, "4.7.0", "mx.test Too many errors, closing connection")))
    }

    @Test func everyKindOfClientErrorCounts() {
        var machine = SMTPSessionStateMachine.connected(maxErrors: 8)
        let outcomes = machine.run([
            .line("DATA"),  // 503 before HELO
            .line("EHLO"),  // 501 syntax
            .tooLong,  // 500 too long
            .line("EHLO c"),
            .line("MAIL FROM:<s@x> FOO"),  // 555
            .line("MAIL FROM:<s@x> SIZE=999999999"),  // 552
            .line("MAIL FROM:<s@x>"),
            .line("RCPT TO:<r@y>"), .checked(.rejected(SMTPReply(550, "5.1.1", "unknown"))),  // 550
            .line("STARTTLS"),  // 502
            .line("XYZZY"),  // 500: the 8th error
        ])
        #expect(outcomes.dropLast().allSatisfy { if case .close = $0 { false } else { true } })
        #expect(outcomes.last == .close(421, "4.7.0"))
        #expect(machine.errorCount == 8)
    }

    @Test func transientRepliesAndDeliveryFailuresDoNotCount() {
        var machine = SMTPSessionStateMachine.connected(maxRecipients: 1, maxErrors: 2)
        var inputs: [Input] = [.line("BOGUS"), .line("EHLO c")]
        for _ in 0..<5 {
            inputs += [
                .line("MAIL FROM:<s@x>"),
                .line("RCPT TO:<busy@y>"), .checked(.rejected(SMTPReply(451, "4.3.0", "try later"))),
                .line("RCPT TO:<r@y>"), .checked(.accepted),
                .line("RCPT TO:<r2@y>"),  // 452
                .line("DATA"), .data("m\r\n"), .delivered(.failure(SMTPReply(451, "4.3.0", "store down"))),
            ]
        }
        let outcomes = machine.run(inputs)
        #expect(outcomes.allSatisfy { if case .close = $0 { false } else { true } })
        #expect(machine.errorCount == 1)
        #expect(Outcome(machine.feed(.line("BOGUS"))) == .close(421, "4.7.0"))
    }

    @Test func maxErrorsOfOneClosesOnTheFirstError() {
        var machine = SMTPSessionStateMachine.connected(maxErrors: 1)
        #expect(Outcome(machine.feed(.line("BOGUS"))) == .close(421, "4.7.0"))
    }
}
