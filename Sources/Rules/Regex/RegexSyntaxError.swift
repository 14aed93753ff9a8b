/// Why ``LinearRegex/init(_:caseInsensitive:)`` refused a pattern.
public struct RegexSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 0-based offset in Unicode scalars into the pattern where the error was found.
    public var position: Int
    /// What is wrong, e.g. "missing closing )" or "backreferences are not supported".
    public var message: String

    /// "<message> at position <position>".
    public var description: String { "\(message) at position \(position)" }

    public init(position: Int, message: String) {
        self.position = position
        self.message = message
    }
}

extension RegexSyntaxError {
    // The messages, one per kind of error.
    static let missingClosingParenthesis = "missing closing )"
    static let unexpectedClosingParenthesis = "unexpected )"
    static let missingClosingBracket = "missing closing ]"
    static let invalidRange = "invalid character class range"
    static let invalidPOSIXClass = "invalid POSIX character class"
    static let nothingToRepeat = "nothing to repeat"
    static let badRepetition = "bad repetition operator"
    static let possessive = "possessive quantifiers are not supported"
    static let invalidRepetitionCount = "invalid repetition count"
    static let trailingBackslash = "trailing backslash"
    static let invalidEscape = "invalid escape sequence"
    static let backreference = "backreferences are not supported"
    static let lookaround = "lookaround is not supported"
    static let atomicGroup = "atomic groups are not supported"
    static let unicodeClass = "Unicode property classes (\\p, \\P) are not supported"
    static let invalidGroup = "invalid or unsupported group syntax"
    static let invalidFlag = "invalid or unsupported flag"
    static let invalidGroupName = "invalid group name"
    static let duplicateGroupName = "duplicate group name"
    static let nestingTooDeep = "pattern nests too deeply"
    static let tooLarge = "pattern too large"
}
