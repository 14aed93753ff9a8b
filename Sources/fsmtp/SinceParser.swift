import Foundation

/// `--since` values: "1 hour ago", "30m", "2d", "90 minutes", or ISO 8601 ("2026-11-28T10:00Z",
/// "2026-11-28T10:00:00+01:00", "2026-11-28").
enum SinceParser {
    static func parse(_ text: String, now: Date = Date()) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let date = iso8601(trimmed.uppercased()) { return date }
        var rest = trimmed
        if rest.hasSuffix(" ago") { rest.removeLast(" ago".count) }
        rest = rest.replacingOccurrences(of: " ", with: "")
        let digits = rest.prefix { $0.isNumber || $0 == "." }
        guard let amount = Double(digits), amount >= 0 else { return nil }
        let unit = rest.dropFirst(digits.count)
        guard let seconds = unitSeconds[String(unit)] else { return nil }
        return now.addingTimeInterval(-amount * seconds)
    }

    static let unitSeconds: [String: Double] = {
        var units: [String: Double] = [:]
        let names: [(Double, [String])] = [
            (1, ["s", "sec", "secs", "second", "seconds"]),
            (60, ["m", "min", "mins", "minute", "minutes"]),
            (3600, ["h", "hr", "hrs", "hour", "hours"]),
            (86400, ["d", "day", "days"]),
            (604800, ["w", "week", "weeks"]),
        ]
        for (seconds, words) in names { for word in words { units[word] = seconds } }
        return units
    }()

    /// ISO 8601 with or without seconds, fractions, or a time; a missing zone is UTC.
    static func iso8601(_ text: String) -> Date? {
        var value = text
        if value.count == 10 { value += "T00:00:00Z" }
        guard value.contains("T") else { return nil }
        if !(value.hasSuffix("Z") || value.range(of: #"[+-]\d\d:?\d\d$"#, options: .regularExpression) != nil) {
            value += "Z"
        }
        // Add seconds when only hours and minutes are given: 2026-11-28T10:00Z.
        if let range = value.range(of: #"T\d\d:\d\d(?=Z|[+-])"#, options: .regularExpression) {
            value.replaceSubrange(range, with: value[range] + ":00")
        }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: value) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: value)
    }
}
