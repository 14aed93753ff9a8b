import Foundation
import MailAuth
import Testing

/// One case of Fixtures/dkim/index.json (see Fixtures/dkim/README.md).
struct DKIMVectorCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Signature: Decodable, Sendable {
        var index: Int
        var d: String
        var s: String
        var a: String
        var result: String
        var reason: String?
        var dkimpy_result: String?
    }
    var id: String
    var file: String
    var dns_txt: [String: String]
    var verify_time: Int
    var signatures: [Signature]
    var expected: String
    var policy_dependent: Bool?

    var testDescription: String { id }
}

enum DKIMFixtures {
    private struct Index: Decodable {
        var cases: [DKIMVectorCase]
    }

    static var directory: URL? {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("dkim")
    }

    static let cases: [DKIMVectorCase] = {
        guard let url = directory?.appendingPathComponent("index.json"),
            let data = try? Data(contentsOf: url),
            let index = try? JSONDecoder().decode(Index.self, from: data)
        else { return [] }
        return index.cases
    }()

    /// A fixture message normalised to CRLF (first CRLF → LF, then LF → CRLF), as the fixtures' README asks.
    static func message(_ file: String) throws -> [UInt8] {
        let url = try #require(directory?.appendingPathComponent(file))
        let raw = try Data(contentsOf: url)
        var lf: [UInt8] = []
        lf.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            if raw[i] == 0x0D, raw.index(after: i) < raw.endIndex, raw[raw.index(after: i)] == 0x0A {
                i = raw.index(after: i)
                continue
            }
            lf.append(raw[i])
            i = raw.index(after: i)
        }
        var crlf: [UInt8] = []
        crlf.reserveCapacity(lf.count + lf.count / 16)
        for byte in lf {
            if byte == 0x0A { crlf.append(0x0D) }
            crlf.append(byte)
        }
        return crlf
    }
}

@Suite("DKIM conformance vectors (Fixtures/dkim/index.json, dkimpy 1.1.8 results)")
struct DKIMVectorTests {
    @Test("all 66 cases are loaded")
    func loaded() {
        #expect(DKIMFixtures.cases.count == 66)
    }

    @Test("each signature gets the expected result", arguments: DKIMFixtures.cases)
    func vector(_ vector: DKIMVectorCase) async throws {
        let message = try DKIMFixtures.message(vector.file)
        let resolver = DKIMTestResolver(txt: vector.dns_txt)
        let verifier = DKIMVerifier(
            resolver: resolver, now: { Date(timeIntervalSince1970: TimeInterval(vector.verify_time)) })
        let results = await verifier.verify(message)

        try #require(results.count == vector.signatures.count, "\(results)")
        for expected in vector.signatures {
            let actual = results[expected.index]
            // Hard check: pass versus not-pass. Soft check (also enforced here): the category.
            #expect(
                (actual.result == .pass) == (expected.result == "pass"), "signature \(expected.index): \(actual.reason)"
            )
            #expect(actual.result.rawValue == expected.result, "signature \(expected.index): \(actual.reason)")
            #expect(actual.domain == expected.d.lowercased())
            #expect(actual.selector == expected.s)
            #expect(actual.algorithm == expected.a)
        }
        #expect(results.summary.rawValue == vector.expected)
    }

    @Test("RFC 8463 Appendix A: the ed25519-sha256 and rsa-sha256 signatures of A.3 verify with the A.2 keys")
    func rfc8463Example() async throws {
        let vector = try #require(DKIMFixtures.cases.first { $0.id == "mail-auth-001" })
        let message = try DKIMFixtures.message(vector.file)
        let resolver = DKIMTestResolver(txt: vector.dns_txt)
        let results = await DKIMVerifier(resolver: resolver).verify(message)
        #expect(results.map(\.result) == [.pass, .pass])
        #expect(results.map(\.algorithm) == ["ed25519-sha256", "rsa-sha256"])
        #expect(results.allSatisfy { $0.domain == "football.example.com" })
        #expect(results[0].reason.contains("Ed25519"))
        #expect(
            Set(resolver.queriedNames) == [
                "brisbane._domainkey.football.example.com", "test._domainkey.football.example.com",
            ])
    }

    @Test("mail-auth-005 passes at verify_time but is expired (permerror) today")
    func expiredAtRealTime() async throws {
        let vector = try #require(DKIMFixtures.cases.first { $0.id == "mail-auth-005" })
        let message = try DKIMFixtures.message(vector.file)
        let results = await DKIMVerifier(resolver: DKIMTestResolver(txt: vector.dns_txt)).verify(message)
        #expect(results.map(\.result) == [.permerror])
        #expect(results.first?.reason.contains("expired") == true)
    }
}
