import Foundation
import OpenAPIRuntime

/// `date-time` values as RFC 3339 §5.6 has them, read with or without fractional seconds and in either case (`t`,
/// `z`), written in whole seconds as before. The runtime's default transcoder reads whole seconds only, so a valid
/// `since=2026-12-02T10:00:00.5Z` was refused.
public struct RFC3339DateTranscoder: DateTranscoder {
    public init() {}

    public func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    public func decode(_ string: String) throws -> Date {
        guard let date = Self.parse(string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "'\(string)' is not an RFC 3339 date-time"))
        }
        return date
    }

    /// RFC 3339 §5.6 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `T` and `Z` in either case; a leap second
    /// (`:60`) is read as the last instant of its minute. Any offset of up to 23:59 is taken, as the grammar allows.
    static func parse(_ string: String) -> Date? {
        let bytes = Array(string.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += count
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            expect("Tt"), let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
            let second = digits(2), (1...12).contains(month), hour < 24, minute < 60, second <= 60
        else { return nil }
        let monthDays = [
            31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30,
            31, 30, 31,
        ]
        guard (1...monthDays[month - 1]).contains(day) else { return nil }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = digits(2), expect(":"), let minutes = digits(2), hours < 24, minutes < 60 else {
                return nil
            }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + min(second, 59) - offset)
        let leap = second == 60 ? 0.999_999 : 0
        return Date(timeIntervalSince1970: seconds + min(fraction + leap, 0.999_999_999))
    }
}

extension Configuration {
    /// The API's configuration on both sides: RFC 3339 dates (``RFC3339DateTranscoder``).
    public static let fastSMTP = Configuration(dateTranscoder: RFC3339DateTranscoder())
}
