import Testing

@testable import SMTPCore

@Suite("SMTPSessionStateMachine: commands and sequences")
struct SMTPSessionStateMachineTests {
    // MARK: Every command in every state

    /// The states a command can arrive in, each reached by a prefix of inputs.
    static let states: [(name: String, prefix: [Input])] = [
        ("greeted", []),
        ("afterHELO", [.line("HELO c.example")]),
        ("afterEHLO", [.line("EHLO c.example")]),
        ("inMail", [.line("EHLO c.example"), .line("MAIL FROM:<s@x.example>")]),
        (
            "withRecipient",
            [
                .line("EHLO c.example"), .line("MAIL FROM:<s@x.example>"),
                .line("RCPT TO:<r@y.example>"), .checked(.accepted),
            ]
        ),
    ]

    struct Row: Sendable, CustomTestStringConvertible {
        var state: String
        var prefix: [Input]
        var command: String
        var expected: Outcome
        var inTransactionAfter: Bool
        var testDescription: String { "\(command) in \(state)" }
    }

    /// command, then per state (greeted, afterHELO, afterEHLO, inMail, withRecipient):
    /// the expected outcome and whether a transaction is open afterwards.
    static let table: [(String, [(Outcome, Bool)])] = {
        let ok = Outcome.reply(250, "2.0.0")
        let sequence = Outcome.reply(503, "5.5.1")
        let hello = Outcome.reply(250, nil)
        return [
            ("EHLO c2.example", [(hello, false), (hello, false), (hello, false), (hello, false), (hello, false)]),
            ("HELO c2.example", [(hello, false), (hello, false), (hello, false), (hello, false), (hello, false)]),
            (
                "MAIL FROM:<t@x.example>",
                [
                    (sequence, false), (.reply(250, "2.1.0"), true), (.reply(250, "2.1.0"), true),
                    (sequence, true), (sequence, true),
                ]
            ),
            (
                "RCPT TO:<u@y.example>",
                [
                    (sequence, false), (sequence, false), (sequence, false),
                    (.check("u@y.example"), true), (.check("u@y.example"), true),
                ]
            ),
            ("DATA", [(sequence, false), (sequence, false), (sequence, false), (sequence, true), (.startData, true)]),
            ("RSET", [(ok, false), (ok, false), (ok, false), (ok, false), (ok, false)]),
            ("NOOP", [(ok, false), (ok, false), (ok, false), (ok, true), (ok, true)]),
            ("QUIT", Array(repeating: (.close(221, "2.0.0"), false), count: 5)),
            (
                "STARTTLS",
                [
                    (.reply(502, "5.5.1"), false), (.reply(502, "5.5.1"), false), (.reply(502, "5.5.1"), false),
                    (.reply(502, "5.5.1"), true), (.reply(502, "5.5.1"), true),
                ]
            ),
            (
                "VRFY someone",
                [
                    (.reply(252, "2.5.0"), false), (.reply(252, "2.5.0"), false), (.reply(252, "2.5.0"), false),
                    (.reply(252, "2.5.0"), true), (.reply(252, "2.5.0"), true),
                ]
            ),
            (
                "HELP",
                [
                    (.reply(214, "2.0.0"), false), (.reply(214, "2.0.0"), false), (.reply(214, "2.0.0"), false),
                    (.reply(214, "2.0.0"), true), (.reply(214, "2.0.0"), true),
                ]
            ),
            (
                "EXPN staff",
                [
                    (.reply(502, "5.5.1"), false), (.reply(502, "5.5.1"), false), (.reply(502, "5.5.1"), false),
                    (.reply(502, "5.5.1"), true), (.reply(502, "5.5.1"), true),
                ]
            ),
            (
                "BOGUS",
                [
                    (.reply(500, "5.5.1"), false), (.reply(500, "5.5.1"), false), (.reply(500, "5.5.1"), false),
                    (.reply(500, "5.5.1"), true), (.reply(500, "5.5.1"), true),
                ]
            ),
        ]
    }()

    static let rows: [Row] = table.flatMap { command, expectations in
        zip(states, expectations).map { state, expectation in
            Row(
                state: state.name, prefix: state.prefix, command: command,
                expected: expectation.0, inTransactionAfter: expectation.1)
        }
    }

    @Test(arguments: rows)
    func commandInState(_ row: Row) {
        var machine = SMTPSessionStateMachine.connected()
        let prefixOutcomes = machine.run(row.prefix)
        #expect(!prefixOutcomes.contains { if case .close = $0 { true } else { false } })
        #expect(Outcome(machine.feed(.line(row.command))) == row.expected)
        #expect(machine.isInTransaction == row.inTransactionAfter)
    }

