import FastSMTPTestSupport
import Foundation
import MIME
import Testing

/// A bounded mutation fuzzer over the corpus: fixed seed, 2,000 mutants, checks invariants on each.
/// Runs in CI with the other tests; a failure names the mutant number and source file to reproduce it.
/// For a longer local run: `MIME_FUZZ_ITERATIONS=200000 MIME_FUZZ_SEED=7 swift test --filter FuzzTests`.
@Suite("Fuzz")
struct FuzzTests {
    typealias Random = SplitMix64

    static let tokens: [[UInt8]] = [
        "\r\n", "\n", "\r\n\r\n", "--", "=?utf-8?b?", "?=", "=?", "=\r\n", "=ZZ", "\"", "(", ")", "<", ">", ";", ":",
        "*0*=",
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n", "--b\r\n", "--b--\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "Content-Type: message/rfc822\r\n\r\n", "charset=utf-16", "charset=iso-2022-jp", "\u{1B}$B", " \t",
    ].map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], _ random: inout Random) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + random.below(4)) {
            let position = random.below(bytes.count + 1)
            switch random.below(7) {
            case 0 where !bytes.isEmpty:
                bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: random.next())
            case 1: bytes.insert(contentsOf: tokens[random.below(tokens.count)], at: position)
            case 2 where position < bytes.count:
                bytes.removeSubrange(position..<min(bytes.count, position + 1 + random.below(64)))
            case 3 where position < bytes.count:
                let range = position..<min(bytes.count, position + 1 + random.below(256))
                bytes.insert(contentsOf: Array(bytes[range]), at: range.lowerBound)
            case 4: bytes = Array(bytes.prefix(position))
            case 5:
                bytes.insert(
                    contentsOf: (0..<random.below(16)).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                    at: position)
            default:
                bytes.insert(
                    contentsOf: Array(repeating: UInt8(ascii: "-"), count: random.below(4)) + tokens[3], at: position)
            }
        }
        return bytes
    }

    func check(_ parsed: ParsedMessage, limits: MIMELimits, _ note: @autoclosure () -> String) {
        func walk(_ part: MIMEPart, depth: Int) -> Int {
            #expect(depth <= limits.maxDepth, "\(note())")
            #expect(part.headers.count <= limits.maxHeaderCount, "\(note())")
            if part.kind == .message { #expect(part.parts.count == 1, "\(note())") }
            if part.kind == .leaf { #expect(part.parts.isEmpty, "\(note())") }
            return 1 + part.parts.map { walk($0, depth: depth + 1) }.reduce(0, +)
        }
        #expect(walk(parsed.root, depth: 0) <= limits.maxParts, "\(note())")
        #expect(parsed.attachments.allSatisfy { $0.size == $0.content.count }, "\(note())")
        #expect(parsed.defects.count <= 1_100, "\(note())")
        _ = parsed.text?.utf8.count
        _ = parsed.root.decodedText()
    }

    @Test("2,000 mutants of the corpus messages")
    func mutants() throws {
        let paths =
            try ["mail-parser/rfc", "mail-parser/malformed", "mail-parser/thirdparty"].flatMap {
                try Fixtures.files(in: $0, ext: "eml")
            }
            + (try Fixtures.files(in: "cpython", ext: "txt").filter { $0.contains("msg_") })
        let corpus = try paths.map { try Fixtures.data($0).crlfNormalised }
        #expect(corpus.count == 101)
        let limits = MIMELimits(maxDepth: 12, maxParts: 200, maxHeaderCount: 200, maxHeaderBytes: 16_384)
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["MIME_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 2_000
        var random = Random(seed: environment["MIME_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5EED_2025)
        let clock = ContinuousClock()
        let start = clock.now
        for round in 0..<iterations {
            let source = random.below(corpus.count)
            let mutant = Self.mutate(corpus[source], &random)
            let parsed = MIMEParser.parse(mutant, limits: round % 2 == 0 ? limits : .default)
            check(parsed, limits: round % 2 == 0 ? limits : .default, "mutant \(round) of \(paths[source])")
            for field in parsed.headers.prefix(20) {
                _ = field.decodedValue
                _ = EmailAddress.parseList(field.value)
                _ = ContentType(parsing: field.value)
                _ = MailDate(parsing: field.value)
            }
        }
        #expect(iterations != 2_000 || clock.now - start < .seconds(30))
    }
}
