/// `equals`, `contains`, `starts_with` and `ends_with` with one value, straight on the UTF-8 of the field values.
///
/// The answers are exactly those of the literal pattern (`\Avalue\z`, `value`, `\Avalue`, `value\z`) on
/// ``LinearRegex``, which compares one scalar at a time and, caseless, up to simple case folding: a scalar
/// matches its case variants (``CaseFolding``). Case-sensitive, or when no scalar of the value has a case
/// variant, that is a comparison of bytes. Caseless, `contains` searches the folded bytes of each value
/// (``FieldValues/anyFolded(ascii:folded:)``: folded once per message and shared by every rule on the field;
/// ASCII values are searched in place, folding their letters as they are read), and `equals`,
/// `starts_with` and `ends_with` fold only the scalars they compare, so a long body costs them nothing.
///
/// Values are at most ``maxLength`` bytes (``RuleCondition`` runs longer ones as their pattern): a search
/// compares at most that many bytes at each position of the text.
final class LiteralMatcher: Sendable {
    /// The longest value, in UTF-8 bytes.
    static let maxLength = 64

    /// Where the value has to be found.
    enum Position: Sendable {
        /// `equals`: the whole field value.
        case whole
        /// `contains`: anywhere.
        case anywhere
        /// `starts_with`.
        case start
        /// `ends_with`.
        case end
    }

    let position: Position
    /// Whether the comparison is of bytes (case-sensitive, or nothing in the value has a case variant).
    let isExact: Bool
    /// The value's UTF-8, folded unless exact.
    private let bytes: [UInt8]
    /// The value's folded scalars (caseless only).
    private let scalars: [UInt32]
    private let search: SubstringSearch

    init(_ value: String, position: Position, caseSensitive: Bool) {
        self.position = position
        let folding = CaseFolding.shared
        isExact = caseSensitive || value.unicodeScalars.allSatisfy { folding.variants(of: $0.value).count == 1 }
        if isExact {
            bytes = Array(value.utf8)
            scalars = []
        } else {
            bytes = withUTF8(value) { folding.foldedUTF8($0) }
            scalars = folding.foldedScalars(value)
        }
        search = SubstringSearch(bytes)
    }

    /// Whether any of the values matches.
    func matches(_ values: inout FieldValues) -> Bool {
        if position == .anywhere, !isExact {
            return values.anyFolded(ascii: { search.occurs(inASCII: $0) }, folded: { search.occurs(in: $0) })
        }
        return values.anyUTF8 { matches(utf8: $0) }
    }

    /// Whether one value matches (folding it here when it has to be).
    func matches(_ value: String) -> Bool {
        withUTF8(value) { matches(utf8: $0) }
    }

    private func matches(utf8 text: UnsafeBufferPointer<UInt8>) -> Bool {
        if isExact {
            let length = bytes.count
            switch position {
            case .whole: return text.count == length && equal(text, from: 0)
            case .start: return text.count >= length && equal(text, from: 0)
            case .end: return text.count >= length && equal(text, from: text.count - length)
            case .anywhere: return search.occurs(in: text)
            }
        }
        switch position {
        case .whole: return foldedPrefixEnd(of: text) == text.count
        case .start: return foldedPrefixEnd(of: text) != nil
        case .end: return hasFoldedSuffix(text)
        case .anywhere: return CaseFolding.shared.foldedUTF8(text).withUnsafeBufferPointer { search.occurs(in: $0) }
        }
    }

    /// Whether `text` holds the value's bytes from `start` on (there is room for them).
    private func equal(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        bytes.withUnsafeBufferPointer { bytes in
            for offset in 0..<bytes.count where text[start &+ offset] != bytes[offset] { return false }
            return true
        }
    }

    /// The end of the scalars of `text` whose folded forms are the value's, when `text` starts with them.
    private func foldedPrefixEnd(of text: UnsafeBufferPointer<UInt8>) -> Int? {
        let folding = CaseFolding.shared
        return scalars.withUnsafeBufferPointer { scalars in
            var index = 0
            for expected in scalars {
                guard index < text.count else { return nil }
                let byte = text[index]
                let actual: UInt32
                if byte < 0x80 {
                    actual = UInt32(CaseFolding.foldedASCII(byte))
                    index &+= 1
                } else {
                    let (scalar, length) = UTF8Scalars.decodeMultiByte(text, at: index)
                    actual = folding.folded(scalar)
                    index &+= length
                }
                guard actual == expected else { return nil }
            }
            return index
        }
    }