    @Test func tableCoversEveryCommandInEveryState() {
        #expect(Self.rows.count == Self.table.count * Self.states.count)
        #expect(Self.table.allSatisfy { $0.1.count == Self.states.count })
    }

    // MARK: Complete transactions

    @Test func happyPathWithExactWireReplies() {
        var machine = SMTPSessionStateMachine(configuration: SMTPSessionConfiguration(hostname: "mx.test"))
        #expect(machine.connected() == .reply(SMTPReply(220, nil, "mx.test ESMTP FastSMTP")))
        #expect(SMTPReply(220, nil, "mx.test ESMTP FastSMTP").encoded == bytes("220 mx.test ESMTP FastSMTP\r\n"))

        guard case .reply(let ehlo) = machine.feed(.line("EHLO client.example")) else {
            Issue.record("EHLO must be answered with a reply")
            return
        }
        #expect(ehlo.code == 250)
        #expect(ehlo.enhancedStatus == nil)
        #expect(
            ehlo.lines == [
                "mx.test greets client.example", "SIZE 26214400", "8BITMIME", "SMTPUTF8",
                "PIPELINING", "ENHANCEDSTATUSCODES", "HELP",
            ])
        #expect(ehlo.encoded.starts(with: bytes("250-mx.test greets client.example\r\n250-SIZE 26214400\r\n")))

