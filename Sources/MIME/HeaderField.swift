/// One header field as it appears in the message: name as written, value unfolded (RFC 5322 §2.2.3).
///
/// Values are not decoded (RFC 2047 encoded words stay as they are; see ``decodedValue``). Raw 8-bit bytes are read
/// as UTF-8 (RFC 6532); invalid sequences become U+FFFD.
public struct HeaderField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The value with RFC 2047 encoded words decoded — right for unstructured fields such as Subject.
    /// Structured fields have their own parsers: ``EmailAddress/parseList(_:)``, ``ContentType``, ``MessageID``.
    public var decodedValue: String { EncodedWord.decode(value) }
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
        message.withUnsafeBufferPointer { buffer in
            var scanner = HeaderScanner(buffer: buffer, maxCount: limit, maxBytes: .max, invalidLines: .skip)
            return scanner.scan(from: 0, to: buffer.count, isBoundary: { _, _ in false }).fields
        }
    }
}

extension Array where Element == HeaderField {
    /// The first field with this name (case-insensitive), as RFC 5322 names are.
    public func first(named name: String) -> String? {
        first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// Every field with this name (case-insensitive), in order.
    public func all(named name: String) -> [String] {
        filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }
}

extension String {
    /// ASCII case-insensitive equality (header names, charset and type tokens).
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        utf8.count == other.utf8.count && zip(utf8, other.utf8).allSatisfy { $0.asciiLowercased == $1.asciiLowercased }
    }
}

/// Walks one header section over raw bytes. Shared by ``HeaderField/parseSection(_:limit:)`` and the MIME parser.
struct HeaderScanner {
    /// What to do with a line that is neither a field nor a continuation.
    enum InvalidLinePolicy {
        /// Skip it (the server's quick header read).
        case skip
        /// Take it as the first body line: the blank line is missing (RFC 5322 §2.1; what CPython does).
        case endSection
    }

    struct Result {
        var fields: [HeaderField]
        /// Where the body starts: after the blank line, at the first non-header line, or at the end.
        var bodyStart: Int
        /// True when a boundary line ended the section; then the part has no body and `bodyStart` is that line.
        var endedAtBoundary: Bool
    }

    let buffer: UnsafeBufferPointer<UInt8>
    let maxCount: Int
    let maxBytes: Int
    let invalidLines: InvalidLinePolicy
    /// Skip a leading mbox `From ` line (only for a top-level message).
    var allowsMboxFromLine = false
    /// Receives defects (kind, detail).
    var report: (MIMEDefect.Kind, String) -> Void = { _, _ in }

    init(buffer: UnsafeBufferPointer<UInt8>, maxCount: Int, maxBytes: Int, invalidLines: InvalidLinePolicy) {
        self.buffer = buffer
        self.maxCount = maxCount
        self.maxBytes = maxBytes
        self.invalidLines = invalidLines
    }

    /// Scans from `start`; `isBoundary(lineStart, lineEnd)` tells whether a line beginning with `-` is a boundary.
    mutating func scan(from start: Int, to end: Int, isBoundary: (Int, Int) -> Bool) -> Result {
        var fields: [HeaderField] = []
        var name: String?
        var value: [UInt8] = []
        var storedBytes = 0
        var countReported = false
        var bytesReported = false
        let buffer = self.buffer

        func flush() {
            guard let fieldName = name else { return }
            name = nil
            if fields.count >= maxCount {
                if !countReported {
                    report(.headerCountLimit, "more than \(maxCount) fields")
                    countReported = true
                }
                return
            }
            let size = fieldName.utf8.count + value.count
            if storedBytes + size > maxBytes {
                if !bytesReported {
                    report(.headerBytesLimit, "more than \(maxBytes) bytes")
                    bytesReported = true
                }
                return
            }
            storedBytes += size
            var slice = value[...]
            while let first = slice.first, first.isWSP { slice = slice.dropFirst() }
            while let last = slice.last, last.isWSP { slice = slice.dropLast() }
            fields.append(HeaderField(name: fieldName, value: String(decoding: slice, as: UTF8.self)))
        }

        var position = start
        var isFirstLine = true
        while position < end {
            let lineFeed = buffer.index(of: .lf, from: position, to: end)
            var lineEnd = lineFeed
            if lineEnd > position, buffer[lineEnd - 1] == .cr { lineEnd -= 1 }
            let next = lineFeed < end ? lineFeed + 1 : end
            defer { isFirstLine = false }
            if lineEnd == position {  // the blank line
                flush()
                return Result(fields: fields, bodyStart: next, endedAtBoundary: false)
            }
            let first = buffer[position]
            if first == .hyphen, isBoundary(position, lineEnd) {
                flush()
                return Result(fields: fields, bodyStart: position, endedAtBoundary: true)
            }
            if first.isWSP {  // folded continuation
                if name != nil {
                    if value.count + (lineEnd - position) <= maxBytes {
                        value.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<lineEnd]))
                    } else if !bytesReported {
                        report(.headerBytesLimit, "field longer than \(maxBytes) bytes")
                        bytesReported = true
                    }
                } else if invalidLines == .endSection {
                    report(.invalidHeaderLine, "continuation line without a field")
                }
                position = next
                continue
            }
            let colon = buffer.index(of: .colon, from: position, to: lineEnd)
            var nameEnd = colon
            while nameEnd > position, buffer[nameEnd - 1].isWSP { nameEnd -= 1 }  // obs-optional: WSP before ":"
            let nameIsValid =
                colon < lineEnd && nameEnd > position
                && UnsafeBufferPointer(rebasing: buffer[position..<nameEnd]).allSatisfy { $0 >= 33 && $0 <= 126 }
            if nameIsValid {
                flush()
                name = String(decoding: UnsafeBufferPointer(rebasing: buffer[position..<nameEnd]), as: UTF8.self)
                let valueBytes = UnsafeBufferPointer(rebasing: buffer[(colon + 1)..<lineEnd])
                value = valueBytes.count <= maxBytes ? Array(valueBytes) : Array(valueBytes.prefix(maxBytes))
                position = next
                continue
            }
            flush()
            if isFirstLine, allowsMboxFromLine, lineEnd - position >= 5,
                UnsafeBufferPointer(rebasing: buffer[position..<(position + 5)]).elementsEqual("From ".utf8)
            {
                position = next  // mbox separator line
                continue
            }
            if invalidLines == .skip || colon == position {
                if invalidLines == .endSection { report(.invalidHeaderLine, "field without a name") }
                position = next
                continue
            }
            let excerpt = String(
                decoding: UnsafeBufferPointer(rebasing: buffer[position..<min(lineEnd, position + 40)]),
                as: UTF8.self)
            report(.missingHeaderBodySeparator, "line \(excerpt.debugDescription) is not a header field")
            return Result(fields: fields, bodyStart: position, endedAtBoundary: false)
        }
        flush()
        return Result(fields: fields, bodyStart: end, endedAtBoundary: false)
    }
}
