import Testing

@testable import SMTPCore

@Suite("SMTPSessionStateMachine: timeouts, shutdown, STARTTLS")
struct SMTPSessionLifecycleTests {
    /// Prefixes that leave the machine in each state where a timer can fire.
    static let statePrefixes: [(String, [Input])] = [
        ("greeted", []),
        ("ready", [.line("EHLO c")]),
        ("inMail", [.line("EHLO c"), .line("MAIL FROM:<s@x>")]),
        ("checkingRecipient", [.line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>")]),
        (
            "receivingData",
            [.line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted), .line("DATA")]
        ),
        (
            "delivering",
            [
                .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted),
                .line("DATA"), .data("m\r\n"),
            ]
        ),
    ]

    // MARK: Idle timeout

    @Test(arguments: statePrefixes)
    func idleTimeoutCloses(state: String, prefix: [Input]) {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run(prefix)
        let timeout = SMTPReply(421, "4.4.2", "mx.test Timeout exceeded, closing connection")
        #expect(machine.idleTimeout() == .replyAndClose(timeout))
        #expect(machine.isClosed)
        #expect(!machine.isInTransaction)
        #expect(machine.shutdownRequested() == nil)
    }

    @Test func lateCallbacksAfterCloseDoNotTrap() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([.line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>")])
        let closing = machine.idleTimeout()
        #expect(machine.recipientChecked(.accepted) == closing)
        #expect(machine.deliveryFinished(.success("late")) == closing)
        #expect(machine.dataReceived([]) == closing)
        #expect(machine.dataRejected(.tooLarge) == closing)
        #expect(machine.commandLineReceived(bytes("NOOP")) == closing)
        #expect(machine.commandLineTooLong() == closing)
        #expect(machine.idleTimeout() == closing)
    }

    // MARK: Shutdown

    @Test(arguments: statePrefixes.prefix(2))
    func shutdownOutsideATransactionClosesAtOnce(state: String, prefix: [Input]) {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run(prefix)
        let action = machine.shutdownRequested()
        #expect(action == .replyAndClose(SMTPReply(421, "4.3.2", "mx.test Service shutting down, closing connection")))
        #expect(machine.isClosed)
        #expect(machine.shutdownRequested() == nil)
    }

    @Test func shutdownBeforeTheGreetingCloses() {
        var machine = SMTPSessionStateMachine(configuration: SMTPSessionConfiguration(hostname: "mx.test"))
        #expect(machine.shutdownRequested().map(Outcome.init) == .close(421, "4.3.2"))
        #expect(Outcome(machine.connected()) == .close(421, "4.3.2"))
    }

    @Test(arguments: statePrefixes.dropFirst(2))
    func shutdownInsideATransactionWaits(state: String, prefix: [Input]) {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run(prefix)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.isShutdownPending)
        #expect(!machine.isClosed)
    }

