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

/// Case-equivalence classes ("orbits") under Unicode simple case folding: `k`, `K` and KELVIN SIGN form one,
/// `s`, `S` and LATIN SMALL LETTER LONG S another, `é` and `É` a third.
///
/// The standard library exposes no case-folding table, so the orbits are derived once, on first use, from the
/// single-scalar lower/upper/title case mappings of `Unicode.Scalar.Properties` (the scalars they connect are
/// exactly those that simple case folding identifies, except U+0131 DOTLESS I, whose upper case `I` folds to
/// `i`, not to it; U+0130 has only a multi-scalar mapping and so stays alone, as in simple folding). Every cased
/// scalar is below U+20000, so only that part of the code space is scanned (a few milliseconds, once).
struct CaseFolding: Sendable {
    static let shared = CaseFolding()

    /// Sorted scalars that have at least one case variant.
    private let keys: [UInt32]
    /// For each key, the index of its orbit.
    private let orbitOfKey: [Int32]
    /// Each orbit's members, sorted.
    private let orbits: [[UInt32]]

    private init() {
        var parent: [UInt32: UInt32] = [:]
        func root(_ scalar: UInt32) -> UInt32 {
            var current = scalar
            while let up = parent[current], up != current { current = up }
            return current
        }
        func join(_ first: UInt32, _ second: UInt32) {
            if parent[first] == nil { parent[first] = first }
            if parent[second] == nil { parent[second] = second }
            let rootFirst = root(first)
            let rootSecond = root(second)
            if rootFirst != rootSecond { parent[max(rootFirst, rootSecond)] = min(rootFirst, rootSecond) }
        }
        for value in UInt32(0)..<0x2_0000 {
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseMapped else { continue }
            let properties = scalar.properties
            for mapping in [properties.lowercaseMapping, properties.uppercaseMapping, properties.titlecaseMapping] {
                var iterator = mapping.unicodeScalars.makeIterator()
                guard let target = iterator.next(), iterator.next() == nil, target.value != value else { continue }
                // U+0131 DOTLESS I upper-cases to I, but simple case folding keeps it apart from I and i.
                if value == 0x131 && target.value == 0x49 { continue }
                join(value, target.value)
            }
        }
        var members: [UInt32: [UInt32]] = [:]
        for scalar in parent.keys {
            members[root(scalar), default: []].append(scalar)
        }
        var orbits: [[UInt32]] = []
        var orbitOf: [UInt32: Int32] = [:]
        for (_, list) in members.sorted(by: { $0.key < $1.key }) where list.count > 1 {
            for scalar in list { orbitOf[scalar] = Int32(orbits.count) }
            orbits.append(list.sorted())
        }
        let keys = orbitOf.keys.sorted()
        self.keys = keys
        self.orbitOfKey = keys.map { orbitOf[$0] ?? 0 }
        self.orbits = orbits
    }

    /// The scalars equal to `scalar` under simple case folding, itself included.
    func variants(of scalar: UInt32) -> [UInt32] {
        let index = firstKey(atLeast: scalar)
        guard index < keys.count, keys[index] == scalar else { return [scalar] }
        return orbits[Int(orbitOfKey[index])]
    }

    /// Appends the case variants of every member of `range`.
    func addVariants(of range: ScalarRange, to result: inout [ScalarRange]) {
        var index = firstKey(atLeast: range.lower)
        while index < keys.count, keys[index] <= range.upper {
            for variant in orbits[Int(orbitOfKey[index])] where variant < range.lower || variant > range.upper {
                result.append(ScalarRange(variant, variant))
            }
            index += 1
        }
    }

    private func firstKey(atLeast scalar: UInt32) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < scalar {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low
    }
}
