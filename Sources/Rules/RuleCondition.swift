import DNSClient
import Foundation

/// Why a rule cannot be used: which of its attributes is wrong, and how.
public struct RuleDefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The attribute: `field`, `operator`, `value`, `action` or `webhook_url_override`.
    public var attribute: String
    public var message: String
    /// For a regex: the 0-based position (in Unicode scalars) of the error in the pattern.
    public var position: Int?

    public init(_ attribute: String, _ message: String, position: Int? = nil) {
        self.attribute = attribute
        self.message = message
        self.position = position
    }

    public var description: String { "\(attribute): \(message)" }
}

/// A rule's test, checked and prepared: field × operator × value, case sensitivity and negation. A reference, so
/// evaluation never copies its prepared value.
public final class RuleCondition: Sendable {
    public let field: RuleField
    public let `operator`: RuleOperator
    public let caseSensitive: Bool
    public let negate: Bool
    let matcher: Matcher

    enum Matcher: Sendable {
        /// equals / contains / starts_with / ends_with: a comparison of bytes (``LiteralMatcher``), with the
        /// answers of the literal pattern on the regex engine.
        case literal(LiteralMatcher)
        /// `regex`, and the literal operators with a value longer than ``LiteralMatcher/maxLength``, as their
        /// literal pattern.
        case regex(LinearRegex)
        case exists
        case greater(Int)
        case less(Int)
        case networks([CIDRNetwork])
    }

    /// Checks the combination and prepares the value (compiles the pattern, parses the number or the networks).
    public init(
        field fieldName: String, operator operatorName: String, value: String, caseSensitive: Bool = false,
        negate: Bool = false
    ) throws(RuleDefinitionError) {
        guard let field = RuleField(parsing: fieldName) else {
            let names = RuleField.named.map(\.name).joined(separator: ", ")
            throw RuleDefinitionError("field", "unknown field '\(fieldName)'; use one of \(names), or header:<Name>")
        }
        guard let op = RuleOperator(rawValue: operatorName) else {
            let names = RuleOperator.allCases.map(\.rawValue).joined(separator: ", ")
            throw RuleDefinitionError("operator", "unknown operator '\(operatorName)'; use one of \(names)")
        }
        guard value.count <= RulesDefaults.maxValueLength else {
            throw RuleDefinitionError("value", "may be at most \(RulesDefaults.maxValueLength) characters")
        }
        self.field = field
        self.operator = op
        self.caseSensitive = caseSensitive
        self.negate = negate
        switch op {
        case .equals, .contains, .startsWith, .endsWith:
            if op != .equals, value.isEmpty {
                throw RuleDefinitionError("value", "'\(op.rawValue)' needs a non-empty value")
            }
            if value.utf8.count <= LiteralMatcher.maxLength {
                let position: LiteralMatcher.Position =
                    switch op {
                    case .equals: .whole
                    case .startsWith: .start
                    case .endsWith: .end
                    default: .anywhere
                    }
                matcher = .literal(LiteralMatcher(value, position: position, caseSensitive: caseSensitive))
            } else {
                // A longer value runs as its literal pattern on the automaton: linear in the text whatever the
                // value, where the byte search could compare most of a long value at every position.
                let literal = Self.escapedLiteral(value)
                let pattern =
                    switch op {
                    case .equals: "\\A\(literal)\\z"
                    case .startsWith: "\\A\(literal)"
                    case .endsWith: "\(literal)\\z"
                    default: literal
                    }
                do {
                    matcher = .regex(try LinearRegex(pattern, caseInsensitive: !caseSensitive))
                } catch {
                    throw RuleDefinitionError("value", "cannot be matched: \(error.message)")
                }
            }
        case .regex:
            do {
                matcher = .regex(try LinearRegex(value, caseInsensitive: !caseSensitive))
            } catch {
                throw RuleDefinitionError("value", "invalid regex: \(error.message)", position: error.position)
            }
        case .exists:
            matcher = .exists
        case .gt, .lt:
            guard field.isNumeric else {
                throw RuleDefinitionError("operator", "'\(op.rawValue)' applies to numeric fields only (size)")
            }
            guard let number = Int(value.trimmingCharacters(in: .whitespaces)), number >= 0 else {
                throw RuleDefinitionError("value", "'\(op.rawValue)' needs a whole number of bytes, got '\(value)'")
            }
            matcher = op == .gt ? .greater(number) : .less(number)
        case .inCIDR:
            guard field == .clientIP else {
                throw RuleDefinitionError("operator", "'in_cidr' applies to client_ip only")
            }
            var networks: [CIDRNetwork] = []
            for item in value.split(whereSeparator: { $0 == "," || $0 == " " }) where !item.isEmpty {
                guard let network = CIDRNetwork(String(item)) else {
                    throw RuleDefinitionError(
                        "value", "'\(item)' is not a network (e.g. 192.0.2.0/24 or 2001:db8::/32)")
                }
                networks.append(network)
            }
            guard !networks.isEmpty else {
                throw RuleDefinitionError("value", "'in_cidr' needs one or more networks, comma-separated")
            }
            matcher = .networks(networks)
        }
    }

    /// `text` as a regex that matches exactly it: every ASCII character but letters, digits and `_` (which RE2
    /// syntax does not let be escaped) escaped. What the literal operators mean: ``LiteralMatcher`` answers as
    /// this pattern does.
    static func escapedLiteral(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count * 2)
        for scalar in text.unicodeScalars {
            if scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar), scalar != "_" {
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x{\(String(scalar.value, radix: 16))}"
                    continue
                }
                out.unicodeScalars.append("\\")
            }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// Whether the condition holds for these values of its field (any value matching is enough), negation applied.
    func holds(for values: inout FieldValues) -> Bool {
        Self.matches(matcher, &values) != negate
    }

    /// (Takes the matcher borrowed, so that a rule costs no reference counting.)
    private static func matches(_ matcher: borrowing Matcher, _ values: inout FieldValues) -> Bool {
        switch matcher {
        case .exists:
            return !values.raw.isEmpty
        case .literal(let literal):
            return literal.matches(&values)
        case .regex(let regex):
            return values.anyUTF8 { regex.matches(utf8: $0) }
        case .greater(let limit):
            return values.anyNumber { $0 > limit }
        case .less(let limit):
            return values.anyNumber { $0 < limit }
        case .networks(let networks):
            return values.anyAddress { address in networks.contains { $0.contains(address) } }
        }
    }
}
