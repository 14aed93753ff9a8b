/// Finds the next occurrence of any of a few byte values (at most ``maxBytes``), 16 bytes at a time.
///
/// Used to skip ahead while nothing can start a match: by the literal search (the literal's first byte, in
/// both cases when folded) and by the lazy DFA in its idle state (the bytes that can begin a match).
struct ByteScanner: Sendable {
    static let maxBytes = 8

    private let first: SIMD16<UInt8>
    private let second: SIMD16<UInt8>
    private let third: SIMD16<UInt8>
    private let fourth: SIMD16<UInt8>
    private let more: [SIMD16<UInt8>]
    /// The byte values, as a 256-bit map.
    private let bitmap: SIMD4<UInt64>

    /// nil when `bytes` is empty or has more than ``maxBytes`` distinct values.
    init?(_ bytes: some Sequence<UInt8>) {
        let values = Array(Set(bytes)).sorted()
        guard !values.isEmpty, values.count <= Self.maxBytes else { return nil }
        func splat(_ index: Int) -> SIMD16<UInt8> {
            SIMD16(repeating: values[min(index, values.count - 1)])
        }
        first = splat(0)
        second = splat(1)
        third = splat(2)
        fourth = splat(3)
        more = values.count > 4 ? (4..<Self.maxBytes).map(splat) : []
        var bitmap = SIMD4<UInt64>()
        for value in values {
            bitmap[Int(value >> 6)] |= 1 << UInt64(value & 63)
        }
        self.bitmap = bitmap
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
        if more.isEmpty {
            while index &+ 16 <= count {
                let chunk = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
                let hit = (chunk .== first) .| (chunk .== second) .| (chunk .== third) .| (chunk .== fourth)
                if any(hit) { break }
                index &+= 16
            }
        } else {
            let fifth = more[0]
            let sixth = more[1]
            let seventh = more[2]
            let eighth = more[3]
            while index &+ 16 <= count {
                let chunk = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
                let low = (chunk .== first) .| (chunk .== second) .| (chunk .== third) .| (chunk .== fourth)
                let high = (chunk .== fifth) .| (chunk .== sixth) .| (chunk .== seventh) .| (chunk .== eighth)
                if any(low .| high) { break }
                index &+= 16
            }
        }
        while index < count, !contains(base[index]) { index &+= 1 }
        return index
    }
}
