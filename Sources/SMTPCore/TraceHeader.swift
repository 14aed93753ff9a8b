import Foundation

/// The `Received:` trace field an MTA adds to every message it accepts (RFC 5321 §4.4), in the form RFC 5321's
/// `Time-stamp-line` grammar gives:
///
/// ```
/// Received: from client.example.org ([192.0.2.10])
///         by mx.example.com with ESMTPS id 0f6c…
///         for <alice@example.com>; Tue, 01 Dec 2026 20:42:55 +0000
/// ```
///
/// `with` is the protocol: SMTP (HELO), ESMTP (EHLO), ESMTPS (EHLO and TLS) — UTF8SMTP/UTF8SMTPS when the
/// transaction used SMTPUTF8 (RFC 6531 §3.7.3). The `for` clause names the recipient only when there is exactly one:
/// with several, it would show each recipient the others (Bcc ones included).
public enum TraceHeader {
    public static func received(
        helo: String, clientIP: String, hostname: String, usedEHLO: Bool, tls: Bool, smtpUTF8: Bool, id: String,
        recipients: [String], date: Date
    ) -> String {
        let from = sanitized(helo.isEmpty ? "unknown" : helo)
        let literal = clientIP.contains(":") ? "[IPv6:\(clientIP)]" : "[\(clientIP)]"
        let protocolName = (smtpUTF8 ? "UTF8SMTP" : usedEHLO ? "ESMTP" : "SMTP") + (tls && usedEHLO ? "S" : "")
        var field = "Received: from \(from) (\(clientIP.isEmpty ? "unknown" : literal))\r\n"
        field += "\tby \(sanitized(hostname)) with \(protocolName) id \(sanitized(id))"
        if recipients.count == 1, let only = recipients.first {
            field += "\r\n\tfor <\(sanitized(only))>"
        }
        field += "; \(rfc5322Date(date))\r\n"
        return field
    }

    /// `Tue, 01 Dec 2026 20:42:55 +0000` (RFC 5322 §3.3), always in UTC.
    public static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? TimeZone(identifier: "GMT")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let v = value ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        let weekday = days[((c.weekday ?? 1) - 1) % 7]
        let month = months[((c.month ?? 1) - 1) % 12]
        return
            "\(weekday), \(two(c.day)) \(month) \(c.year ?? 1970) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    /// Keeps a value on its line: no CR, LF or other controls can end the field early or start a new one.
    static func sanitized(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
    }
}
