/// A regular expression with RE2's syntax subset, matched in time linear in the input.
///
/// Matching never backtracks: the pattern is compiled to an automaton (a Thompson NFA run as a lazily built
/// DFA), so the time is proportional to the length of the input for every pattern, including ones such as
/// `(a+)+$` that take a backtracking engine exponential time. `matches(_:)` is a search: it is
/// true when the pattern matches anywhere in the input, as RE2's `PartialMatch` or Python's `re.search`; anchor
/// with `^...$` (or `\A...\z`) to match the whole input. Matching works on Unicode scalars (code points).
///
/// Supported syntax:
///
/// - Literals: any character stands for itself except the metacharacters `\ . + * ? ( ) [ ] { } | ^ $`.
///   A `{` that does not start a repetition count is a literal, as is `}` and a `]` outside a class.
/// - Escapes: `\.` `\\` `\*` and so on (a backslash before any ASCII punctuation or space makes it literal),
///   `\t \n \r \f \v \a`, `\0` and up to two more octal digits, `\xHH`, `\x{H...}` (up to `\x{10FFFF}`),
///   and `\Q...\E` (everything between is literal).
/// - `.` matches any character except `\n`; with the `s` flag, also `\n`.
/// - Classes: `[abc]`, ranges `[a-z0-9]`, negation `[^...]`, escapes inside (`[\d.\-]`, `[\]\\]`), `]` first
///   (`[]a]`) and `-` first or last are literal. POSIX classes inside brackets: `[[:alpha:]]`, `[[:^space:]]`
///   with `alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit` (ASCII).
/// - Perl classes (ASCII, as RE2): `\d` = `[0-9]`, `\w` = `[0-9A-Za-z_]`, `\s` = `[\t\n\f\r ]`, and their
///   negations `\D \W \S`.
/// - Anchors: `^` and `$` match at the start and end of the text (`$` does not match before a final `\n`); with
///   the `m` flag, also after and before every `\n`. `\A` and `\z` always match only at the start and end.
///   `\b` is a word boundary and `\B` its negation, with ASCII word characters (so `\B` matches an empty
///   text, as in RE2).
/// - Groups: `(...)`, `(?:...)`, `(?P<name>...)`, `(?<name>...)`; they only group (nothing is captured).
/// - Alternation `a|b`; empty alternatives (`a|`, `(|a)`) match the empty string.
/// - Repetition: `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (n, m ≤ 1000), and the lazy forms `*?`, `+?`, `??`,
///   `{n,m}?` (which give the same yes/no answer). `{,n}` is literal text, as in RE2.
/// - Flags: `(?i)` case-insensitive, `(?s)` `.` matches `\n`, `(?m)` multi-line `^`/`$`, `(?U)` (accepted,
///   no effect on the answer), combined and negated: `(?im)`, `(?-i)`, `(?i-s)`. `(?flags)` applies to the
///   rest of the enclosing group; `(?flags:...)` only inside. Case-insensitive matching uses Unicode simple
///   case folding, one character at a time: `(?i)été` matches `ÉTÉ` and `(?i)k` matches `K` and the Kelvin
///   sign, but `(?i)straße` does not match `STRASSE`. Classes and `\w`, `\d`... are folded too.
///
/// Refused with a ``RegexSyntaxError``: backreferences (`\1`, `\k<name>`, `(?P=name)`), lookahead and
/// lookbehind (`(?=` `(?!` `(?<=` `(?<!`), atomic groups `(?>`, possessive quantifiers (`a*+`), a quantifier
/// after a quantifier (`a**`, `a{2}{3}`), Unicode property classes `\p{...}` `\P{...}`, `\C`, `\Z` and other
/// unknown escapes, counts above 1000 or with min > max, unbalanced parentheses and brackets, reversed ranges
/// (`[z-a]`), a quantifier with nothing to repeat (`*a`), a trailing backslash, groups nested more than 250
/// deep, and patterns that compile to more than 10,000 instructions once counted repetitions are expanded.
public struct LinearRegex: Sendable {
    /// The pattern as given to ``init(_:caseInsensitive:)``.
    public let pattern: String
    private let engine: Engine

    private enum Engine: Sendable {
        /// A literal (perhaps ASCII-case-insensitive): a plain substring search.
        case literal(LiteralSearch)
        case automaton(LazyDFA)
    }

    /// Parses and compiles `pattern`; `caseInsensitive: true` is the same as starting it with `(?i)`.
    public init(_ pattern: String, caseInsensitive: Bool = false) throws(RegexSyntaxError) {
        self.pattern = pattern
        var parser = RegexParser(pattern, caseInsensitive: caseInsensitive)
        let root = try parser.parse()
        if let literal = LiteralSearch(root) {
            engine = .literal(literal)
        } else {
            engine = .automaton(LazyDFA(try RegexProgram(root)))
        }
    }

    /// True when the pattern matches anywhere in `input` (a search, like RE2's PartialMatch / Python's re.search).
    public func matches(_ input: String) -> Bool {
        if let result = input.utf8.withContiguousStorageIfAvailable({ matches(utf8: $0) }) { return result }
        var copy = input
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable { matches(utf8: $0) } ?? false
    }

