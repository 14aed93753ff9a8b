import FastSMTPApp
import FastSMTPModels
import Foundation
import Testing

/// Backpressure over SMTP (#16): past the soft limit the final dot's reply is delayed, past the hard limit the message
/// is refused with 451 4.3.2 and nothing is stored; the sender keeps it.
@Suite("SMTP backpressure", .serialized)
struct SMTPBackpressureTests {
    @Test("past the hard limit: 451 4.3.2 and nothing stored; below it the same message is accepted")
    func hardLimitRefuses() async throws {
        try await HardeningTests.withServer({
            $0.smtpBacklogSoftLimit = 0
            $0.smtpBacklogHardLimit = 2
        }) { server in
            for index in 0..<2 {
                let message = SMTPTestClient.message(subject: "fill \(index)", to: "alice@example.com")
                let transcript = try await SMTPTestClient.send(
                    port: server.smtpPort, to: ["alice@example.com"], message: message)
                #expect(transcript.data?.code == 250, "\(String(describing: transcript.data))")
            }
            // No worker runs: two deliveries wait, the hard limit.
            let message = SMTPTestClient.message(subject: "one too many", to: "alice@example.com")
            let refused = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"], message: message)
            #expect(refused.data?.code == 451)
            #expect(refused.data?.text.hasPrefix("4.3.2") == true, "\(String(describing: refused.data))")
            #expect(try await server.store.messageCount() == 2)
        }
    }

    @Test("between the limits the reply to the final dot is delayed, and the message accepted")
    func softLimitDelays() async throws {
        try await HardeningTests.withServer({
            $0.smtpBacklogSoftLimit = 1
            $0.smtpBacklogHardLimit = 3
        }) { server in
            let first = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"],
                message: SMTPTestClient.message(subject: "first", to: "alice@example.com"))
            #expect(first.data?.code == 250)
            let quick = ContinuousClock.now
            let second = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"],
                message: SMTPTestClient.message(subject: "second", to: "alice@example.com"))
            #expect(second.data?.code == 250)
            // One pending: at the soft limit, not past it.
            let undelayed = ContinuousClock.now - quick
            let started = ContinuousClock.now
            let third = try await SMTPTestClient.send(
                port: server.smtpPort, to: ["alice@example.com"],
                message: SMTPTestClient.message(subject: "third", to: "alice@example.com"))
            // Two pending: halfway from soft to hard, half of the 2 s maximum.
            #expect(third.data?.code == 250)
            #expect(ContinuousClock.now - started >= .milliseconds(950), "delayed by about 1 s")
            #expect(undelayed < ContinuousClock.now - started)
            #expect(try await server.store.messageCount() == 3)
        }
    }
}
