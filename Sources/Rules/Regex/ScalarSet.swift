/// A closed range of Unicode scalar values.
struct ScalarRange: Hashable, Sendable {
    var lower: UInt32
    var upper: UInt32

    init(_ lower: UInt32, _ upper: UInt32) {
        self.lower = lower
        self.upper = upper
    }
}

/// A set of Unicode scalar values, kept as sorted, disjoint, non-adjacent closed ranges.
struct ScalarSet: Hashable, Sendable {
    static let maxScalar: UInt32 = 0x10_FFFF
    /// Every scalar value.
    static let all = ScalarSet(normalizing: [ScalarRange(0, maxScalar)])
    /// Every scalar value except `\n`.
    static let allButNewline = ScalarSet(normalizing: [ScalarRange(0, 0x09), ScalarRange(0x0B, maxScalar)])

    private(set) var ranges: [ScalarRange]

    init() {
        ranges = []
    }

    init(_ scalar: UInt32) {
        ranges = [ScalarRange(scalar, scalar)]
    }

    /// Sorts and merges `ranges` (which may overlap or touch).
    init(normalizing input: [ScalarRange]) {
        let sorted = input.filter { $0.lower <= $0.upper }.sorted { $0.lower < $1.lower }
        var merged: [ScalarRange] = []
        merged.reserveCapacity(sorted.count)
        for range in sorted {
            if let last = merged.last, range.lower <= last.upper &+ 1 {
                merged[merged.count - 1].upper = max(last.upper, range.upper)
            } else {
                merged.append(range)
            }
        }
        ranges = merged
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// The only member, when there is exactly one.
    var singleScalar: UInt32? {
        guard ranges.count == 1, ranges[0].lower == ranges[0].upper else { return nil }
        return ranges[0].lower
    }

    /// The number of members, counted up to `limit` (then `limit` is returned).
    func count(upTo limit: Int) -> Int {
        var total = 0
        for range in ranges {
            total += Int(range.upper - range.lower) + 1
            if total >= limit { return limit }
        }
        return total
    }

    func contains(_ scalar: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upper < scalar {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low < ranges.count && ranges[low].lower <= scalar
    }

    /// Every scalar value not in the set.
    func inverted() -> ScalarSet {
        var result: [ScalarRange] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lower > next { result.append(ScalarRange(next, range.lower - 1)) }
            if range.upper == Self.maxScalar { return ScalarSet(normalizing: result) }
            next = range.upper + 1
        }
        result.append(ScalarRange(next, Self.maxScalar))
        return ScalarSet(normalizing: result)
    }

    /// The set plus every scalar that is equal to a member under simple case folding.
    func caseFolded() -> ScalarSet {
        var result = ranges
        for range in ranges {
            CaseFolding.shared.addVariants(of: range, to: &result)
        }
        return ScalarSet(normalizing: result)
    }
}