    @Test func pendingShutdownLetsTheTransactionFinishThenCloses() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([.line("EHLO c"), .line("MAIL FROM:<s@x>")])
        #expect(machine.shutdownRequested() == nil)
        let outcomes = machine.run([
            .line("RCPT TO:<r@y>"), .checked(.accepted), .line("NOOP"), .line("DATA"), .data("m\r\n"),
            .delivered(.success("Q9")),
            .line("MAIL FROM:<s@x>"),
        ])
        #expect(
            outcomes == [
                .check("r@y"), .reply(250, "2.1.5"), .reply(250, "2.0.0"), .startData, .deliver("m\r\n"),
                .reply(250, "2.0.0"),  // the client must still learn its message was queued
                .close(421, "4.3.2"),
            ])
    }

    @Test func askingAgainAfterTheTransactionClosesAtOnce() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted), .line("DATA"),
        ])
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.run([.data("m\r\n")]) == [.deliver("m\r\n")])
        #expect(machine.shutdownRequested() == nil)
        #expect(Outcome(machine.deliveryFinished(.success("Q"))) == .reply(250, "2.0.0"))
        #expect(machine.shutdownRequested().map(Outcome.init) == .close(421, "4.3.2"))
        #expect(machine.isClosed)
    }

    @Test func pendingShutdownAnswersQuitWith221() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted), .line("DATA"),
        ])
        #expect(machine.shutdownRequested() == nil)
        #expect(
            machine.run([.data("m\r\n"), .delivered(.success("Q")), .line("QUIT")])
                == [.deliver("m\r\n"), .reply(250, "2.0.0"), .close(221, "2.0.0")])
    }

    @Test(arguments: ["RSET", "EHLO c", "HELO c"])
    func pendingShutdownClosesOnCommandsThatEndTheTransaction(command: String) {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([.line("EHLO c"), .line("MAIL FROM:<s@x>")])
        #expect(machine.shutdownRequested() == nil)
        #expect(Outcome(machine.feed(.line(command))) == .close(421, "4.3.2"))
    }

    @Test func pendingShutdownAfterRejectedData() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted), .line("DATA"),
        ])
        #expect(machine.shutdownRequested() == nil)
        #expect(machine.run([.dataRejected(.tooLarge), .tooLong]) == [.reply(552, "5.3.4"), .close(421, "4.3.2")])
    }

    @Test func pendingShutdownAfterFailedDelivery() {
        var machine = SMTPSessionStateMachine.connected()
        _ = machine.run([
            .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted),
            .line("DATA"), .data("m\r\n"),
        ])
        #expect(machine.shutdownRequested() == nil)
        #expect(
            machine.run([.delivered(.failure(SMTPReply(451, "4.3.0", "x"))), .line("BOGUS")])
                == [.reply(451, "4.3.0"), .close(421, "4.3.2")])
    }

    // MARK: STARTTLS

    @Test func startTLSWhenAvailable() {
        var machine = SMTPSessionStateMachine.connected(startTLSAvailable: true)
        guard case .reply(let ehlo) = machine.feed(.line("EHLO c")) else {
            Issue.record("expected a reply")
            return
        }
        #expect(Array(ehlo.lines.suffix(2)) == ["STARTTLS", "HELP"])
        #expect(machine.feed(.line("STARTTLS")) == .startTLS(SMTPReply(220, "2.0.0", "Ready to start TLS")))
        #expect(machine.isTLSActive)
        // RFC 3207 section 4.2: the session starts over; EHLO is required again.
        #expect(Outcome(machine.feed(.line("MAIL FROM:<s@x>"))) == .reply(503, "5.5.1"))
        guard case .reply(let secondEHLO) = machine.feed(.line("EHLO c")) else {
            Issue.record("expected a reply")
            return
        }
        #expect(!secondEHLO.lines.contains("STARTTLS"))
        #expect(Outcome(machine.feed(.line("STARTTLS"))) == .reply(503, "5.5.1"))
    }

    @Test func startTLSOutOfSequence() {
        var machine = SMTPSessionStateMachine.connected(startTLSAvailable: true)
        #expect(
            machine.run([.line("STARTTLS"), .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("STARTTLS")])
                == [.reply(503, "5.5.1"), .reply(250, nil), .reply(250, "2.1.0"), .reply(503, "5.5.1")])
        #expect(machine.isInTransaction)
        #expect(!machine.isTLSActive)
    }

    @Test func startTLSNotAdvertisedWhenUnavailable() {
        var machine = SMTPSessionStateMachine.connected()
        guard case .reply(let ehlo) = machine.feed(.line("EHLO c")) else {
            Issue.record("expected a reply")
            return
        }
        #expect(!ehlo.lines.contains("STARTTLS"))
        #expect(Outcome(machine.feed(.line("STARTTLS"))) == .reply(502, "5.5.1"))
    }

    // MARK: Caller errors trap

    @Test func commandWhileRecipientCheckPendingTraps() async {
        await #expect(processExitsWith: .failure) {
            var machine = SMTPSessionStateMachine.connected()
            _ = machine.run([.line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>")])
            _ = machine.commandLineReceived(Array("NOOP".utf8))
        }
    }

    @Test func dataOutsideDATATraps() async {
        await #expect(processExitsWith: .failure) {
            var machine = SMTPSessionStateMachine.connected()
            _ = machine.dataReceived([])
        }
    }

    @Test func connectedTwiceTraps() async {
        await #expect(processExitsWith: .failure) {
            var machine = SMTPSessionStateMachine.connected()
            _ = machine.connected()
        }
    }
}
