import DNSClient
import Foundation

/// A tiny in-memory DNS for the DKIM tests: TXT answers, NXDOMAIN for unknown names, and injectable failures.
/// Counts TXT queries so tests can check that work is bounded.
final class DKIMTestResolver: DNSResolver, @unchecked Sendable {
    enum Answer: Sendable {
        case txt([String])
        case nxdomain
        case timeout
        case servfail
    }

    private let lock = NSLock()
    private var answers: [String: Answer]
    private var queries: [String] = []

    init(_ answers: [String: Answer] = [:]) {
        self.answers = Dictionary(answers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
    }

    /// A resolver serving one TXT record per name.
    convenience init(txt records: [String: String]) {
        self.init(records.mapValues { .txt([$0]) })
    }

    func set(_ name: String, _ answer: Answer) {
        lock.withLock { answers[name.lowercased()] = answer }
    }

    /// Names asked for, in order.
    var queriedNames: [String] { lock.withLock { queries } }

    func txt(_ name: String) async throws(DNSError) -> [String] {
        let answer = lock.withLock { () -> Answer in
            queries.append(name)
            return answers[name.lowercased()] ?? .nxdomain
        }
        switch answer {
        case .txt(let records): return records
        case .nxdomain: throw .nameDoesNotExist(name)
        case .timeout: throw .temporaryFailure("timeout")
        case .servfail: throw .temporaryFailure("SERVFAIL")
        }
    }

    func a(_ name: String) async throws(DNSError) -> [IPAddress] { throw .nameDoesNotExist(name) }
    func aaaa(_ name: String) async throws(DNSError) -> [IPAddress] { throw .nameDoesNotExist(name) }
    func mx(_ name: String) async throws(DNSError) -> [MXRecord] { throw .nameDoesNotExist(name) }
    func ptr(_ name: String) async throws(DNSError) -> [String] { throw .nameDoesNotExist(name) }
}
