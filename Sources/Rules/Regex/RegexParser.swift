/// A zero-width assertion; the raw values are bits so a set of them fits in a byte.
enum RegexAssertion: UInt8, Sendable {
    case beginText = 1
    case endText = 2
    case beginLine = 4
    case endLine = 8
    case wordBoundary = 16
    case notWordBoundary = 32
}

/// The parsed form of a pattern. Groups leave no trace: they only shape the tree.
indirect enum RegexNode: Sendable {
    /// Matches the empty string.
    case empty
    /// One scalar from the set (case folding has already been applied).
    case set(ScalarSet)
    case assertion(RegexAssertion)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `max == nil` is unbounded; `position` is where the operator is, for errors.
    case repetition(RegexNode, min: Int, max: Int?, position: Int)
}

/// A recursive-descent parser for the RE2 syntax subset documented on ``LinearRegex``.
struct RegexParser {
    static let maxRepeat = 1000
    static let maxNesting = 250

    private struct Flags {
        var caseInsensitive: Bool
        var dotAll = false
        var multiline = false
    }

    /// What the last item of a concatenation was, to validate a following quantifier.
    private enum Last {
        case nothing
        case atom
        case repeated
    }

    /// A class member: one scalar (which may start a range) or a whole set (`\d`, `[:alpha:]`).
    private enum ClassAtom {
        case scalar(UInt32)
        case set(ScalarSet)
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var flags: Flags
    private var groupNames: Set<String> = []
    private var depth = 0

    init(_ pattern: String, caseInsensitive: Bool) {
        scalars = Array(pattern.unicodeScalars)
        flags = Flags(caseInsensitive: caseInsensitive)
    }

    mutating func parse() throws(RegexSyntaxError) -> RegexNode {
        let node = try parseAlternation()
        if index < scalars.count {
            // parseAlternation stops only at the end or at a ")" it has no group for.
            throw RegexSyntaxError(position: index, message: RegexSyntaxError.unexpectedClosingParenthesis)
        }
        return node
    }

    // MARK: - Structure

