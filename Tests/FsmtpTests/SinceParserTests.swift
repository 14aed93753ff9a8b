import Foundation
import Testing

@testable import fsmtp

@Suite("fsmtp --since")
struct SinceParserTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(
        "relative times",
        arguments: [
            ("1 hour ago", 3600.0), ("30m", 1800), ("2d", 172_800), ("90 minutes", 5400), ("1w", 604_800),
            ("45s", 45), ("2 days ago", 172_800), ("1.5h", 5400),
        ])
    func relative(_ text: String, _ seconds: Double) {
        #expect(SinceParser.parse(text, now: Self.now) == Self.now.addingTimeInterval(-seconds))
    }

    @Test(
        "ISO 8601",
        arguments: [
            ("2026-11-28T10:00Z", "2026-11-28T10:00:00Z"), ("2026-11-28T10:00:30Z", "2026-11-28T10:00:30Z"),
            ("2026-11-28T11:00+01:00", "2026-11-28T10:00:00Z"), ("2026-11-28", "2026-11-28T00:00:00Z"),
            ("2026-11-28T10:00", "2026-11-28T10:00:00Z"),
        ])
    func absolute(_ text: String, _ expected: String) throws {
        let date = try #require(SinceParser.parse(text, now: Self.now))
        #expect(date == ISO8601DateFormatter().date(from: expected))
    }

    @Test("nonsense is refused", arguments: ["yesterday-ish", "", "5 parsecs", "-3h", "h"])
    func refused(_ text: String) {
        #expect(SinceParser.parse(text, now: Self.now) == nil)
    }
}