    /// True when the pattern matches anywhere in `input`, which is treated as a whole text: `^` and `\A` match at
    /// its start, `\b` does not look at the scalar before it.
    public func matches(_ input: Substring) -> Bool {
        if let result = input.utf8.withContiguousStorageIfAvailable({ matches(utf8: $0) }) { return result }
        return matches(String(input))
    }

    /// True when the pattern matches anywhere in `text`, valid UTF-8 taken as a whole text.
    func matches(utf8 text: UnsafeBufferPointer<UInt8>) -> Bool {
        Self.run(engine, on: text)
    }

    /// (Takes the engine borrowed: a match costs no reference counting.)
    private static func run(_ engine: borrowing Engine, on text: UnsafeBufferPointer<UInt8>) -> Bool {
        switch engine {
        case .literal(let literal): literal.occurs(in: text)
        case .automaton(let automaton): automaton.matches(text)
        }
    }

    /// For tests: whether the substring-search fast path is used.
    var usesLiteralSearch: Bool {
        if case .literal = engine { return true }
        return false
    }

    /// For tests: whether the automaton skips ahead with a ``ByteScanner`` while no match is under way.
    var usesStartScanner: Bool {
        guard case .automaton(let automaton) = engine else { return false }
        return automaton.program.startScanner != nil
    }

    /// For tests: the size of the compiled program, and the lazy DFA's states and cache flushes so far.
    var automatonStatistics: (instructions: Int, states: Int, resets: Int)? {
        guard case .automaton(let automaton) = engine else { return nil }
        let statistics = automaton.statistics
        return (automaton.program.instructionCount, statistics.states, statistics.resets)
    }
}

/// A substring search for patterns that are a plain literal, optionally ASCII-case-insensitive (only when no
/// letter of it has a non-ASCII case variant, as `k` and `s` do). It scans for the literal's rarest byte (by
/// English letter frequency) 16 bytes at a time, then compares the whole literal around each candidate.
private struct LiteralSearch: Sendable {
    /// The literal's UTF-8, with ASCII letters in lower case when folded.
    let needle: [UInt8]
    /// 0x20 for a folded ASCII letter (compare `byte | 0x20`), else 0.
    let masks: [UInt8]
    /// The offset in the literal of the byte scanned for, and the scanner for it (both cases when folded).
    let anchor: Int
    let scanner: ByteScanner?

    static let maxLength = 64
    /// ASCII lower-case letters from the most to the least frequent in English text.
    private static let letterFrequency = Array("etaoinsrhldcumfpgwybvkxjqz".utf8)

    init?(_ root: RegexNode) {
        var needle: [UInt8] = []
        var masks: [UInt8] = []
        let items: [RegexNode]
        switch root {
        case .empty: items = []
        case .set: items = [root]
        case .concatenation(let list): items = list
        default: return nil
        }
        for item in items {
            guard case .set(let set) = item else { return nil }
            if let scalar = set.singleScalar, let unicode = Unicode.Scalar(scalar) {
                let bytes = Array(String(unicode).utf8)
                needle += bytes
                masks += Array(repeating: 0, count: bytes.count)
            } else if set.count(upTo: 3) == 2, set.ranges.count == 2, set.ranges[1].lower < 0x80,
                set.ranges[1].lower == set.ranges[0].lower | 0x20, (0x61...0x7A).contains(set.ranges[1].lower)
            {
                needle.append(UInt8(set.ranges[1].lower))
                masks.append(0x20)
            } else {
                return nil
            }
        }
        guard needle.count <= Self.maxLength else { return nil }
        self.needle = needle
        self.masks = masks
        let rarity = needle.indices.map { Self.rarity(needle[$0], folded: masks[$0] != 0) }
        anchor = rarity.indices.max { rarity[$0] < rarity[$1] } ?? 0
        var anchorBytes: [UInt8] = []
        if !needle.isEmpty {
            anchorBytes.append(needle[anchor])
            if masks[anchor] != 0 { anchorBytes.append(needle[anchor] & ~0x20) }
        }
        scanner = ByteScanner(anchorBytes)
    }

    /// Higher is rarer in typical mail text.
    private static func rarity(_ byte: UInt8, folded: Bool) -> Int {
        switch byte {
        case 0x20: 0
        case 0x61...0x7A: 1 + (letterFrequency.firstIndex(of: byte) ?? 0) - (folded ? 1 : 0)
        case 0x41...0x5A: 30
        case 0x80...: 20
        default: 28
        }
    }

    func occurs(in text: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = needle.count
        guard length > 0, let scanner else { return true }
        guard text.count >= length else { return false }
        return needle.withUnsafeBufferPointer { needle in
            masks.withUnsafeBufferPointer { masks in
                // A candidate start `index` has the anchor byte at `index + anchor`.
                var position = scanner.next(in: text, from: anchor)
                while position < text.count {
                    let index = position - anchor
                    guard index + length <= text.count else { return false }
                    var offset = 0
                    while offset < length, text[index + offset] | masks[offset] == needle[offset] { offset += 1 }
                    if offset == length { return true }
                    position = scanner.next(in: text, from: position + 1)
                }
                return false
            }
        }
    }
}
