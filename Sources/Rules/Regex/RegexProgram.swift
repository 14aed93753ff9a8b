/// A Thompson NFA over Unicode scalars, plus the scalar classes the lazy DFA steps on.
///
/// Instructions are stored column-wise. `chars` consumes one scalar of set number `argument` and goes to `next`;
/// `split` goes to both `next` and `alternative`; `assertion` goes to `next` when the assertion bits in
/// `argument` hold at the current position; `match` ends a match.
///
/// The scalar space is partitioned into classes: two scalars are in the same class when every set of the
/// program contains both or neither, and both are word characters or neither, and both are `\n` or neither.
/// The DFA's transition table then has one column per class (plus one for the end of the text) instead of one
/// per scalar.
final class RegexProgram: Sendable {
    enum Opcode: UInt8, Sendable {
        case chars
        case split
        case assertion
        case match
    }

    static let maxInstructions = 10_000

    let opcodes: [Opcode]
    let arguments: [Int32]
    let next: [Int32]
    let alternative: [Int32]
    let start: Int32
    /// The pattern can only match at the start of the text (it begins with `\A` or a non-multiline `^`).
    let anchoredAtStart: Bool
    /// The union of the assertion bits used.
    let assertions: UInt8

    /// The class of each ASCII scalar.
    let asciiClass: [Int32]
    /// For scalars from U+0080: the class of `[highStarts[k], highStarts[k + 1])` is `highClasses[k]`.
    let highStarts: [UInt32]
    let highClasses: [Int32]
    /// The class of each scalar from U+0080 to U+07FF (two UTF-8 bytes: Latin, Greek, Cyrillic, Hebrew,
    /// Arabic...), when the pattern tells some of them apart; else empty (and they are all `highClasses[0]`).
    let twoByteClass: [Int32]
    /// The number of scalar classes; class `classCount` is the end of the text.
    let classCount: Int
    let classIsWord: [Bool]
    let classIsNewline: [Bool]
    /// Bit `c` of set `s` is bit `c % 64` of `setClassBits[s * wordsPerSet + c / 64]`.
    let setClassBits: [UInt64]
    let wordsPerSet: Int
    /// The bytes that can begin a match, when there are few, the pattern is not anchored and its first step
    /// needs no assertion: in its idle state (no match under way) the DFA skips every other byte.
    let startScanner: ByteScanner?

    var instructionCount: Int { opcodes.count }

    /// Compiles a parsed pattern; throws "pattern too large" past ``maxInstructions``.
    init(_ root: RegexNode) throws(RegexSyntaxError) {
        guard try Self.size(of: root) + 1 <= Self.maxInstructions else {
            throw RegexSyntaxError(position: 0, message: RegexSyntaxError.tooLarge)
        }
        var builder = Builder()
        let matchPC = builder.add(.match, argument: 0, next: -1)
        start = builder.emit(root, next: matchPC)
        opcodes = builder.opcodes
        arguments = builder.arguments
        next = builder.next
        alternative = builder.alternative
        assertions = builder.assertions
        anchoredAtStart = Self.isAnchoredAtStart(root)

        let classes = ScalarClasses(sets: builder.sets)
        asciiClass = classes.asciiClass
        highStarts = classes.highStarts
        highClasses = classes.highClasses
        if classes.highStarts.count > 1, classes.highStarts[1] < 0x800 {
            var table: [Int32] = []
            table.reserveCapacity(0x800 - 0x80)
            var range = 0
            for scalar in UInt32(0x80)..<0x800 {
                while range + 1 < classes.highStarts.count, classes.highStarts[range + 1] <= scalar { range += 1 }
                table.append(classes.highClasses[range])
            }
            twoByteClass = table
        } else {
            twoByteClass = []
        }
        classCount = classes.count
        classIsWord = classes.isWord
        classIsNewline = classes.isNewline
        setClassBits = classes.setBits
        wordsPerSet = classes.wordsPerSet
        startScanner = anchoredAtStart ? nil : Self.startScanner(builder, start: start)
    }

