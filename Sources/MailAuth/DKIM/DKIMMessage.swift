#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One header field of the message, located in the message bytes.
struct DKIMHeaderField: Sendable, Hashable {
    /// The field name, ASCII-lowercased (names match case-insensitively, RFC 6376 §5.4.2).
    var name: String
    /// The whole field: name, colon, value, every folded line and the final CRLF.
    var range: Range<Int>
    /// From just after the colon to before the final CRLF.
    var valueRange: Range<Int>
    /// The name as written, up to (not including) any WSP before the colon.
    var nameRange: Range<Int>
}

/// A message split into header fields and body, keeping the exact bytes that simple canonicalisation hashes.
///
/// - SeeAlso: RFC 5322 §2.1, §2.2, §3.5; RFC 6376 §3.4.
struct DKIMMessage: Sendable {
    /// The message, with every line ending CRLF (see ``init(_:limits:)``).
    let bytes: [UInt8]
    let fields: [DKIMHeaderField]
    /// Index of the first body byte (after the empty line), or `bytes.count` when there is no body.
    let bodyStart: Int
    /// The header section exceeded ``DKIMLimits/maxHeaderFields`` or ``DKIMLimits/maxHeaderBytes``; `fields` holds
    /// only what was parsed before the limit.
    let exceededLimits: Bool

    // RFC 5322 §2.2, §3.6.8, §4.5:
    //   message        = (fields / obs-fields) [CRLF body]
    //   optional-field = field-name ":" unstructured CRLF
    //   field-name     = 1*ftext
    //   ftext          = %d33-57 / %d59-126    ; printable US-ASCII except ":"
    //   obs-optional   = field-name *WSP ":" unstructured CRLF
    // RFC 5322 §2.2.3: a line beginning with WSP continues (folds) the previous field.
    // Leniency, as dkimpy: a bare LF ends a line too (the message is rewritten with CRLF first, since SMTP delivers
    // CRLF and a signer canonicalised CRLF lines); an mbox "From " line before the first field is skipped; any other
    // line that is neither a field nor a continuation is kept as a nameless field that no h= entry can select.

    init(_ raw: [UInt8], limits: DKIMLimits) {
        let bytes = Self.normalizingLineEndings(raw)
        var fields: [DKIMHeaderField] = []
        var bodyStart = bytes.count
        var exceeded = false
        bytes.withUnsafeBufferPointer { p in
            let end = p.count
            var lineStart = 0
            var current: (name: String, nameRange: Range<Int>, start: Int, valueStart: Int)? = nil
            func finish(at lineEnd: Int) {
                guard let field = current else { return }
                // lineEnd is the start of the next line: the field's final CRLF is just before it (if present).
                var valueEnd = lineEnd
                if valueEnd - field.valueStart >= 2, p[valueEnd - 2] == 0x0D, p[valueEnd - 1] == 0x0A { valueEnd -= 2 }
                fields.append(
                    DKIMHeaderField(
                        name: field.name, range: field.start..<lineEnd,
                        valueRange: field.valueStart..<max(valueEnd, field.valueStart),
                        nameRange: field.nameRange))
                current = nil
            }
            while lineStart < end {
                // Find the end of this line (the index after its LF, or the end of the message).
                var next = lineStart
                while next < end, p[next] != 0x0A { next += 1 }
                if next < end { next += 1 }
                if lineStart > limits.maxHeaderBytes {
                    finish(at: lineStart)
                    exceeded = true
                    return
                }
                let first = p[lineStart]
                if first == 0x0D, lineStart + 1 < end, p[lineStart + 1] == 0x0A {
                    // The empty line: end of the header section.
                    finish(at: lineStart)
                    bodyStart = lineStart + 2
                    return
                }
                if DKIMSyntax.isWSP(first), current != nil {
                    lineStart = next  // continuation line: the current field grows
                    continue
                }
                finish(at: lineStart)
                if fields.count >= limits.maxHeaderFields {
                    exceeded = true
                    return
                }
                var colon = lineStart
                while colon < next, p[colon] != UInt8(ascii: ":"), p[colon] != 0x0A { colon += 1 }
                var nameEnd = colon
                while nameEnd > lineStart, DKIMSyntax.isWSP(p[nameEnd - 1]) { nameEnd -= 1 }
                let nameIsValid =
                    colon < next && p[colon] == UInt8(ascii: ":") && nameEnd > lineStart
                    && p[lineStart..<nameEnd].allSatisfy { $0 >= 33 && $0 <= 126 }
                if nameIsValid {
                    let name = String(decoding: p[lineStart..<nameEnd].map(Self.asciiLowercased), as: UTF8.self)
                    current = (name, lineStart..<nameEnd, lineStart, colon + 1)
                } else if fields.isEmpty, Self.hasPrefix(p, lineStart, "From ") {
                    current = nil  // mbox separator line
                } else {
                    current = ("", lineStart..<lineStart, lineStart, lineStart)  // malformed: never selectable
                }
                lineStart = next
            }
            finish(at: end)
        }
        self.bytes = bytes
        self.fields = fields
        self.bodyStart = bodyStart
        self.exceededLimits = exceeded
    }

    /// The field indices for each lowercased name, top to bottom.
    func fieldIndex() -> [String: [Int]] {
        var index: [String: [Int]] = [:]
        for (i, field) in fields.enumerated() where !field.name.isEmpty {
            index[field.name, default: []].append(i)
        }
        return index
    }

    /// The message with every LF that is not preceded by CR turned into CRLF. Returns `raw` itself (no copy) when
    /// it has no bare LF, which is the case for everything the SMTP server delivers.
    static func normalizingLineEndings(_ raw: [UInt8]) -> [UInt8] {
        let bareLF = raw.withUnsafeBufferPointer { p -> Bool in
            guard let base = p.baseAddress else { return false }
            var i = 0
            while i < p.count, let lf = memchr(base + i, 0x0A, p.count - i) {
                let at = base.distance(to: lf.assumingMemoryBound(to: UInt8.self))
                if at == 0 || p[at - 1] != 0x0D { return true }
                i = at + 1
            }
            return false
        }
        guard bareLF else { return raw }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + raw.count / 32)
        for i in raw.indices {
            if raw[i] == 0x0A, i == 0 || raw[i - 1] != 0x0D { out.append(0x0D) }
            out.append(raw[i])
        }
        return out
    }

    static func asciiLowercased(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
    }

    private static func hasPrefix(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard p.count - start >= count else { return false }
        let text = UnsafeBufferPointer(start: prefix.utf8Start, count: count)
        return p[start..<(start + count)].elementsEqual(text)
    }
}