        #expect(
            Outcome(machine.feed(.line("MAIL FROM:<Sender@X.example> SIZE=42 BODY=8BITMIME"))) == .reply(250, "2.1.0"))
        let expectedEnvelope = SMTPEnvelope(
            helo: "client.example", usedEHLO: true, mailFrom: "Sender@X.example",
            recipients: [], declaredSize: 42, body8BitMIME: true, smtpUTF8: false)
        #expect(machine.feed(.line("RCPT TO:<Rcpt@Y.example>")) == .checkRecipient("Rcpt@Y.example", expectedEnvelope))
        #expect(machine.recipientChecked(.accepted) == .reply(SMTPReply(250, "2.1.5", "Recipient OK")))
        #expect(machine.feed(.line("DATA")) == .startData(SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>")))
        #expect(machine.isReceivingData)

        var delivered = expectedEnvelope
        delivered.recipients = ["Rcpt@Y.example"]
        #expect(
            machine.dataReceived(bytes("Subject: hi\r\n\r\nbody\r\n"))
                == .deliver(delivered, message: bytes("Subject: hi\r\n\r\nbody\r\n")))
        #expect(!machine.isReceivingData)
        #expect(machine.isInTransaction)

        guard case .reply(let queued) = machine.deliveryFinished(.success("Q123")) else {
            Issue.record("delivery success must be answered with a reply")
            return
        }
        #expect(queued.encoded == bytes("250 2.0.0 queued as Q123\r\n"))
        #expect(!machine.isInTransaction)
        #expect(Outcome(machine.feed(.line("QUIT"))) == .close(221, "2.0.0"))
        #expect(machine.isClosed)
    }

    @Test func heloReplyIsSingleLineWithoutEnhancedCode() {
        var machine = SMTPSessionStateMachine.connected()
        guard case .reply(let reply) = machine.feed(.line("HELO c.example")) else {
            Issue.record("HELO must be answered with a reply")
            return
        }
        #expect(reply.encoded == bytes("250 mx.test greets c.example\r\n"))
    }

    @Test func heloSessionEnvelopeRecordsHELO() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([.line("HELO old.example"), .line("MAIL FROM:<>")])
        #expect(
            machine.feed(.line("RCPT TO:<r@y.example>"))
                == .checkRecipient("r@y.example", SMTPEnvelope(helo: "old.example", usedEHLO: false, mailFrom: "")))
    }

    @Test func deliveryFailureIsPassedThroughAndTransactionReset() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted),
            .line("DATA"), .data("x\r\n"),
        ])
        let failure = SMTPReply(451, "4.3.0", "Temporary storage failure")
        #expect(machine.deliveryFinished(.failure(failure)) == .reply(failure))
        #expect(!machine.isInTransaction)
        #expect(machine.errorCount == 0)
        #expect(Outcome(machine.feed(.line("RCPT TO:<r@y>"))) == .reply(503, "5.5.1"))
        #expect(Outcome(machine.feed(.line("MAIL FROM:<s@x>"))) == .reply(250, "2.1.0"))
    }

    @Test func secondTransactionStartsWithAFreshEnvelope() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x> SMTPUTF8"), .line("RCPT TO:<r1@y>"), .checked(.accepted),
            .line("DATA"), .data("one\r\n"), .delivered(.success("A")),
            .line("MAIL FROM:<t@x>"),
        ])
        #expect(
            machine.feed(.line("RCPT TO:<r2@y>"))
                == .checkRecipient("r2@y", SMTPEnvelope(helo: "c", usedEHLO: true, mailFrom: "t@x")))
    }

    @Test func recipientsAreKeptInOrderAndPassedToEachCheck() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([.line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r1@y>"), .checked(.accepted)])
        guard case .checkRecipient(let address, let envelope) = machine.feed(.line("RCPT TO:<r2@y>")) else {
            Issue.record("expected a recipient check")
            return
        }
        #expect(address == "r2@y")
        #expect(envelope.recipients == ["r1@y"])
        _ = machine.run([.checked(.accepted), .line("RCPT TO:<r3@y>"), .checked(.accepted), .line("DATA")])
        guard case .deliver(let final, _) = machine.feed(.data("m\r\n")) else {
            Issue.record("expected delivery")
            return
        }
        #expect(final.recipients == ["r1@y", "r2@y", "r3@y"])
    }

    @Test func duplicateRecipientIsAcknowledgedWithoutANewCheck() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y.example>"), .checked(.accepted),
        ])
        #expect(Outcome(machine.feed(.line("RCPT TO:<r@y.example>"))) == .reply(250, "2.1.5"))
        #expect(Outcome(machine.feed(.line("RCPT TO:<R@Y.EXAMPLE>"))) == .reply(250, "2.1.5"))
        _ = machine.feed(.line("DATA"))
        guard case .deliver(let envelope, _) = machine.feed(.data("m\r\n")) else {
            Issue.record("expected delivery")
            return
        }
        #expect(envelope.recipients == ["r@y.example"])
    }

    @Test func rejectedRecipientReplyIsPassedThrough() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([.line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<nobody@y>")])
        let unknown = SMTPReply(550, "5.1.1", "No such user")
        #expect(machine.recipientChecked(.rejected(unknown)) == .reply(unknown))
        #expect(machine.isInTransaction)
    }

    @Test func dataAfterOnlyRefusedRecipientsIs554() {
        var machine = SMTPSessionStateMachine.connected()
        let outcomes = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"),
            .line("RCPT TO:<a@y>"), .checked(.rejected(SMTPReply(550, "5.1.1", "unknown"))),
            .line("RCPT TO:<b@y>"), .checked(.rejected(SMTPReply(451, "4.3.0", "lookup failed"))),
            .line("DATA"),
            // The transaction is kept: a later accepted recipient makes DATA possible.
            .line("RCPT TO:<c@y>"), .checked(.accepted), .line("DATA"),
        ])
        #expect(outcomes[6] == .reply(554, "5.5.1"))
        #expect(outcomes[9] == .startData)
    }

    @Test func dataWithoutAnyRcptIs503() {
        var machine = SMTPSessionStateMachine.connected()
        // A RCPT that fails to parse never reaches the transaction.
        let outcomes = machine.run([.line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:bad"), .line("DATA")])
        #expect(outcomes[2] == .reply(501, "5.1.3"))
        #expect(outcomes[3] == .reply(503, "5.5.1"))
    }

    @Test(arguments: ["RSET", "EHLO again", "HELO again"])
    func resetCommandsAbortTheTransactionButKeepTheSession(command: String) {
        var machine = SMTPSessionStateMachine.connected()
        let outcomes = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted),
            .line(command), .line("DATA"), .line("RCPT TO:<r@y>"), .line("MAIL FROM:<s@x>"),
        ])
        #expect(outcomes[5] == .reply(503, "5.5.1"))
        #expect(outcomes[6] == .reply(503, "5.5.1"))
        #expect(outcomes[7] == .reply(250, "2.1.0"))
    }

    @Test func rsetBeforeHelloKeepsRequiringHello() {
        var machine = SMTPSessionStateMachine.connected()
        #expect(
            machine.run([.line("RSET"), .line("MAIL FROM:<s@x>")]) == [.reply(250, "2.0.0"), .reply(503, "5.5.1")])
    }

    @Test func invalidLineThroughTheMachine() {
        var machine = SMTPSessionStateMachine.connected()
        #expect(Outcome(machine.feed(.rawLine([0x4E, 0x00, 0x4F]))) == .reply(500, "5.5.2"))
        #expect(Outcome(machine.feed(.line(""))) == .reply(500, "5.5.2"))
        #expect(machine.errorCount == 2)
    }
}