    /// Whether the last scalars of `text` have the value's folded forms.
    private func hasFoldedSuffix(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let folding = CaseFolding.shared
        return scalars.withUnsafeBufferPointer { scalars in
            var end = text.count
            var position = scalars.count
            while position > 0 {
                guard end > 0 else { return false }
                position &-= 1
                let start = UTF8Scalars.start(before: end, in: text)
                let (scalar, _) = UTF8Scalars.decode(text, at: start)
                guard folding.folded(scalar) == scalars[position] else { return false }
                end = start
            }
            return true
        }
    }
}

/// Finds a byte string in a text: 16 candidate positions at a time are checked for the first and the last byte,
/// and only where both are right are the bytes between compared.
struct SubstringSearch: Sendable {
    let needle: [UInt8]
    /// Whether every byte of the needle is ASCII.
    let isASCII: Bool

    init(_ needle: [UInt8]) {
        self.needle = needle
        isASCII = needle.allSatisfy { $0 < 0x80 }
    }

    /// Whether `text` contains the needle (the empty needle is everywhere).
    func occurs(in text: UnsafeBufferPointer<UInt8>) -> Bool {
        find(in: text, foldingASCII: false)
    }

    /// Whether the ASCII `text`, its letters folded to lower case, contains the needle (a folded text).
    func occurs(inASCII text: UnsafeBufferPointer<UInt8>) -> Bool {
        // Folded ASCII is ASCII: a needle with other bytes cannot be in it.
        isASCII && find(in: text, foldingASCII: true)
    }

    @inline(__always)
    private func find(in text: UnsafeBufferPointer<UInt8>, foldingASCII: Bool) -> Bool {
        needle.withUnsafeBufferPointer { needle in
            let length = needle.count
            guard length > 0 else { return true }
            let count = text.count
            guard count >= length, let base = text.baseAddress, let pattern = needle.baseAddress else { return false }
            let last = length &- 1
            var index = 0
            // Candidates index ... index + 15; their last bytes end at index + last + 15.
            if index &+ last &+ 16 <= count {
                let firstByte = SIMD16<UInt8>(repeating: pattern[0])
                let lastByte = SIMD16<UInt8>(repeating: pattern[last])
                while index &+ last &+ 16 <= count {
                    var starts = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
                    var ends = UnsafeRawPointer(base + (index &+ last)).loadUnaligned(as: SIMD16<UInt8>.self)
                    if foldingASCII {
                        starts = Self.lowered(starts)
                        ends = Self.lowered(ends)
                    }
                    let hits = (starts .== firstByte) .& (ends .== lastByte)
                    if any(hits) {
                        var lanes = Self.bits(hits)
                        while lanes != 0 {
                            let start = base + (index &+ lanes.trailingZeroBitCount)
                            if Self.equal(start, pattern, length, foldingASCII: foldingASCII) { return true }
                            lanes &= lanes &- 1
                        }
                    }
                    index &+= 16
                }
            }
            while index &+ length <= count {
                if Self.equal(base + index, pattern, length, foldingASCII: foldingASCII) { return true }
                index &+= 1
            }
            return false
        }
    }

    /// The ASCII upper-case letters in `chunk` in lower case.
    @inline(__always)
    private static func lowered(_ chunk: SIMD16<UInt8>) -> SIMD16<UInt8> {
        chunk.replacing(with: chunk | 0x20, where: (chunk &- 0x41) .< 26)
    }

    /// One bit per lane, lane 0 in bit 0.
    @inline(__always)
    private static func bits(_ mask: SIMDMask<SIMD16<Int8>>) -> UInt32 {
        let weights = SIMD16<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
        let lanes = SIMD16<UInt8>(repeating: 0).replacing(with: weights, where: mask)
        return UInt32(lanes.lowHalf.wrappedSum()) | UInt32(lanes.highHalf.wrappedSum()) << 8
    }

    @inline(__always)
    private static func equal(
        _ text: UnsafePointer<UInt8>, _ pattern: UnsafePointer<UInt8>, _ length: Int, foldingASCII: Bool
    ) -> Bool {
        var offset = 0
        while offset < length {
            let byte = foldingASCII ? CaseFolding.foldedASCII(text[offset]) : text[offset]
            if byte != pattern[offset] { return false }
            offset &+= 1
        }
        return true
    }
}
