/// RFC 2047 encoded words: `=?charset?B?…?=` and `=?charset?Q?…?=` in header text.
///
/// ```
/// encoded-word = "=?" charset "?" encoding "?" encoded-text "?="     ; RFC 2047 §2
/// charset      = token [ "*" language ]                               ; RFC 2231 §5
/// ```
/// Decoding is lenient in the ways real mail needs: words glued to other text (`Re:=?utf-8?…?=`) are decoded,
/// whitespace between adjacent encoded words is dropped (§6.2), adjacent words in the same charset are joined *before*
/// charset decoding so a multi-byte character split across words survives, and Q text may contain spaces. A word
/// whose encoded text contains `=?` is not a word. Malformed words stay as they are; unknown charsets decode as UTF-8
/// with replacement characters.
///
/// ```swift
/// EncodedWord.decode("=?ISO-8859-1?Q?Andr=E9?= Pirard")   // "André Pirard"
/// ```
public enum EncodedWord {
    /// Decodes every encoded word in `text` (an unfolded header value).
    public static func decode(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.count >= 8, containsEncodedWordStart(utf8) else { return text }
        return decode(Array(utf8)[...])
    }

    /// Decodes every encoded word in `bytes` (UTF-8 header text).
    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var run = Run()
        var pendingSpace = bytes.startIndex..<bytes.startIndex  // whitespace after an encoded word, not yet emitted
        var lastWasWord = false
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte == .equals, index + 1 < end, bytes[index + 1] == .question, let word = parseWord(bytes, at: index) {
                if lastWasWord {
                    // Whitespace between adjacent encoded words is not displayed (RFC 2047 §6.2).
                    if run.charset != word.charset { run.flush(into: &output) }
                } else {
                    run.flush(into: &output)
                }
                run.charset = word.charset
                run.bytes.append(contentsOf: word.decoded)
                pendingSpace = word.end..<word.end
                lastWasWord = true
                index = word.end
                continue
            }
            if byte.isWhitespace {
                var next = index + 1
                while next < end, bytes[next].isWhitespace { next += 1 }
                if lastWasWord {
                    pendingSpace = index..<next
                } else {
                    output.append(contentsOf: bytes[index..<next])
                }
                index = next
                continue
            }
            // Ordinary text up to the next whitespace or possible encoded word.
            run.flush(into: &output)
            if lastWasWord {
                output.append(contentsOf: bytes[pendingSpace])
                lastWasWord = false
            }
            var next = index + 1
            while next < end, !bytes[next].isWhitespace {
                if bytes[next] == .equals, next + 1 < end, bytes[next + 1] == .question { break }
                next += 1
            }
            output.append(contentsOf: bytes[index..<next])
            index = next
        }
        run.flush(into: &output)
        if lastWasWord { output.append(contentsOf: bytes[pendingSpace]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `=?` occurs at all (cheap pre-check).
    static func containsEncodedWordStart(_ utf8: some Collection<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for byte in utf8 {
            if previous == .equals, byte == .question { return true }
            previous = byte
        }
        return false
    }

    /// Decoded bytes of adjacent encoded words that share a charset.
    private struct Run {
        var charset: String = ""
        var bytes: [UInt8] = []

        mutating func flush(into output: inout [UInt8]) {
            guard !bytes.isEmpty else { return }
            let text = Charset.decode(bytes, label: charset).string
            output.append(contentsOf: text.utf8)
            bytes.removeAll(keepingCapacity: true)
        }
    }

    struct Word {
        var charset: String
        var decoded: [UInt8]
        var end: Int
    }

    /// Parses one encoded word starting at `start` (which holds `=?`).
    static func parseWord(_ bytes: ArraySlice<UInt8>, at start: Int) -> Word? {
        let end = bytes.endIndex
        var index = start + 2
        let charsetStart = index
        while index < end, bytes[index] != .question {
            let byte = bytes[index]
            guard byte > 0x20, byte < 0x7F, index - charsetStart < 64 else { return nil }
            index += 1
        }
        guard index > charsetStart, index + 3 < end, bytes[index + 2] == .question else { return nil }
        let charset = String(decoding: bytes[charsetStart..<index], as: UTF8.self)
        let encoding = bytes[index + 1].asciiLowercased
        guard encoding == 0x62 || encoding == 0x71 else { return nil }  // "b" or "q"
        let textStart = index + 3
        var textEnd = textStart
        while true {
            guard textEnd + 1 < end else { return nil }
            if bytes[textEnd] == .question, bytes[textEnd + 1] == .equals { break }
            // "=?" inside the text starts another word, so this one is malformed ("=?=" is padding, then the end).
            if bytes[textEnd] == .equals, bytes[textEnd + 1] == .question,
                textEnd + 2 >= end || bytes[textEnd + 2] != .equals
            {
                return nil
            }
            textEnd += 1
        }
        let text = bytes[textStart..<textEnd]
        let decoded =
            encoding == 0x62 ? Base64.decode(text).bytes : QuotedPrintable.decode(text, underscoreIsSpace: true).bytes
        return Word(charset: charset, decoded: decoded, end: textEnd + 2)
    }
}
