import struct Foundation.Date

/// A date-time from a Date header (RFC 5322 §3.3), with its zone offset.
///
/// ```
/// date-time = [ day-of-week "," ] date time [CFWS]
/// date      = day month year ; time = hour ":" minute [ ":" second ] FWS zone
/// ```
/// Lenient: comments anywhere, a missing day of week or seconds, two- and three-digit years (RFC 5322 §4.3),
/// obsolete zone names (`GMT`, `EST`, `PDT`…; military letters and unknown names count as +0000, §4.3), the asctime
/// order (`Mon Jan 12 10:00:00 2004`), and Received-style text before a `;`.
///
/// ```swift
/// MailDate(parsing: "Tue, 1 Jul 2003 10:52:37 +0200")?.date   // 2003-07-01T08:52:37Z
/// ```
public struct MailDate: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Offset from UTC in minutes (`-0330` → -210).
    public var zoneOffsetMinutes: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, zoneOffsetMinutes: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.zoneOffsetMinutes = zoneOffsetMinutes
    }

    /// The instant this date-time names.
    public var date: Date {
        // Days from civil (Howard Hinnant's algorithm), so no Calendar or time zone database is needed.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - zoneOffsetMinutes * 60
        return Date(timeIntervalSince1970: Double(seconds))
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "edt": -240, "est": -300, "cdt": -300, "cst": -360, "mdt": -360,
        "mst": -420,
        "pdt": -420, "pst": -480, "bst": 60, "cet": 60, "cest": 120, "met": 60, "mest": 120, "eet": 120, "eest": 180,
        "jst": 540, "kst": 540, "hkt": 480, "ist": 330, "wet": 0, "west": 60, "akst": -540, "akdt": -480, "hst": -600,
        "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780, "msk": 180,
    ]

    /// Parses a Date header value; nil when no day, month, year and time can be found.
    public init?(parsing text: String) {
        var bytes = Array(text.utf8)[...]
        if let semicolon = bytes.lastIndex(of: 0x3B) { bytes = bytes[(semicolon + 1)...] }  // Received: … ; date
        // Tokens: comments removed, "," and whitespace separate.
        var tokens: [Substring] = []
        var current: [UInt8] = []
        var index = bytes.startIndex
        func endToken() {
            if !current.isEmpty {
                tokens.append(Substring(String(decoding: current, as: UTF8.self)))
                current = []
            }
        }
        while index < bytes.endIndex, tokens.count < 32 {
            let byte = bytes[index]
            if byte == 0x28 {
                endToken()
                index = ParameterParser.skipComment(bytes, from: index)
                continue
            }
            if byte.isWhitespace || byte == 0x2C { endToken() } else { current.append(byte.asciiLowercased) }
            index += 1
        }
        endToken()

        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        var zone: Int?
        for token in tokens {
            if token.contains(":"), time == nil {
                let pieces = token.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
                guard pieces.count == 2 || pieces.count == 3, let hour = pieces[0], let minute = pieces[1] else {
                    return nil
                }
                time = (hour, minute, pieces.count == 3 ? (pieces[2] ?? -1) : 0)
            } else if let sign = token.first, sign == "+" || sign == "-", token.count == 5,
                let value = Int(token.dropFirst())
            {
                zone = (sign == "-" ? -1 : 1) * (value / 100 * 60 + value % 100)
            } else if let number = Int(token) {
                if day == nil, token.count <= 2 {
                    day = number
                } else if year == nil {
                    switch token.count {
                    case 2: year = number < 50 ? 2000 + number : 1900 + number  // RFC 5322 §4.3
                    case 3: year = 1900 + number
                    default: year = number
                    }
                }
            } else if token.allSatisfy(\.isLetter) || token.contains(where: \.isNumber) {
                let prefix = String(token.prefix(3))
                if month == nil, token.count >= 3, token.allSatisfy(\.isLetter),
                    let found = Self.months.firstIndex(of: prefix)
                {
                    month = found + 1
                } else if time != nil, zone == nil {
                    let letters = String(token.prefix { $0.isLetter })
                    zone = Self.zones[letters] ?? Self.zones[String(letters.prefix(3))] ?? 0
                }
            }
        }
        guard let day, let month, let year, let (hour, minute, second) = time,
            (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
            year >= 0
        else { return nil }
        self.init(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, zoneOffsetMinutes: zone ?? 0
        )
    }
}