    /// The scanner for the lead bytes of the scalars the `chars` instructions reachable from `start` by `split`
    /// edges accept; nil when an assertion or `match` is reachable too, or when there are many such bytes.
    private static func startScanner(_ builder: Builder, start: Int32) -> ByteScanner? {
        var seen = Set<Int32>()
        var stack = [start]
        var bytes = Set<UInt8>()
        while let pc = stack.popLast() {
            guard seen.insert(pc).inserted else { continue }
            let index = Int(pc)
            switch builder.opcodes[index] {
            case .chars:
                let set = builder.sets[Int(builder.arguments[index])]
                guard set.count(upTo: 17) <= 16 else { return nil }
                for range in set.ranges {
                    for scalar in range.lower...range.upper { bytes.insert(UTF8Scalars.leadByte(of: scalar)) }
                }
            case .split:
                stack += [builder.next[index], builder.alternative[index]]
            case .assertion, .match:
                return nil
            }
        }
        return ByteScanner(bytes)
    }

    /// The class of a scalar at or above U+0080.
    @inline(__always)
    func highClass(of scalar: UInt32) -> Int {
        if scalar < 0x800 {
            return twoByteClass.isEmpty ? Int(highClasses[0]) : Int(twoByteClass[Int(scalar) - 0x80])
        }
        var low = 0
        var high = highStarts.count
        while high - low > 1 {
            let mid = (low + high) / 2
            if highStarts[mid] <= scalar {
                low = mid
            } else {
                high = mid
            }
        }
        return Int(highClasses[low])
    }

    func classOf(_ scalar: UInt32) -> Int {
        scalar < 0x80 ? Int(asciiClass[Int(scalar)]) : highClass(of: scalar)
    }

    /// Whether the `chars` instruction at `pc` accepts scalars of class `scalarClass`.
    @inline(__always)
    func accepts(_ pc: Int, _ scalarClass: Int) -> Bool {
        let word = setClassBits[Int(arguments[pc]) * wordsPerSet + scalarClass >> 6]
        return word & (1 << UInt64(scalarClass & 63)) != 0
    }

    // MARK: - Size and shape

    /// The number of instructions `node` compiles to (without the final `match`).
    private static func size(of node: RegexNode) throws(RegexSyntaxError) -> Int {
        switch node {
        case .empty:
            return 0
        case .set, .assertion:
            return 1
        case .concatenation(let items):
            var total = 0
            for item in items {
                total += try size(of: item)
                if total > maxInstructions { throw RegexSyntaxError(position: 0, message: RegexSyntaxError.tooLarge) }
            }
            return total
        case .alternation(let branches):
            var total = branches.count - 1
            for branch in branches {
                total += try size(of: branch)
                if total > maxInstructions { throw RegexSyntaxError(position: 0, message: RegexSyntaxError.tooLarge) }
            }
            return total
        case .repetition(let operand, let min, let max, let position):
            let one = try size(of: operand)
            let total: Int
            if let max {
                total = min * one + (max - min) * (one + 1)
            } else {
                total = Swift.max(min, 1) * one + 1
            }
            if total > maxInstructions {
                throw RegexSyntaxError(position: position, message: RegexSyntaxError.tooLarge)
            }
            return total
        }
    }

    private static func isAnchoredAtStart(_ node: RegexNode) -> Bool {
        switch node {
        case .assertion(let assertion):
            assertion == .beginText
        case .concatenation(let items):
            items.first.map(isAnchoredAtStart) ?? false
        case .alternation(let branches):
            branches.allSatisfy(isAnchoredAtStart)
        case .repetition(let operand, let min, _, _):
            min > 0 && isAnchoredAtStart(operand)
        case .empty, .set:
            false
        }
    }
}

/// Emits instructions back to front: each node is compiled knowing the instruction that follows it, so no
/// jumps or patching are needed.
private struct Builder {
    var opcodes: [RegexProgram.Opcode] = []
    var arguments: [Int32] = []
    var next: [Int32] = []
    var alternative: [Int32] = []
    var sets: [ScalarSet] = []
    var setIndex: [ScalarSet: Int32] = [:]
    var assertions: UInt8 = 0

    mutating func add(_ opcode: RegexProgram.Opcode, argument: Int32, next: Int32, alternative: Int32 = -1) -> Int32 {
        opcodes.append(opcode)
        arguments.append(argument)
        self.next.append(next)
        self.alternative.append(alternative)
        return Int32(opcodes.count - 1)
    }

