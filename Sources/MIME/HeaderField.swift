/// One header field as it appears in the message: name as written, value unfolded (RFC 5322 §2.2.3).
///
/// Values are not decoded yet (RFC 2047 encoded words stay as they are).
public struct HeaderField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension HeaderField {
    /// Parses the header section at the start of `message` (up to the first empty line).
    ///
    /// ```
    /// field = field-name ":" unstructured CRLF      ; RFC 5322 §3.6.8
    /// field-name = 1*ftext ; ftext = %d33-57 / %d59-126
    /// ```
    /// Continuation lines (starting with SP or HTAB) are unfolded by removing the CRLF before them. A line that is
    /// neither a field nor a continuation ends nothing and is skipped (a defect the full MIME parser reports).
    /// Invalid UTF-8 is repaired with U+FFFD. At most `limit` fields are returned.
    public static func parseSection(_ message: ArraySlice<UInt8>, limit: Int = 10_000) -> [HeaderField] {
        var fields: [HeaderField] = []
        var current: (name: String, value: [UInt8])?
        func flush() {
            if let field = current, fields.count < limit {
                fields.append(HeaderField(name: field.name, value: String(decoding: trimmed(field.value), as: UTF8.self)))
            }
            current = nil
        }
        for line in Lines(message) {
            if line.isEmpty { break }                     // end of the header section
            if line.first == 0x20 || line.first == 0x09 { // folded continuation
                current?.value.append(contentsOf: line)
                continue
            }
            flush()
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { continue }
            let name = line[line.startIndex..<colon]
            guard name.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { continue }
            current = (String(decoding: name, as: UTF8.self), Array(line[(colon + 1)...]))
        }
        flush()
        return fields
    }

    private static func trimmed(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }
}

extension Array where Element == HeaderField {
    /// The first field with this name (case-insensitive), as RFC 5322 names are.
    public func first(named name: String) -> String? {
        let lower = name.lowercased()
        return first { $0.name.lowercased() == lower }?.value
    }
}

/// Splits bytes into lines at LF, dropping a CR before it. The last line may lack its LF. No copying.
struct Lines: Sequence, IteratorProtocol {
    private let base: ArraySlice<UInt8>
    private var index: Int

    init(_ base: ArraySlice<UInt8>) {
        self.base = base
        self.index = base.startIndex
    }

    mutating func next() -> ArraySlice<UInt8>? {
        guard index < base.endIndex else { return nil }
        let start = index
        var end = base[start...].firstIndex(of: 0x0A) ?? base.endIndex
        index = end + 1
        if end > start, base[end - 1] == 0x0D { end -= 1 }
        return base[start..<end]
    }
}
