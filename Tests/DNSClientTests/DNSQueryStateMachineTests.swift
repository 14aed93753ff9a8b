import Testing

@testable import DNSClient

/// Input → action tables for the retry plan.
@Suite("DNSQueryStateMachine")
struct DNSQueryStateMachineTests {
    typealias Machine = DNSQueryStateMachine

    /// Feeds `events` after `start()` and returns every action, the first included.
    static func run(servers: Int, attempts: Int, _ events: [Machine.Event]) -> [Machine.Action] {
        var machine = Machine(servers: (0..<servers).map { "s\($0)" }, attempts: attempts)
        var actions = [machine.start()]
        for (index, event) in events.enumerated() {
            guard case .send = actions.last else {
                Issue.record("finished with \(events.count - index) events left: \(actions)")
                break
            }
            actions.append(machine.receive(event))
        }
        return actions
    }

    @Test func firstAnswerIsDelivered() {
        #expect(
            Self.run(servers: 2, attempts: 2, [.answered]) == [.send(server: 0, transport: .udp(edns: true)), .deliver])
    }

    @Test func timeoutsGoRoundTheServersThenFail() throws {
        let actions = Self.run(servers: 2, attempts: 2, [.timedOut, .timedOut, .timedOut, .timedOut])
        #expect(
            Array(actions.prefix(4)) == [
                .send(server: 0, transport: .udp(edns: true)),
                .send(server: 1, transport: .udp(edns: true)),
                .send(server: 0, transport: .udp(edns: true)),
                .send(server: 1, transport: .udp(edns: true)),
            ])
        guard case .fail(let reason) = try #require(actions.last) else {
            Issue.record("did not fail: \(actions)")
            return
        }
        #expect(reason == "no usable answer after 4 queries: s0 timed out; s1 timed out")
    }

    @Test func truncationSwitchesToTCPAtTheSameServer() {
        #expect(
            Self.run(servers: 2, attempts: 1, [.timedOut, .truncated, .answered]) == [
                .send(server: 0, transport: .udp(edns: true)),
                .send(server: 1, transport: .udp(edns: true)),
                .send(server: 1, transport: .tcp),
                .deliver,
            ])
    }

    @Test func failedTCPMovesOn() {
        let actions = Self.run(servers: 2, attempts: 1, [.truncated, .networkError("connection refused"), .answered])
        #expect(
            actions == [
                .send(server: 0, transport: .udp(edns: true)),
                .send(server: 0, transport: .tcp),
                .send(server: 1, transport: .udp(edns: true)),
                .deliver,
            ])
    }

    @Test func formatErrorRetriesWithoutEDNSAndRemembers() {
        let actions = Self.run(
            servers: 2, attempts: 2,
            [
                .formatErrorWithoutEDNS, .timedOut, .timedOut, .timedOut,
            ])
        #expect(
            actions == [
                .send(server: 0, transport: .udp(edns: true)),
                .send(server: 0, transport: .udp(edns: false)),
                .send(server: 1, transport: .udp(edns: true)),
                .send(server: 0, transport: .udp(edns: false)),
                .send(server: 1, transport: .udp(edns: true)),
            ])
    }

    @Test func formatErrorWithoutEDNSIsAFailure() {
        let actions = Self.run(servers: 1, attempts: 1, [.formatErrorWithoutEDNS, .formatErrorWithoutEDNS])
        #expect(actions.last == .fail("no usable answer after 2 queries: s0 FORMERR"))
    }

    @Test func serverFailureMovesToTheNextServer() {
        #expect(
            Self.run(servers: 3, attempts: 1, [.errorResponse("SERVFAIL"), .errorResponse("REFUSED"), .answered]) == [
                .send(server: 0, transport: .udp(edns: true)),
                .send(server: 1, transport: .udp(edns: true)),
                .send(server: 2, transport: .udp(edns: true)),
                .deliver,
            ])
    }

    @Test func failureReasonNamesEachServer() {
        let actions = Self.run(
            servers: 3, attempts: 1, [.errorResponse("SERVFAIL"), .networkError("connection refused"), .timedOut])
        #expect(
            actions.last
                == .fail(
                    "no usable answer after 3 queries: s0 SERVFAIL; s1 connection refused; s2 timed out"))
    }

    @Test func truncatedOverTCPIsAFailure() {
        #expect(
            Self.run(servers: 1, attempts: 1, [.truncated, .truncated]).last
                == .fail("no usable answer after 2 queries: s0 truncated answer over TCP"))
    }

    @Test func noServersFailsAtOnce() {
        #expect(Self.run(servers: 0, attempts: 2, []) == [.fail("no name servers configured")])
    }

    @Test func responseCodesClassify() {
        let query = DNSMessage.query(id: 1, question: DNSQuestion(name: .root, type: .a), ednsPayloadSize: 1232)
        func event(_ rcode: DNSResponseCode, edns: Bool = false, sentEDNS: Bool = true) -> Machine.Event {
            Machine.Event(response: TestZone.reply(to: query, rcode: rcode, edns: edns), sentEDNS: sentEDNS)
        }
        #expect(event(.noError) == .answered)
        #expect(event(.nameError) == .answered)
        #expect(event(.formatError) == .formatErrorWithoutEDNS)
        #expect(event(.formatError, edns: true) == .errorResponse("FORMERR"))
        #expect(event(.formatError, sentEDNS: false) == .errorResponse("FORMERR"))
        #expect(event(.serverFailure) == .errorResponse("SERVFAIL"))
        #expect(event(.refused) == .errorResponse("REFUSED"))
    }
}
