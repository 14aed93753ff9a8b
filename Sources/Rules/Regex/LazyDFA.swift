import Synchronization

/// Matches a ``RegexProgram`` with a DFA built lazily, one transition at a time, by subset construction.
///
/// A DFA state is a set of NFA instructions (after following epsilon edges) plus, when the set holds
/// assertions not yet decided, a few bits of context about the previous scalar (start of text, `\n`, word
/// character). An assertion is decided when the next scalar is known: the transition first follows the
/// assertions that hold between the previous and the next scalar, then steps on the next scalar. The end of the
/// text is one more column of the table.
///
/// Each input scalar costs one table lookup, or, on a miss, one subset computation in O(program size), so a
/// match is linear in the input whatever the pattern. The cache is bounded: past ``DFACache/maxStates`` states
/// or ``DFACache/maxEntries`` table entries it is emptied and rebuilt from the current state on.
///
/// `LinearRegex` is `Sendable` and shared between tasks, so the caches sit behind mutexes: a call takes the
/// first free one of a few slots (`withLockIfAvailable`, never waiting), and if all are busy, builds a private
/// cache for the call.
final class LazyDFA: Sendable {
    static let slotCount = 4

    let program: RegexProgram
    private let slots: [CacheSlot]

    init(_ program: RegexProgram) {
        self.program = program
        slots = (0..<Self.slotCount).map { _ in CacheSlot(DFACache(program)) }
    }

    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        for slot in slots {
            if let result = slot.cache.withLockIfAvailable({ cache in cache.matches(text) }) {
                return result
            }
        }
        var cache = DFACache(program)
        return cache.matches(text)
    }

    /// For tests: the states and flushes of the first slot's cache.
    var statistics: (states: Int, resets: Int) {
        slots[0].cache.withLock { ($0.stateCount, $0.resets) }
    }
}

private final class CacheSlot: Sendable {
    let cache: Mutex<DFACache>

    init(_ cache: DFACache) {
        self.cache = Mutex(cache)
    }
}

/// The transition table and states of one lazy DFA. Not thread-safe; see ``LazyDFA``.
struct DFACache {
    static let maxStates = 2_000
    /// Table entries plus instruction-set entries (4 bytes each) kept before the cache is emptied.
    static let maxEntries = 1 << 19

    /// Special transition targets. A real state is its row's offset in `transitions` (its number × `stride`),
    /// so that a step costs no multiplication.
    static let unknown: Int32 = -1
    static let matched: Int32 = -2
    static let dead: Int32 = -3

    // Context bits of a state.
    static let atStart: UInt8 = 1
    static let afterNewline: UInt8 = 2
    static let afterWord: UInt8 = 4

    private struct Key: Hashable {
        var instructions: [Int32]
        var context: UInt8
    }

    private let program: RegexProgram
    private let stride: Int
    /// The context bits that some assertion of the program can look at.
    private let contextMask: UInt8

    private var transitions: [Int32] = []
    private var stateInstructions: [[Int32]] = []
    private var stateContext: [UInt8] = []
    private var statePending: [Bool] = []
    private var stateIndex: [Key: Int32] = [:]
    private var entries = 0
    private var startState = DFACache.unknown
    /// The state with no match under way, where ``RegexProgram/startScanner`` may skip ahead (`Int32.min`: none).
    private var idleState = Int32.min
    private(set) var resets = 0

    // Scratch space for the epsilon closure.
    private var marks: [UInt32]
    private var generation: UInt32 = 0
    private var stack: [Int32] = []

    init(_ program: RegexProgram) {
        self.program = program
        stride = program.classCount + 1
        var mask: UInt8 = 0
        let used = program.assertions
        if used & (RegexAssertion.beginText.rawValue | RegexAssertion.beginLine.rawValue) != 0 { mask |= Self.atStart }
        if used & RegexAssertion.beginLine.rawValue != 0 { mask |= Self.afterNewline }
        if used & (RegexAssertion.wordBoundary.rawValue | RegexAssertion.notWordBoundary.rawValue) != 0 {
            mask |= Self.afterWord
        }
        contextMask = mask
        marks = [UInt32](repeating: 0, count: program.instructionCount)
    }