    private mutating func parseAlternation() throws(RegexSyntaxError) -> RegexNode {
        var branches = [try parseConcatenation()]
        while index < scalars.count, scalars[index] == "|" {
            index += 1
            branches.append(try parseConcatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseConcatenation() throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        var last = Last.nothing
        while index < scalars.count {
            let start = index
            switch scalars[index] {
            case "|", ")":
                return Self.concatenation(items)
            case "*":
                index += 1
                try repeatLast(&items, &last, min: 0, max: nil, at: start)
            case "+":
                index += 1
                try repeatLast(&items, &last, min: 1, max: nil, at: start)
            case "?":
                index += 1
                try repeatLast(&items, &last, min: 0, max: 1, at: start)
            case "{":
                if let (min, max) = try parseCount() {
                    try repeatLast(&items, &last, min: min, max: max, at: start)
                } else {
                    index += 1
                    items.append(literal("{"))
                    last = .atom
                }
            case "(":
                if let node = try parseGroup() {
                    items.append(node)
                    last = .atom
                } else {
                    last = .nothing
                }
            case "[":
                items.append(try parseClass())
                last = .atom
            case ".":
                index += 1
                items.append(.set(flags.dotAll ? .all : .allButNewline))
                last = .atom
            case "^":
                index += 1
                items.append(.assertion(flags.multiline ? .beginLine : .beginText))
                last = .atom
            case "$":
                index += 1
                items.append(.assertion(flags.multiline ? .endLine : .endText))
                last = .atom
            case "\\":
                let nodes = try parseEscape()
                if !nodes.isEmpty {
                    items += nodes
                    last = .atom
                }
            default:
                items.append(literal(scalars[index]))
                index += 1
                last = .atom
            }
        }
        return Self.concatenation(items)
    }

    private static func concatenation(_ items: [RegexNode]) -> RegexNode {
        switch items.count {
        case 0: .empty
        case 1: items[0]
        default: .concatenation(items)
        }
    }

    /// Applies a just-read quantifier (ending before `index`) to the last item, then reads a lazy `?`.
    private mutating func repeatLast(
        _ items: inout [RegexNode], _ last: inout Last, min: Int, max: Int?, at start: Int
    ) throws(RegexSyntaxError) {
        switch last {
        case .nothing:
            throw RegexSyntaxError(position: start, message: RegexSyntaxError.nothingToRepeat)
        case .repeated:
            throw RegexSyntaxError(position: start, message: RegexSyntaxError.badRepetition)
        case .atom:
            break
        }
        if index < scalars.count, scalars[index] == "?" {
            // Lazy: the same yes/no answer as greedy.
            index += 1
        } else if index < scalars.count, scalars[index] == "+" {
            throw RegexSyntaxError(position: index, message: RegexSyntaxError.possessive)
        }
        let operand = items.removeLast()
        items.append(.repetition(operand, min: min, max: max, position: start))
        last = .repeated
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` at `index`; nil (and `index` unchanged) when the text there is not one,
    /// in which case `{` is a literal, as in RE2.
    private mutating func parseCount() throws(RegexSyntaxError) -> (Int, Int?)? {
        let start = index
        var cursor = index + 1
        guard let min = number(at: &cursor), cursor < scalars.count else { return nil }
        let max: Int?
        if scalars[cursor] == "}" {
            max = min
        } else if scalars[cursor] == "," {
            cursor += 1
            if cursor < scalars.count, scalars[cursor] == "}" {
                max = nil
            } else if let upper = number(at: &cursor), cursor < scalars.count, scalars[cursor] == "}" {
                max = upper
            } else {
                return nil
            }
        } else {
            return nil
        }
        if min > Self.maxRepeat || (max ?? min) > Self.maxRepeat || (max ?? min) < min {
            throw RegexSyntaxError(position: start, message: RegexSyntaxError.invalidRepetitionCount)
        }
        index = cursor + 1
        return (min, max)
    }

    /// Reads decimal digits at `cursor` (saturating far above the repetition limit).
    private func number(at cursor: inout Int) -> Int? {
        var value = 0
        let start = cursor
        while cursor < scalars.count, let digit = Self.asciiDigit(scalars[cursor]) {
            value = Swift.min(value * 10 + digit, 1_000_000)
            cursor += 1
        }
        return cursor > start ? value : nil
    }

    private static func asciiDigit(_ scalar: Unicode.Scalar) -> Int? {
        scalar.value >= 0x30 && scalar.value <= 0x39 ? Int(scalar.value - 0x30) : nil
    }

    // MARK: - Groups

    /// Parses a group at `index` (a `(`). Returns nil for a flag setting such as `(?i)`, which changes the flags
    /// for the rest of the enclosing group.
    private mutating func parseGroup() throws(RegexSyntaxError) -> RegexNode? {
        let open = index
        index += 1
        guard index < scalars.count, scalars[index] == "?" else { return try groupBody(openedAt: open) }
        index += 1
        guard index < scalars.count else {
            throw RegexSyntaxError(position: open, message: RegexSyntaxError.missingClosingParenthesis)
        }
        switch scalars[index] {
        case ":":
            index += 1
            return try groupBody(openedAt: open)
        case "=", "!":
            throw RegexSyntaxError(position: open, message: RegexSyntaxError.lookaround)
        case ">":
            throw RegexSyntaxError(position: open, message: RegexSyntaxError.atomicGroup)
        case "<":
            if index + 1 < scalars.count, scalars[index + 1] == "=" || scalars[index + 1] == "!" {
                throw RegexSyntaxError(position: open, message: RegexSyntaxError.lookaround)
            }
            index += 1
            try parseGroupName(openedAt: open)
            return try groupBody(openedAt: open)
        case "P":
            index += 1
            if index < scalars.count, scalars[index] == "=" {
                throw RegexSyntaxError(position: open, message: RegexSyntaxError.backreference)
            }
            guard index < scalars.count, scalars[index] == "<" else {
                throw RegexSyntaxError(position: open, message: RegexSyntaxError.invalidGroup)
            }
            index += 1
            try parseGroupName(openedAt: open)
            return try groupBody(openedAt: open)
        default:
            return try parseFlags(openedAt: open)
        }
    }

    /// Reads `name>` at `index`.
    private mutating func parseGroupName(openedAt open: Int) throws(RegexSyntaxError) {
        var name = ""
        while index < scalars.count, scalars[index] != ">" {
            let scalar = scalars[index]
            guard scalar.isASCII, scalar.properties.isAlphabetic || Self.asciiDigit(scalar) != nil || scalar == "_"
            else {
                throw RegexSyntaxError(position: open, message: RegexSyntaxError.invalidGroupName)
            }
            name.unicodeScalars.append(scalar)
            index += 1
        }
        guard index < scalars.count, !name.isEmpty else {
            throw RegexSyntaxError(position: open, message: RegexSyntaxError.invalidGroupName)
        }
        index += 1
        guard groupNames.insert(name).inserted else {
            throw RegexSyntaxError(position: open, message: RegexSyntaxError.duplicateGroupName)
        }
    }

    /// Reads `flags)` or `flags:body)` at `index` (after `(?`).
    private mutating func parseFlags(openedAt open: Int) throws(RegexSyntaxError) -> RegexNode? {
        var updated = flags
        var negated = false
        var sawFlag = false
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "i":
                updated.caseInsensitive = !negated
            case "s":
                updated.dotAll = !negated
            case "m":
                updated.multiline = !negated
            case "U":
                break  // Ungreedy: swaps greedy and lazy, which changes no yes/no answer.
            case "-":
                guard !negated else { throw RegexSyntaxError(position: index, message: RegexSyntaxError.invalidFlag) }
                negated = true
                sawFlag = false
                index += 1
                continue
            case ")", ":":
                guard sawFlag else { throw RegexSyntaxError(position: index, message: RegexSyntaxError.invalidFlag) }
                index += 1
                if scalar == ")" {
                    flags = updated
                    return nil
                }
                let saved = flags
                flags = updated
                let body = try groupBody(openedAt: open)
                flags = saved
                return body
            default:
                let message =
                    scalar.properties.isAlphabetic ? RegexSyntaxError.invalidFlag : RegexSyntaxError.invalidGroup
                throw RegexSyntaxError(position: scalar.properties.isAlphabetic ? index : open, message: message)
            }
            sawFlag = true
            index += 1
        }
        throw RegexSyntaxError(position: open, message: RegexSyntaxError.missingClosingParenthesis)
    }

    /// Parses the alternation inside a group and its `)`; flags set inside do not leak out.
    private mutating func groupBody(openedAt open: Int) throws(RegexSyntaxError) -> RegexNode {
        depth += 1
        guard depth <= Self.maxNesting else {
            throw RegexSyntaxError(position: open, message: RegexSyntaxError.nestingTooDeep)
        }
        let saved = flags
        let node = try parseAlternation()
        guard index < scalars.count, scalars[index] == ")" else {
            throw RegexSyntaxError(position: open, message: RegexSyntaxError.missingClosingParenthesis)
        }
        index += 1
        flags = saved
        depth -= 1
        return node
    }

    // MARK: - Escapes

    /// Parses an escape at `index` (a backslash) outside a class: zero nodes for an empty `\Q\E`, several for
    /// `\Q...\E`, else one.
    private mutating func parseEscape() throws(RegexSyntaxError) -> [RegexNode] {
        let start = index
        index += 1
        guard index < scalars.count else {
            throw RegexSyntaxError(position: start, message: RegexSyntaxError.trailingBackslash)
        }
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case "A": return [.assertion(.beginText)]
        case "z": return [.assertion(.endText)]
        case "b": return [.assertion(.wordBoundary)]
        case "B": return [.assertion(.notWordBoundary)]
        case "d", "D", "w", "W", "s", "S": return [.set(perlClass(scalar))]
        case "p", "P":
            throw RegexSyntaxError(position: start, message: RegexSyntaxError.unicodeClass)
        case "1"..."9", "k", "g":
            throw RegexSyntaxError(position: start, message: RegexSyntaxError.backreference)
        case "Q":
            var nodes: [RegexNode] = []
            while index < scalars.count {
                if scalars[index] == "\\", index + 1 < scalars.count, scalars[index + 1] == "E" {
                    index += 2
                    break
                }
                nodes.append(literal(scalars[index]))
                index += 1
            }
            return nodes
        default:
            return [literal(try escapedScalar(scalar, escapeAt: start))]
        }
    }

    /// The scalar denoted by the escape `\` + `scalar` (already consumed; hex and octal digits are read from
    /// `index`).
    private mutating func escapedScalar(
        _ scalar: Unicode.Scalar, escapeAt start: Int
    ) throws(RegexSyntaxError) -> UInt32 {
        let invalid = RegexSyntaxError(position: start, message: RegexSyntaxError.invalidEscape)
        switch scalar {
        case "a": return 0x07
        case "f": return 0x0C
        case "t": return 0x09
        case "n": return 0x0A
        case "r": return 0x0D
        case "v": return 0x0B
        case "0":
            // Octal, as RE2: \0 then up to two more octal digits.
            var value: UInt32 = 0
            var digits = 0
            while digits < 2, index < scalars.count, scalars[index].value >= 0x30, scalars[index].value <= 0x37 {
                value = value * 8 + scalars[index].value - 0x30
                index += 1
                digits += 1
            }
            return value
        case "x":
            guard index < scalars.count else { throw invalid }
            if scalars[index] == "{" {
                var value: UInt32 = 0
                var digits = 0
                index += 1
                while index < scalars.count, let digit = Self.hexDigit(scalars[index]) {
                    value = Swift.min(value * 16 + digit, 0x11_0000)
                    digits += 1
                    index += 1
                }
                guard digits > 0, index < scalars.count, scalars[index] == "}" else { throw invalid }
                index += 1
                guard Unicode.Scalar(value) != nil else { throw invalid }
                return value
            }
            guard index + 1 < scalars.count, let high = Self.hexDigit(scalars[index]),
                let low = Self.hexDigit(scalars[index + 1])
            else { throw invalid }
            index += 2
            return high * 16 + low
        default:
            // Any ASCII punctuation may be escaped to stand for itself; letters, digits and `_` may not.
            if scalar.isASCII, !scalar.properties.isAlphabetic, Self.asciiDigit(scalar) == nil, scalar != "_" {
                return scalar.value
            }
            throw invalid
        }
    }

    private static func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: scalar.value - 0x30
        case 0x41...0x46: scalar.value - 0x41 + 10
        case 0x61...0x66: scalar.value - 0x61 + 10
        default: nil
        }
    }

    // MARK: - Classes

    /// `\d \D \w \W \s \S`, with ASCII meanings as in RE2; case folding applies before negation.
    private func perlClass(_ letter: Unicode.Scalar) -> ScalarSet {
        let positive: [ScalarRange]
        switch letter {
        case "d", "D": positive = [ScalarRange(0x30, 0x39)]
        case "s", "S": positive = [ScalarRange(0x09, 0x0A), ScalarRange(0x0C, 0x0D), ScalarRange(0x20, 0x20)]
        default: positive = Self.wordRanges
        }
        return folded(ScalarSet(normalizing: positive), negated: letter.properties.isUppercase)
    }

    static let wordRanges = [
        ScalarRange(0x30, 0x39), ScalarRange(0x41, 0x5A), ScalarRange(0x5F, 0x5F), ScalarRange(0x61, 0x7A),
    ]

    private static let posixClasses: [String: [ScalarRange]] = [
        "alnum": [ScalarRange(0x30, 0x39), ScalarRange(0x41, 0x5A), ScalarRange(0x61, 0x7A)],
        "alpha": [ScalarRange(0x41, 0x5A), ScalarRange(0x61, 0x7A)],
        "ascii": [ScalarRange(0x00, 0x7F)],
        "blank": [ScalarRange(0x09, 0x09), ScalarRange(0x20, 0x20)],
        "cntrl": [ScalarRange(0x00, 0x1F), ScalarRange(0x7F, 0x7F)],
        "digit": [ScalarRange(0x30, 0x39)],
        "graph": [ScalarRange(0x21, 0x7E)],
        "lower": [ScalarRange(0x61, 0x7A)],
        "print": [ScalarRange(0x20, 0x7E)],
        "punct": [ScalarRange(0x21, 0x2F), ScalarRange(0x3A, 0x40), ScalarRange(0x5B, 0x60), ScalarRange(0x7B, 0x7E)],
        "space": [ScalarRange(0x09, 0x0D), ScalarRange(0x20, 0x20)],
        "upper": [ScalarRange(0x41, 0x5A)],
        "word": wordRanges,
        "xdigit": [ScalarRange(0x30, 0x39), ScalarRange(0x41, 0x46), ScalarRange(0x61, 0x66)],
    ]

    /// Applies the case-folding flag, then the negation.
    private func folded(_ set: ScalarSet, negated: Bool) -> ScalarSet {
        let result = flags.caseInsensitive ? set.caseFolded() : set
        return negated ? result.inverted() : result
    }

    private func literal(_ scalar: Unicode.Scalar) -> RegexNode {
        literal(scalar.value)
    }

    private func literal(_ value: UInt32) -> RegexNode {
        .set(folded(ScalarSet(value), negated: false))
    }

    /// Parses a bracketed class at `index` (a `[`).
    private mutating func parseClass() throws(RegexSyntaxError) -> RegexNode {
        let open = index
        index += 1
        var negated = false
        if index < scalars.count, scalars[index] == "^" {
            negated = true
            index += 1
        }
        var members: [ScalarRange] = []
        var first = true
        while true {
            guard index < scalars.count else {
                throw RegexSyntaxError(position: open, message: RegexSyntaxError.missingClosingBracket)
            }
            if scalars[index] == "]", !first {
                index += 1
                break
            }
            first = false
            if scalars[index] == "[", let posix = try parsePOSIXClass() {
                members += posix.ranges
                continue
            }
            let itemStart = index
            let lower: UInt32
            switch try parseClassAtom() {
            case .set(let set):
                members += set.ranges
                continue
            case .scalar(let value):
                lower = value
            }
            var upper = lower
            if index + 1 < scalars.count, scalars[index] == "-", scalars[index + 1] != "]" {
                index += 1
                guard case .scalar(let value) = try parseClassAtom(), value >= lower else {
                    throw RegexSyntaxError(position: itemStart, message: RegexSyntaxError.invalidRange)
                }
                upper = value
            }
            members += folded(ScalarSet(normalizing: [ScalarRange(lower, upper)]), negated: false).ranges
        }
        let set = ScalarSet(normalizing: members)
        return .set(negated ? set.inverted() : set)
    }

    /// One member of a class at `index`.
    private mutating func parseClassAtom() throws(RegexSyntaxError) -> ClassAtom {
        let start = index
        let scalar = scalars[index]
        index += 1
        guard scalar == "\\" else { return .scalar(scalar.value) }
        guard index < scalars.count else {
            throw RegexSyntaxError(position: start, message: RegexSyntaxError.trailingBackslash)
        }
        let escaped = scalars[index]
        index += 1
        switch escaped {
        case "d", "D", "w", "W", "s", "S":
            return .set(perlClass(escaped))
        case "p", "P":
            throw RegexSyntaxError(position: start, message: RegexSyntaxError.unicodeClass)
        default:
            return .scalar(try escapedScalar(escaped, escapeAt: start))
        }
    }

    /// `[:name:]` or `[:^name:]` at `index` (a `[` inside a class); nil, with `index` unchanged, when the text
    /// there is not of that form (then `[` is a literal).
    private mutating func parsePOSIXClass() throws(RegexSyntaxError) -> ScalarSet? {
        guard index + 1 < scalars.count, scalars[index + 1] == ":" else { return nil }
        var cursor = index + 2
        var negated = false
        if cursor < scalars.count, scalars[cursor] == "^" {
            negated = true
            cursor += 1
        }
        var name = ""
        while cursor < scalars.count, scalars[cursor].isASCII, scalars[cursor].properties.isAlphabetic {
            name.unicodeScalars.append(scalars[cursor])
            cursor += 1
        }
        guard cursor + 1 < scalars.count, scalars[cursor] == ":", scalars[cursor + 1] == "]" else { return nil }
        guard let ranges = Self.posixClasses[name] else {
            throw RegexSyntaxError(position: index, message: RegexSyntaxError.invalidPOSIXClass)
        }
        index = cursor + 2
        return folded(ScalarSet(normalizing: ranges), negated: negated)
    }
}
