import SMTPCore
import Testing

@Suite("Backpressure")
struct BackpressureTests {
    let policy = Backpressure(backlogSoftLimit: 1000, backlogHardLimit: 3000, writesSoftLimit: 10, writesHardLimit: 20)

    @Test("below both soft limits nothing changes")
    func belowSoft() {
        #expect(policy.decide(pendingBacklog: 0, queuedWrites: 0) == .proceed)
        #expect(policy.decide(pendingBacklog: 1000, queuedWrites: 10) == .proceed)
    }

    @Test("between soft and hard the reply is delayed in proportion, up to the maximum")
    func delays() {
        #expect(policy.decide(pendingBacklog: 2000, queuedWrites: 0) == .delay(.seconds(1)))
        #expect(policy.decide(pendingBacklog: 1500, queuedWrites: 0) == .delay(.milliseconds(500)))
        // The worse of the two measures decides.
        #expect(policy.decide(pendingBacklog: 1500, queuedWrites: 15) == .delay(.seconds(1)))
        guard case .delay(let longest) = policy.decide(pendingBacklog: 2999, queuedWrites: 0) else {
            Issue.record("not a delay")
            return
        }
        #expect(longest < .seconds(2) && longest > .milliseconds(1990))
    }

    @Test("at the hard limit of either measure: 451 4.3.2, the sender keeps the message")
    func refuses() {
        for (backlog, writes) in [(3000, 0), (10_000, 0), (0, 20)] {
            guard case .refuse(let reply) = policy.decide(pendingBacklog: backlog, queuedWrites: writes) else {
                Issue.record("\(backlog), \(writes) was not refused")
                continue
            }
            #expect(reply.code == 451)
            #expect(reply.enhancedStatus == "4.3.2")
        }
    }

    @Test("a limit of 0 is off")
    func off() {
        let off = Backpressure(backlogSoftLimit: 0, backlogHardLimit: 0, writesSoftLimit: 0, writesHardLimit: 0)
        #expect(off.decide(pendingBacklog: 10_000_000, queuedWrites: 1_000_000) == .proceed)
        let hardOnly = Backpressure(backlogSoftLimit: 0, backlogHardLimit: 10, writesSoftLimit: 0, writesHardLimit: 0)
        #expect(hardOnly.decide(pendingBacklog: 9, queuedWrites: 0) == .proceed)
        #expect(hardOnly.decide(pendingBacklog: 10, queuedWrites: 0) != .proceed)
    }
}