    var stateCount: Int { stateInstructions.count }

    /// Whether the program matches anywhere in `text` (valid UTF-8).
    mutating func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var state = initialState()
        var index = 0
        while state >= 0 {
            // Run on cached transitions; stop at a miss (the scalar at `index` of class `missed` is consumed).
            let (stopState, stopIndex, missed) = scan(text, from: index, in: state)
            if missed < 0 { return stopState == Self.matched }
            state = transition(from: stopState, on: missed)
            index = stopIndex
        }
        return state == Self.matched
    }

    /// Steps from `state` over `text[index...]` while the transitions are cached. Returns the final answer
    /// (`matched` or `dead`, and class -1), or the state, input position and scalar class of the first
    /// transition not yet computed (class `classCount`: the end of the text).
    private func scan(
        _ text: UnsafeBufferPointer<UInt8>, from start: Int, in initial: Int32
    ) -> (state: Int32, index: Int, missed: Int) {
        let endOfText = program.classCount
        let idle = idleState
        let scanner = program.startScanner
        return transitions.withUnsafeBufferPointer { table in
            program.asciiClass.withUnsafeBufferPointer { asciiClass in
                var state = initial
                var index = start
                let count = text.count
                while index < count {
                    if state == idle, let scanner {
                        index = scanner.next(in: text, from: index)
                        if index == count { break }
                    }
                    let byte = text[index]
                    let scalarClass: Int
                    if byte < 0x80 {
                        scalarClass = Int(asciiClass[Int(byte)])
                        index &+= 1
                    } else {
                        let (scalar, length) = UTF8Scalars.decodeMultiByte(text, at: index)
                        scalarClass = program.highClass(of: scalar)
                        index &+= length
                    }
                    let target = table[Int(state) &+ scalarClass]
                    if target < 0 {
                        if target == Self.unknown { return (state, index, scalarClass) }
                        return (target, index, -1)
                    }
                    state = target
                }
                let target = table[Int(state) &+ endOfText]
                if target == Self.unknown { return (state, index, endOfText) }
                return (target == Self.matched ? Self.matched : Self.dead, index, -1)
            }
        }
    }

    // MARK: - Construction

    private mutating func initialState() -> Int32 {
        if startState != Self.unknown { return startState }
        let (instructions, matched, pending) = closure([program.start], holding: 0, keepPending: true)
        if matched {
            startState = Self.matched
        } else if instructions.isEmpty {
            startState = Self.dead
        } else {
            let state = self.state(instructions.sorted(), context: pending ? Self.atStart & contextMask : 0, pending)
            startState = state
            // Without pending assertions the start state is also the state after any scalar that starts nothing.
            if !pending, !program.anchoredAtStart { idleState = state }
        }
        return startState
    }

    /// Computes, caches and returns the transition from `state` on `scalarClass` (`classCount`: end of text).
    private mutating func transition(from state: Int32, on scalarClass: Int) -> Int32 {
        let endOfText = scalarClass == program.classCount
        let id = Int(state) / stride
        var current = stateInstructions[id]
        if statePending[id] {
            let holding = holdingAssertions(context: stateContext[id], next: scalarClass)
            let (expanded, matched, _) = closure(current, holding: holding, keepPending: false)
            if matched { return record(state, scalarClass, Self.matched) }
            current = expanded
        }
        if endOfText { return record(state, scalarClass, Self.dead) }
        var seeds: [Int32] = []
        seeds.reserveCapacity(current.count + 1)
        for pc in current where program.opcodes[Int(pc)] == .chars && program.accepts(Int(pc), scalarClass) {
            seeds.append(program.next[Int(pc)])
        }
        if !program.anchoredAtStart { seeds.append(program.start) }
        let (instructions, matched, pending) = closure(seeds, holding: 0, keepPending: true)
        if matched { return record(state, scalarClass, Self.matched) }
        if instructions.isEmpty { return record(state, scalarClass, Self.dead) }
        var context: UInt8 = 0
        if pending {
            if program.classIsWord[scalarClass] { context |= Self.afterWord }
            if program.classIsNewline[scalarClass] { context |= Self.afterNewline }
            context &= contextMask
        }
        let resetsBefore = resets
        let target = self.state(instructions.sorted(), context: context, pending)
        // After a flush `state` no longer exists; the caller carries on from `target`.
        return resets == resetsBefore ? record(state, scalarClass, target) : target
    }

    @inline(__always)
    private mutating func record(_ state: Int32, _ scalarClass: Int, _ target: Int32) -> Int32 {
        transitions[Int(state) + scalarClass] = target
        return target
    }

    /// The assertion bits that hold between a scalar described by `context` and one of class `next`.
    private func holdingAssertions(context: UInt8, next: Int) -> UInt8 {
        var holding: UInt8 = 0
        if context & Self.atStart != 0 {
            holding |= RegexAssertion.beginText.rawValue | RegexAssertion.beginLine.rawValue
        }
        if context & Self.afterNewline != 0 { holding |= RegexAssertion.beginLine.rawValue }
        let endOfText = next == program.classCount
        if endOfText {
            holding |= RegexAssertion.endText.rawValue | RegexAssertion.endLine.rawValue
        } else if program.classIsNewline[next] {
            holding |= RegexAssertion.endLine.rawValue
        }
        let nextIsWord = !endOfText && program.classIsWord[next]
        let boundary = (context & Self.afterWord != 0) != nextIsWord
        holding |= boundary ? RegexAssertion.wordBoundary.rawValue : RegexAssertion.notWordBoundary.rawValue
        return holding
    }

    /// Follows `split` edges, and `assertion` edges whose bits are in `holding`, from `seeds`. Returns the
    /// `chars` and `match` instructions reached (and, with `keepPending`, the assertions not followed), whether
    /// `match` was reached, and whether any assertion was kept.
    private mutating func closure(
        _ seeds: [Int32], holding: UInt8, keepPending: Bool
    ) -> (instructions: [Int32], matched: Bool, pending: Bool) {
        generation &+= 1
        if generation == 0 {
            for index in marks.indices { marks[index] = 0 }
            generation = 1
        }
        var output: [Int32] = []
        var matched = false
        var pending = false
        stack.removeAll(keepingCapacity: true)
        stack.append(contentsOf: seeds.reversed())
        while let pc = stack.popLast() {
            let index = Int(pc)
            if marks[index] == generation { continue }
            marks[index] = generation
            switch program.opcodes[index] {
            case .chars:
                output.append(pc)
            case .match:
                matched = true
                output.append(pc)
            case .split:
                stack.append(program.alternative[index])
                stack.append(program.next[index])
            case .assertion:
                if UInt8(program.arguments[index]) & holding != 0 {
                    stack.append(program.next[index])
                } else if keepPending {
                    output.append(pc)
                    pending = true
                }
            }
        }
        return (output, matched, pending)
    }

    /// The state (row offset) for a sorted instruction set, created (flushing the cache first if it is full)
    /// if new.
    private mutating func state(_ instructions: [Int32], context: UInt8, _ pending: Bool) -> Int32 {
        let key = Key(instructions: instructions, context: context)
        if let known = stateIndex[key] { return known }
        if stateInstructions.count >= Self.maxStates || entries + stride + instructions.count > Self.maxEntries {
            transitions.removeAll(keepingCapacity: true)
            stateInstructions.removeAll(keepingCapacity: true)
            stateContext.removeAll(keepingCapacity: true)
            statePending.removeAll(keepingCapacity: true)
            stateIndex.removeAll(keepingCapacity: true)
            entries = 0
            startState = Self.unknown
            idleState = Int32.min
            resets += 1
        }
        let id = Int32(stateInstructions.count * stride)
        stateInstructions.append(instructions)
        stateContext.append(context)
        statePending.append(pending)
        stateIndex[key] = id
        transitions.append(contentsOf: repeatElement(Self.unknown, count: stride))
        entries += stride + instructions.count
        return id
    }
}
