/// Case-equivalence classes ("orbits") under Unicode simple case folding: `k`, `K` and KELVIN SIGN form one,
/// `s`, `S` and LATIN SMALL LETTER LONG S another, `é` and `É` a third.
///
/// The standard library exposes no case-folding table, so the orbits are derived once, on first use, from the
/// single-scalar lower/upper/title case mappings of `Unicode.Scalar.Properties` (the scalars they connect are
/// exactly those that simple case folding identifies, except U+0131 DOTLESS I, whose upper case `I` folds to
/// `i`, not to it; U+0130 has only a multi-scalar mapping and so stays alone, as in simple folding). Every cased
/// scalar is below U+20000, so only that part of the code space is scanned (a few milliseconds, once).
///
/// Besides the variants a case-insensitive pattern accepts, it gives each scalar its folded form
/// (``folded(_:)``): one member chosen per orbit, so that two scalars are case variants of each other exactly
/// when their folded forms are equal.
struct CaseFolding: Sendable {
    static let shared = CaseFolding()

    /// Sorted scalars that have at least one case variant.
    private let keys: [UInt32]
    /// For each key, the index of its orbit.
    private let orbitOfKey: [Int32]
    /// Each orbit's members, sorted.
    private let orbits: [[UInt32]]
    /// For each key, the member of its orbit that stands for the whole orbit: the lower-case ASCII letter when
    /// there is one (`k` for `K` and KELVIN SIGN), else the smallest member.
    private let foldOfKey: [UInt32]
    /// The folded form of each scalar from U+0080 to U+07FF (two UTF-8 bytes), without a search.
    private let twoByteFolds: [UInt32]

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
        let foldOfOrbit = orbits.map { orbit in orbit.first { (0x61...0x7A).contains($0) } ?? orbit[0] }
        foldOfKey = orbitOfKey.map { foldOfOrbit[Int($0)] }
        twoByteFolds = (UInt32(0x80)..<0x800).map { scalar in
            orbitOf[scalar].map { foldOfOrbit[Int($0)] } ?? scalar
        }
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

    /// The member of `scalar`'s orbit that stands for it (itself when it has no case variant). Never longer in
    /// UTF-8 than `scalar`: it is an ASCII letter or the orbit's smallest member.
    @inline(__always)
    func folded(_ scalar: UInt32) -> UInt32 {
        if scalar < 0x80 { return Self.foldedASCII(scalar) }
        if scalar < 0x800 { return twoByteFolds[Int(scalar) - 0x80] }
        let index = firstKey(atLeast: scalar)
        guard index < keys.count, keys[index] == scalar else { return scalar }
        return foldOfKey[index]
    }

    /// ``folded(_:)`` for ASCII: the letters in lower case.
    @inline(__always)
    static func foldedASCII<Scalar: FixedWidthInteger>(_ scalar: Scalar) -> Scalar {
        scalar &- 0x41 < 26 ? scalar | 0x20 : scalar
    }

    /// The folded form of each scalar of `text`.
    func foldedScalars(_ text: String) -> [UInt32] {
        text.unicodeScalars.map { folded($0.value) }
    }

    /// `text` (valid UTF-8) with each scalar replaced by its folded form, as UTF-8, at most as long as `text`.
    ///
    /// Two texts are equal scalar by scalar under simple case folding exactly when their folded forms are equal
    /// byte for byte; one contains (starts with, ends with) the other exactly when their folded forms do, as
    /// UTF-8 is self-synchronizing. ASCII runs are folded 16 bytes at a time.
    func foldedUTF8(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard let base = text.baseAddress else { return [] }
        let count = text.count
        return [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            guard let outputBase = output.baseAddress else { return }
            var index = 0
            var written = 0
            while index < count {
                if index &+ 16 <= count {
                    let chunk = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
                    if chunk.max() < 0x80 {
                        let upper = (chunk &- 0x41) .< 26
                        let lowered = chunk.replacing(with: chunk | 0x20, where: upper)
                        UnsafeMutableRawPointer(outputBase + written).storeBytes(of: lowered, as: SIMD16<UInt8>.self)
                        index &+= 16
                        written &+= 16
                        continue
                    }
                }
                // One scalar at a time up to the end of the chunk (or of a scalar straddling it).
                let stop = min(index &+ 16, count)
                while index < stop {
                    let byte = base[index]
                    if byte < 0x80 {
                        outputBase[written] = Self.foldedASCII(byte)
                        index &+= 1
                        written &+= 1
                    } else {
                        let (scalar, length) = UTF8Scalars.decodeMultiByte(text, at: index)
                        index &+= length
                        if length == 1 {
                            // A truncated sequence (impossible in a string): kept, so the output never outgrows.
                            outputBase[written] = byte
                            written &+= 1
                        } else {
                            written &+= UTF8Scalars.encode(folded(scalar), into: output, at: written)
                        }
                    }
                }
            }
            initialized = written
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
