import FastSMTPApp
import FastSMTPModels
import Foundation
import Testing

/// Backpressure over SMTP (#16): past the soft limit the final dot's reply is delayed, past the hard limit the message
/// is refused with 451 4.3.2 and nothing is stored; the sender keeps it.
@Suite("SMTP backpressure", .serialized)
struct SMTPBackpressureTests {
    static func send(_ subject: String, to server: TestServer) async throws -> SMTPTestClient.Transcript {
        try await SMTPTestClient.send(
            port: server.smtpPort, to: ["alice@example.com"],
            message: SMTPTestClient.message(subject: subject, to: "alice@example.com"))
    }

    @Test("past the hard limit: 451 4.3.2 and nothing stored; below it the same message is accepted")
    func hardLimitRefuses() async throws {
        try await HardeningTests.withServer({
            $0.smtpBacklogSoftLimit = 0
            $0.smtpBacklogHardLimit = 2
        }) { server in
            for index in 0..<2 {
                let transcript = try await Self.send("fill \(index)", to: server)
                #expect(transcript.data?.code == 250, "\(String(describing: transcript.data))")
            }
            // No worker runs: two deliveries wait, the hard limit.
            let refused = try await Self.send("one too many", to: server)
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
            let first = try await Self.send("first", to: server)
            #expect(first.data?.code == 250)
            let quick = ContinuousClock.now
            let second = try await Self.send("second", to: server)
            #expect(second.data?.code == 250)
            // One pending: at the soft limit, not past it.
            let undelayed = ContinuousClock.now - quick
            let started = ContinuousClock.now
            let third = try await Self.send("third", to: server)
            // Two pending: halfway from soft to hard, half of the 2 s maximum.
            #expect(third.data?.code == 250)
            #expect(ContinuousClock.now - started >= .milliseconds(950), "delayed by about 1 s")
            #expect(undelayed < ContinuousClock.now - started)
            #expect(try await server.store.messageCount() == 3)
        }
    }
}
