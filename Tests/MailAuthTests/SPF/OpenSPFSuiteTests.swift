import DNSClient
import Foundation
import MailAuth
import Testing

/// The openspf.org RFC 7208 conformance suite (203 cases), each case against its scenario's zone.
@Suite("SPF: openspf RFC 7208 suite")
struct OpenSPFSuiteTests {
    struct CaseOutcome {
        var scenario: String
        var name: String
        var passed: Bool
        var detail: String
    }

    /// Runs every case of a suite file and returns one outcome per case.
    static func run(_ suite: OpenSPFSuite) async -> [CaseOutcome] {
        var outcomes: [CaseOutcome] = []
        for scenario in suite.scenarios {
            let resolver = ZoneResolver(scenario.zone)
            let evaluator = SPFEvaluator(resolver: resolver, receivingHost: "receiver.example.org")
            for testCase in scenario.tests {
                guard let ip = IPAddress(testCase.host) else {
                    outcomes.append(
                        .init(
                            scenario: scenario.description, name: testCase.name, passed: false,
                            detail: "bad host \(testCase.host)"))
                    continue
                }
                let verdict = await evaluator.evaluate(clientIP: ip, mailFrom: testCase.mailfrom, helo: testCase.helo)
                var passed = testCase.result.contains(verdict.result.rawValue)
                if let expected = testCase.explanation, verdict.result == .fail {
                    // "DEFAULT" is the suite driver's default explanation, i.e. no exp= text.
                    passed = passed && verdict.explanation == (expected == "DEFAULT" ? nil : expected)
                }
                outcomes.append(
                    .init(
                        scenario: scenario.description, name: testCase.name, passed: passed,
                        detail: "expected \(testCase.result)\(testCase.explanation.map { " \"\($0)\"" } ?? ""), "
                            + "got \(verdict.result.rawValue)\(verdict.explanation.map { " \"\($0)\"" } ?? "") "
                            + "(\(verdict.reason))"))
            }
        }
        return outcomes
    }

    @Test("all 203 cases of rfc7208-tests pass")
    func rfc7208() async throws {
        let outcomes = await Self.run(try OpenSPFSuite.load("rfc7208-tests"))
        let passed = outcomes.filter(\.passed).count
        print("openspf RFC 7208 suite: \(passed)/\(outcomes.count) cases pass")
        if ProcessInfo.processInfo.environment["SPF_SUITE_VERBOSE"] != nil {
            for outcome in outcomes {
                print("  \(outcome.passed ? "ok  " : "FAIL") \(outcome.name): \(outcome.detail)")
            }
        }
        #expect(outcomes.count == 203)
        for failure in outcomes where !failure.passed {
            Issue.record("\(failure.scenario) / \(failure.name): \(failure.detail)")
        }
    }

    /// The older RFC 4408 suite, for information only: RFC 7208 changed several of its expectations
    /// (e.g. SPF RR type 99, mx-limit, void lookups), so it is not a conformance target.
    @Test("rfc4408-tests (informational)")
    func rfc4408() async throws {
        let outcomes = await Self.run(try OpenSPFSuite.load("rfc4408-tests"))
        let passed = outcomes.filter(\.passed).count
        print("openspf RFC 4408 suite (informational): \(passed)/\(outcomes.count) cases agree")
        for failure in outcomes where !failure.passed {
            print("  4408 differs: \(failure.scenario) / \(failure.name): \(failure.detail)")
        }
        #expect(outcomes.count == 191)
    }
}
