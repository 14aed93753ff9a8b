import Testing

@testable import DNSClient

/// Answers are accepted only for our id and question (RFC 5452 §9.1).
@Suite("DNSResponseMatcher")
struct DNSResponseMatcherTests {
    static let question = DNSQuestion(name: TestZone.name("a.test"), type: .a)
    static let matcher = DNSResponseMatcher(id: 0x4242, question: question)

    static func response(_ change: (inout DNSMessage) -> Void = { _ in }) throws -> [UInt8] {
        var message = TestZone.reply(
            to: DNSMessage.query(id: 0x4242, question: question, ednsPayloadSize: nil), rcode: .noError,
            answers: [TestZone.record("a.test", TestZone.a("192.0.2.1"))])
        change(&message)
        return try message.encoded()
    }

    @Test func acceptsTheAnswer() throws {
        guard case .accepted(let message) = Self.matcher.verdict(on: try Self.response()) else {
            Issue.record("not accepted")
            return
        }
        #expect(message.answers.count == 1)
    }

    @Test func questionCaseDoesNotMatter() throws {
        let bytes = try Self.response { $0.questions = [DNSQuestion(name: TestZone.name("A.TEST"), type: .a)] }
        // DNSName lowercases, so flip the case in the bytes themselves.
        var upper = bytes
        upper[13] = UInt8(ascii: "A")
        guard case .accepted = Self.matcher.verdict(on: upper) else {
            Issue.record("case-different question refused")
            return
        }
    }

    @Test func ignoresAnotherID() throws {
        guard case .mismatched = Self.matcher.verdict(on: try Self.response { $0.id = 0x4243 }) else {
            Issue.record("wrong id accepted")
            return
        }
    }

    @Test func ignoresAnotherQuestion() throws {
        for question in [
            DNSQuestion(name: TestZone.name("b.test"), type: .a),
            DNSQuestion(name: TestZone.name("a.test"), type: .aaaa),
            DNSQuestion(name: TestZone.name("a.test"), type: .a, dnsClass: 3),
        ] {
            guard case .mismatched = Self.matcher.verdict(on: try Self.response { $0.questions = [question] }) else {
                Issue.record("question \(question) accepted")
                continue
            }
        }
        guard case .mismatched = Self.matcher.verdict(on: try Self.response { $0.questions += $0.questions }) else {
            Issue.record("two questions accepted")
            return
        }
    }

    @Test func ignoresQueriesAndOtherOpcodes() throws {
        guard case .mismatched = Self.matcher.verdict(on: try Self.response { $0.flags.isResponse = false }) else {
            Issue.record("a query accepted as answer")
            return
        }
        guard case .mismatched = Self.matcher.verdict(on: try Self.response { $0.flags.opcode = 4 }) else {
            Issue.record("NOTIFY accepted as answer")
            return
        }
    }

    @Test func reportsTruncation() throws {
        #expect(
            Self.matcher.verdict(
                on: try Self.response {
                    $0.flags.truncated = true
                    $0.answers = []
                }) == .truncated)
    }

    @Test func malformedRestIsReported() throws {
        let bytes = try Self.response().dropLast(2)
        guard case .malformed = Self.matcher.verdict(on: Array(bytes)) else {
            Issue.record("malformed answer not reported")
            return
        }
    }

    @Test func errorWithoutQuestionIsAcceptedButNXDOMAINWithoutQuestionIsNot() throws {
        let formerr = try Self.response {
            $0.questions = []
            $0.answers = []
            $0.flags.responseCode = 1
        }
        guard case .accepted = Self.matcher.verdict(on: formerr) else {
            Issue.record("FORMERR without question refused")
            return
        }
        let nxdomain = try Self.response {
            $0.questions = []
            $0.answers = []
            $0.flags.responseCode = 3
        }
        guard case .mismatched = Self.matcher.verdict(on: nxdomain) else {
            Issue.record("NXDOMAIN without question accepted")
            return
        }
    }

    @Test func garbageIsMismatched() {
        for bytes: [UInt8] in [[], [0x42], [0x42, 0x42, 0x80]] {
            guard case .mismatched = Self.matcher.verdict(on: bytes) else {
                Issue.record("\(bytes) not ignored")
                continue
            }
        }
    }
}
