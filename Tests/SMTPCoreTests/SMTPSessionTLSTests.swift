import Testing

@testable import SMTPCore

@Suite("SMTPSessionStateMachine: require-STARTTLS, implicit TLS, bare line endings")
struct SMTPSessionTLSTests {
    static func machine(requireTLS: Bool = true, tlsActive: Bool = false) -> SMTPSessionStateMachine {
        var machine = SMTPSessionStateMachine(
            configuration: SMTPSessionConfiguration(
                hostname: "mx.test", startTLSAvailable: true, requireTLS: requireTLS),
            tlsActive: tlsActive
        )
        _ = machine.connected()
        return machine
    }

    /// RFC 3207 section 4: "530 Must issue a STARTTLS command first" for mail commands before TLS.
    static let refusedBeforeTLS = ["MAIL FROM:<s@x>", "RCPT TO:<r@y>", "DATA", "VRFY r@y"]

    @Test(arguments: refusedBeforeTLS)
    func mailCommandsBeforeTLSGet530(line: String) {
        var machine = Self.machine()
        #expect(machine.run([.line("EHLO c"), .line(line)]) == [.reply(250, nil), .reply(530, "5.7.0")])
        #expect(machine.errorCount == 1)
        #expect(!machine.isInTransaction)
    }

    @Test func sessionCommandsStayAllowed() {
        var machine = Self.machine()
        #expect(
            machine.run([.line("NOOP"), .line("HELO c"), .line("EHLO c"), .line("RSET"), .line("HELP")])
                == [
                    .reply(250, "2.0.0"), .reply(250, nil), .reply(250, nil), .reply(250, "2.0.0"),
                    .reply(214, "2.0.0"),
                ])
        #expect(machine.run([.line("STARTTLS")]) == [.startTLS(220, "2.0.0")])
    }

    @Test func afterSTARTTLSMailIsAccepted() {
        var machine = Self.machine()
        #expect(
            machine.run([
                .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("STARTTLS"), .line("EHLO c"), .line("MAIL FROM:<s@x>"),
            ])
                == [
                    .reply(250, nil), .reply(530, "5.7.0"), .startTLS(220, "2.0.0"), .reply(250, nil),
                    .reply(250, "2.1.0"),
                ])
    }

    @Test func withoutRequireTLSMailNeedsNoSTARTTLS() {
        var machine = Self.machine(requireTLS: false)
        #expect(machine.run([.line("EHLO c"), .line("MAIL FROM:<s@x>")]) == [.reply(250, nil), .reply(250, "2.1.0")])
    }

    @Test func implicitTLSSatisfiesRequireTLSAndDoesNotOfferSTARTTLS() {
        var machine = Self.machine(tlsActive: true)
        #expect(machine.isTLSActive)
        guard case .reply(let ehlo) = machine.feed(.line("EHLO c")) else {
            Issue.record("expected a reply")
            return
        }
        #expect(!ehlo.lines.contains("STARTTLS"))
        #expect(
            machine.run([.line("MAIL FROM:<s@x>"), .line("STARTTLS")]) == [.reply(250, "2.1.0"), .reply(503, "5.5.1")])
    }

    @Test func bareLineEndingInDataIs554AndResetsTheTransaction() {
        var machine = Self.machine(requireTLS: false)
        #expect(
            machine.run([
                .line("EHLO c"), .line("MAIL FROM:<s@x>"), .line("RCPT TO:<r@y>"), .checked(.accepted), .line("DATA"),
                .dataRejected(.bareLineEnding), .line("RCPT TO:<r@y>"),
            ]) == [
                .reply(250, nil), .reply(250, "2.1.0"), .check("r@y"), .reply(250, "2.1.5"), .startData,
                .reply(554, "5.6.0"), .reply(503, "5.5.1"),
            ])
        #expect(machine.errorCount == 2)
    }
}
