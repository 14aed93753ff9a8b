/// A server reply: a three-digit code, an optional enhanced status code and one or more
/// lines of text.
///
/// RFC 5321 section 4.2:
///
/// ```
/// Reply-line     = *( Reply-code "-" [ textstring ] CRLF )
///                  Reply-code [ SP textstring ] CRLF
/// Reply-code     = %x32-35 %x30-35 %x30-39
/// ```
///
/// When ``enhancedStatus`` is set it is repeated at the start of the text of every line,
/// as RFC 2034 section 4 requires. RFC 2034 section 3 exempts the greeting and the replies
/// to HELO and EHLO, and RFC 3463 has no class for 3xx replies, so those carry `nil`.
///
/// `SMTPReply` is also an `Error`, so parsing and validation code can `throw` the reply
/// the client should see.
public struct SMTPReply: Sendable, Hashable, Error, CustomStringConvertible {
    /// The three-digit reply code, for example `250`.
    public var code: Int
    /// The RFC 3463 enhanced status code, for example `"2.0.0"`, or `nil`.
    public var enhancedStatus: String?
    /// The text lines; there is always at least one (possibly empty) line.
    public var lines: [String]

    /// Creates a reply. An empty `lines` array is stored as one empty line.
    public init(code: Int, enhancedStatus: String?, lines: [String]) {
        self.code = code
        self.enhancedStatus = enhancedStatus
        self.lines = lines.isEmpty ? [""] : lines
    }

    /// Creates a single-line reply.
    public init(_ code: Int, _ enhancedStatus: String?, _ text: String) {
        self.init(code: code, enhancedStatus: enhancedStatus, lines: [text])
    }

    /// The reply as sent on the wire, every line ending in CRLF:
    /// `"250-2.0.0 line1\r\n250 2.0.0 last\r\n"`.
    ///
    /// CR and LF characters inside a line (which would break the framing of the reply, for
    /// example in text that came from elsewhere) are replaced by spaces.
    public var encoded: [UInt8] {
        let lines = self.lines.isEmpty ? [""] : self.lines
        let codeBytes = Self.codeBytes(code)
        var result: [UInt8] = []
        result.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 16 })
        for (index, line) in lines.enumerated() {
            let isLast = index == lines.count - 1
            result.append(contentsOf: codeBytes)
            var text: [UInt8] = []
            if let enhancedStatus, !enhancedStatus.isEmpty {
                text.append(contentsOf: enhancedStatus.utf8)
                if !line.isEmpty { text.append(ASCII.space) }
            }
            text.append(contentsOf: line.utf8)
            for i in text.indices where text[i] == ASCII.cr || text[i] == ASCII.lf {
                text[i] = ASCII.space
            }
            if isLast {
                // Reply-code [ SP textstring ] CRLF
                if !text.isEmpty {
                    result.append(ASCII.space)
                    result.append(contentsOf: text)
                }
            } else {
                // Reply-code "-" [ textstring ] CRLF
                result.append(ASCII.hyphen)
                result.append(contentsOf: text)
            }
            result.append(ASCII.cr)
            result.append(ASCII.lf)
        }
        return result
    }

    /// `true` for 2xx and 3xx replies (RFC 5321 section 4.2.1).
    public var isPositive: Bool { (200..<400).contains(code) }

    /// `true` for 4xx replies: transient negative completion (RFC 5321 section 4.2.1).
    public var isTransient: Bool { (400..<500).contains(code) }

    /// `true` for 5xx replies: permanent negative completion (RFC 5321 section 4.2.1).
    public var isPermanent: Bool { (500..<600).contains(code) }

    /// The wire form without the final CRLF, lines separated by `"\n"`.
    public var description: String {
        var text = String(decoding: encoded, as: UTF8.self)
        text.removeLast()  // the final "\r\n" (one Character); `encoded` always ends with it
        return text.split(separator: "\r\n", omittingEmptySubsequences: false).joined(separator: "\n")
    }

    /// Three ASCII digits; codes outside 0...999 are clamped so the reply stays parseable.
    private static func codeBytes(_ code: Int) -> [UInt8] {
        let clamped = min(max(code, 0), 999)
        return [
            ASCII.zero + UInt8(clamped / 100),
            ASCII.zero + UInt8(clamped / 10 % 10),
            ASCII.zero + UInt8(clamped % 10),
        ]
    }
}
