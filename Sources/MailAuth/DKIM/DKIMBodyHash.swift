import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The body hash (`bh=`) of a message body under one canonicalisation and body length.
///
/// The canonical body is streamed into SHA-256 through a small buffer and never materialised; with `l=` the work
/// stops one byte after the limit.
///
/// - SeeAlso: RFC 6376 §3.4.3, §3.4.4, §3.4.5, §3.7.
struct DKIMBodyHash: Sendable, Hashable {
    var digest: [UInt8]
    /// Canonical body bytes hashed (the whole canonical body, or `l=` of it).
    var hashedLength: Int
    /// With a limit: whether the canonical body is longer than the limit (content beyond `l=` is unsigned).
    var hasUnsignedContent: Bool
    /// With a limit: whether the canonical body is shorter than the limit.
    var isShorterThanLimit: Bool

    // RFC 6376 §3.4.3, the "simple" body canonicalisation:
    //   ignores all empty lines at the end of the message body ... converts "*CRLF" at the end of the body to a
    //   single "CRLF". ... If there is no body or no trailing CRLF on the message body, a CRLF is added.
    // RFC 6376 §3.4.4, the "relaxed" body canonicalisation:
    //   a. Reduce whitespace: ignore all whitespace at the end of lines (WSP before the CRLF); reduce all
    //      sequences of WSP within a line to a single SP character.
    //   b. Ignore all empty lines at the end of the message body. ... If the body is non-empty but does not end
    //      with a CRLF, a CRLF is added. (An empty body stays empty, RFC 6376 errata 3133.)
    // RFC 6376 §3.5, l=: "the number of octets in the body of the message after canonicalization included in the
    // cryptographic hash, starting from 0 immediately following the CRLF preceding the body".

    /// Canonicalises `body` and hashes it, or its first `limit` bytes.
    static func compute(
        _ body: UnsafeBufferPointer<UInt8>, canonicalization: DKIMCanonicalization, limit: Int?
    ) -> DKIMBodyHash {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HashingWriter.chunk) { buffer in
            var writer = HashingWriter(buffer: buffer, limit: limit ?? Int.max)
            switch canonicalization {
            case .simple:
                var end = body.count
                while end >= 2, body[end - 2] == 0x0D, body[end - 1] == 0x0A { end -= 2 }
                writer.write(UnsafeBufferPointer(rebasing: body[0..<end]))
                writer.writeCRLF()
            case .relaxed:
                relaxed(body, into: &writer)
            }
            return writer.finish(limited: limit != nil)
        }
    }

    private static func relaxed(_ body: UnsafeBufferPointer<UInt8>, into writer: inout HashingWriter) {
        guard let base = body.baseAddress else { return }
        let end = body.count
        var lineStart = 0
        var pendingEmptyLines = 0
        while lineStart < end, !writer.overflowed {
            // The line's content is [lineStart, contentEnd); the next line starts at `next`.
            var contentEnd = end
            if let lf = memchr(base + lineStart, 0x0A, end - lineStart) {
                contentEnd = base.distance(to: lf.assumingMemoryBound(to: UInt8.self))
            }
            let next = contentEnd < end ? contentEnd + 1 : end
            if contentEnd < end, contentEnd > lineStart, body[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            // Trailing WSP is ignored.
            while contentEnd > lineStart, DKIMSyntax.isWSP(body[contentEnd - 1]) { contentEnd -= 1 }
            if contentEnd == lineStart {
                pendingEmptyLines += 1
                lineStart = next
                continue
            }
            while pendingEmptyLines > 0 {
                writer.writeCRLF()
                pendingEmptyLines -= 1
            }
            // Copy stretches that need no change in one piece; a WSP run other than a single SP becomes one SP.
            // (The content ends in a non-WSP byte, so every WSP run is followed by more content.)
            var segmentStart = lineStart
            while true {
                var i = firstIrregularWSP(base, from: segmentStart, to: contentEnd)
                if i == contentEnd { break }
                writer.write(UnsafeBufferPointer(rebasing: body[segmentStart..<i]))
                writer.write(byte: 0x20)
                while DKIMSyntax.isWSP(body[i]) { i += 1 }
                segmentStart = i
            }
            writer.write(UnsafeBufferPointer(rebasing: body[segmentStart..<contentEnd]))
            writer.writeCRLF()
            lineStart = next
        }
    }

    /// The first index in `[from, to)` holding HTAB, or SP followed by WSP: where relaxed canonicalisation changes
    /// the text. Eight bytes at a time (exact SWAR byte compares), then byte by byte for the tail.
    private static func firstIrregularWSP(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var i = from
        while i + 9 <= to {
            let w0 = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let w1 = UInt64(littleEndian: UnsafeRawPointer(base + i + 1).loadUnaligned(as: UInt64.self))
            let mask = bytesEqual(w0, 0x09) | (bytesEqual(w0, 0x20) & (bytesEqual(w1, 0x20) | bytesEqual(w1, 0x09)))
            if mask != 0 { return i + mask.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < to {
            let byte = base[i]
            if byte == 0x09 || (byte == 0x20 && i + 1 < to && DKIMSyntax.isWSP(base[i + 1])) { return i }
            i += 1
        }
        return to
    }

    /// The high bit of each byte of `word` that equals `value`, exactly (no false positives).
    @inline(__always)
    private static func bytesEqual(_ word: UInt64, _ value: UInt8) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let y = word ^ (0x0101_0101_0101_0101 &* UInt64(value))
        return ~(((y & low7) &+ low7) | y | low7)
    }
}

/// Feeds SHA-256 through a fixed buffer, up to a byte limit, remembering whether more was offered.
private struct HashingWriter {
    static let chunk = 16 << 10
    private var hasher = SHA256()
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private var used = 0
    private let limit: Int
    private var count = 0
    /// A byte beyond the limit was offered.
    private(set) var overflowed = false

    init(buffer: UnsafeMutableBufferPointer<UInt8>, limit: Int) {
        self.buffer = buffer
        self.limit = limit
    }

    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        var bytes = bytes
        if bytes.count > limit - count {
            overflowed = true
            bytes = UnsafeBufferPointer(rebasing: bytes[0..<(limit - count)])
        }
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        count += bytes.count
        if used + bytes.count > buffer.count {
            flush()
            if bytes.count >= buffer.count {
                hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
                return
            }
        }
        (buffer.baseAddress! + used).update(from: source, count: bytes.count)
        used += bytes.count
    }

    mutating func write(byte: UInt8) {
        guard count < limit else {
            overflowed = true
            return
        }
        count += 1
        if used == buffer.count { flush() }
        buffer[used] = byte
        used += 1
    }

    mutating func writeCRLF() {
        write(byte: 0x0D)
        write(byte: 0x0A)
    }

    private mutating func flush() {
        guard used > 0 else { return }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer.baseAddress, count: used))
        used = 0
    }

    mutating func finish(limited: Bool) -> DKIMBodyHash {
        flush()
        return DKIMBodyHash(
            digest: Array(hasher.finalize()), hashedLength: count,
            hasUnsignedContent: limited && overflowed,
            isShorterThanLimit: limited && count < limit)
    }
}
