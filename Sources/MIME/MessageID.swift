/// Message identifiers in Message-ID, In-Reply-To and References (RFC 5322 §3.6.4).
///
/// ```
/// msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]
/// ```
/// Each identifier is returned in its angle brackets (`<id@host>`), as it is written and as replies must quote it.
/// Lenient: the text between the brackets is kept as written; without any brackets, whitespace-separated words are
/// taken as identifiers; comments are removed; empty `<>` is skipped.
public enum MessageID {
    /// All identifiers in a header value.
    ///
    /// ```swift
    /// MessageID.parseList("<a@x> (comment) <b@y>")   // ["<a@x>", "<b@y>"]
    /// ```
    public static func parseList(_ value: String) -> [String] {
        let bytes = Array(value.utf8)[...]
        var ids: [String] = []
        var index = bytes.startIndex
        let hasBrackets = bytes.contains(0x3C)
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x28 {
                index = ParameterParser.skipComment(bytes, from: index)
                continue
            }
            if hasBrackets {
                guard byte == 0x3C else {
                    index += 1
                    continue
                }
                let close = bytes[(index + 1)...].firstIndex(of: 0x3E) ?? bytes.endIndex
                let inner = String(decoding: bytes[(index + 1)..<close], as: UTF8.self).trimmedWhitespace
                if !inner.isEmpty { ids.append("<\(inner)>") }
                index = min(close + 1, bytes.endIndex)
            } else {
                guard !byte.isWhitespace, byte != 0x2C else {
                    index += 1
                    continue
                }
                let start = index
                while index < bytes.endIndex, !bytes[index].isWhitespace, bytes[index] != 0x28, bytes[index] != 0x2C {
                    index += 1
                }
                ids.append("<\(String(decoding: bytes[start..<index], as: UTF8.self))>")
            }
        }
        return ids
    }

    /// The first identifier in a header value, if any.
    public static func parse(_ value: String) -> String? {
        parseList(value).first
    }
}
