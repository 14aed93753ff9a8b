/// Finds the next occurrence of any of a few byte values, 16 bytes at a time: at most ``maxBytes`` values, or
/// values that form at most ``maxRanges`` runs of consecutive bytes (such as the digits).
///
/// Used to skip ahead while nothing can start a match: by the literal search (the literal's rarest byte, in
/// both cases when folded) and by the lazy DFA in its idle state (the bytes that can begin a match).
struct ByteScanner: Sendable {
    static let maxBytes = 8
    static let maxRanges = 4

    private enum Kind: Sendable {
        /// Up to 4 values, compared with `low`.
        case fewBytes
        /// Up to 8 values, compared with `low` and `high`.
        case manyBytes
        /// Up to 4 runs: a byte is in one when `byte &- low[i] <= high[i]`.
        case ranges
    }

    private let kind: Kind
    private let low: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    private let high: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    /// The byte values, as a 256-bit map.
    private let bitmap: SIMD4<UInt64>

    /// nil when `bytes` is empty, or has more than ``maxBytes`` distinct values in more than ``maxRanges`` runs.
    init?(_ bytes: some Sequence<UInt8>) {
        let values = Array(Set(bytes)).sorted()
        guard !values.isEmpty else { return nil }
        var bitmap = SIMD4<UInt64>()
        for value in values {
            bitmap[Int(value >> 6)] |= 1 << UInt64(value & 63)
        }
        self.bitmap = bitmap
        func splat(_ list: [UInt8], _ index: Int) -> SIMD16<UInt8> {
            SIMD16(repeating: list[min(index, list.count - 1)])
        }
        if values.count <= Self.maxBytes {
            kind = values.count <= 4 ? .fewBytes : .manyBytes
            low = (splat(values, 0), splat(values, 1), splat(values, 2), splat(values, 3))
            high = (splat(values, 4), splat(values, 5), splat(values, 6), splat(values, 7))
            return
        }
        var starts: [UInt8] = []
        var spans: [UInt8] = []
        for value in values {
            if let start = starts.last, let span = spans.last, value == start &+ span &+ 1 {
                spans[spans.count - 1] = span + 1
            } else {
                starts.append(value)
                spans.append(0)
            }
        }
        guard starts.count <= Self.maxRanges else { return nil }
        kind = .ranges
        low = (splat(starts, 0), splat(starts, 1), splat(starts, 2), splat(starts, 3))
        high = (splat(spans, 0), splat(spans, 1), splat(spans, 2), splat(spans, 3))
    }

    @inline(__always)
    func contains(_ byte: UInt8) -> Bool {
        (bitmap[Int(byte >> 6)] >> UInt64(byte & 63)) & 1 != 0
    }

    /// The index of the first byte at or after `start` that is one of the values, or `text.count`.
    func next(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = text.baseAddress else { return text.count }
        let count = text.count
        var index = start
        let (low0, low1, low2, low3) = low
        let (high0, high1, high2, high3) = high
        switch kind {
        case .fewBytes:
            while index &+ 16 <= count {
                let chunk = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
                let hit = (chunk .== low0) .| (chunk .== low1) .| (chunk .== low2) .| (chunk .== low3)
                if any(hit) { break }
                index &+= 16
            }
        case .manyBytes:
            while index &+ 16 <= count {
                let chunk = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
                let first = (chunk .== low0) .| (chunk .== low1) .| (chunk .== low2) .| (chunk .== low3)
                let second = (chunk .== high0) .| (chunk .== high1) .| (chunk .== high2) .| (chunk .== high3)
                if any(first .| second) { break }
                index &+= 16
            }
        case .ranges:
            while index &+ 16 <= count {
                let chunk = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
                let first = ((chunk &- low0) .<= high0) .| ((chunk &- low1) .<= high1)
                let second = ((chunk &- low2) .<= high2) .| ((chunk &- low3) .<= high3)
                if any(first .| second) { break }
                index &+= 16
            }
        }
        while index < count, !contains(base[index]) { index &+= 1 }
        return index
    }
}