    mutating func emit(_ node: RegexNode, next: Int32) -> Int32 {
        switch node {
        case .empty:
            return next
        case .set(let set):
            let id: Int32
            if let existing = setIndex[set] {
                id = existing
            } else {
                id = Int32(sets.count)
                sets.append(set)
                setIndex[set] = id
            }
            return add(.chars, argument: id, next: next)
        case .assertion(let assertion):
            assertions |= assertion.rawValue
            return add(.assertion, argument: Int32(assertion.rawValue), next: next)
        case .concatenation(let items):
            var entry = next
            for item in items.reversed() { entry = emit(item, next: entry) }
            return entry
        case .alternation(let branches):
            let entries = branches.map { emit($0, next: next) }
            var entry = entries[entries.count - 1]
            for branch in entries.dropLast().reversed() {
                entry = add(.split, argument: 0, next: branch, alternative: entry)
            }
            return entry
        case .repetition(let operand, let min, let max, _):
            var entry = next
            if let max {
                // x{min,max} = x…x (min times), then (max - min) nested optional copies: (x(x(x)?)?)?
                for _ in 0..<(max - min) {
                    let body = emit(operand, next: entry)
                    entry = add(.split, argument: 0, next: body, alternative: next)
                }
            } else {
                // A loop: L: split(body, next); body → L. With min ≥ 1 the loop is entered at its body (x+).
                let loop = add(.split, argument: 0, next: -1, alternative: next)
                let body = emit(operand, next: loop)
                self.next[Int(loop)] = body
                entry = min == 0 ? loop : body
            }
            for _ in 0..<Swift.max(min - (max == nil ? 1 : 0), 0) {
                entry = emit(operand, next: entry)
            }
            return entry
        }
    }
}

/// The partition of the scalar space described on ``RegexProgram``.
private struct ScalarClasses {
    var asciiClass: [Int32] = []
    var highStarts: [UInt32] = []
    var highClasses: [Int32] = []
    var count = 0
    var isWord: [Bool] = []
    var isNewline: [Bool] = []
    var setBits: [UInt64] = []
    var wordsPerSet = 1

    init(sets: [ScalarSet]) {
        let word = ScalarSet(normalizing: RegexParser.wordRanges)
        let newline = ScalarSet(0x0A)
        let all = sets + [word, newline]
        var points: Set<UInt32> = [0, 0x80]
        for set in all {
            for range in set.ranges {
                points.insert(range.lower)
                if range.upper < ScalarSet.maxScalar { points.insert(range.upper + 1) }
            }
        }
        let starts = points.sorted()
        // The signature of each elementary interval: which sets contain it.
        let signatureWords = (all.count + 63) / 64
        var signatures = [UInt64](repeating: 0, count: starts.count * signatureWords)
        for (setNumber, set) in all.enumerated() {
            for range in set.ranges {
                var interval = Self.firstIndex(in: starts, atLeast: range.lower)
                while interval < starts.count, starts[interval] <= range.upper {
                    signatures[interval * signatureWords + setNumber / 64] |= 1 << UInt64(setNumber % 64)
                    interval += 1
                }
            }
        }
        var classOfSignature: [ArraySlice<UInt64>: Int32] = [:]
        var intervalClass: [Int32] = []
        intervalClass.reserveCapacity(starts.count)
        var classSignatures: [ArraySlice<UInt64>] = []
        for interval in starts.indices {
            let signature = signatures[(interval * signatureWords)..<((interval + 1) * signatureWords)]
            if let known = classOfSignature[signature] {
                intervalClass.append(known)
            } else {
                let id = Int32(classSignatures.count)
                classOfSignature[signature] = id
                classSignatures.append(signature)
                intervalClass.append(id)
            }
        }
        count = classSignatures.count

        func has(_ signature: ArraySlice<UInt64>, _ setNumber: Int) -> Bool {
            signature[signature.startIndex + setNumber / 64] & (1 << UInt64(setNumber % 64)) != 0
        }
        isWord = classSignatures.map { has($0, sets.count) } + [false]
        isNewline = classSignatures.map { has($0, sets.count + 1) } + [false]

        wordsPerSet = (count + 1 + 63) / 64
        setBits = [UInt64](repeating: 0, count: max(sets.count, 1) * wordsPerSet)
        for (id, signature) in classSignatures.enumerated() {
            for setNumber in sets.indices where has(signature, setNumber) {
                setBits[setNumber * wordsPerSet + id / 64] |= 1 << UInt64(id % 64)
            }
        }

        var interval = 0
        for scalar in UInt32(0)..<0x80 {
            while interval + 1 < starts.count, starts[interval + 1] <= scalar { interval += 1 }
            asciiClass.append(intervalClass[interval])
        }
        for index in starts.indices where starts[index] >= 0x80 {
            if let last = highClasses.last, last == intervalClass[index] { continue }
            highStarts.append(starts[index])
            highClasses.append(intervalClass[index])
        }
    }

    private static func firstIndex(in sorted: [UInt32], atLeast value: UInt32) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low
    }
}
