import Foundation

/// A rule, checked and ready to run (a reference: evaluation reads it without copying).
public final class CompiledRule: Sendable {
    public let id: UUID
    public let condition: RuleCondition
    public let action: RuleAction
    public let webhookURLOverride: String?
    public let addTags: [String]

    /// Checks a stored rule: its field, operator and value (``RuleCondition``), its action, and that only a
    /// `forward` rule names a webhook override.
    public init(_ rule: RuleDefinition) throws(RuleDefinitionError) {
        guard let action = RuleAction(rawValue: rule.action) else {
            let names = RuleAction.allCases.map(\.rawValue).joined(separator: ", ")
            throw RuleDefinitionError("action", "unknown action '\(rule.action)'; use one of \(names)")
        }
        if rule.webhookURLOverride != nil, action != .forward {
            throw RuleDefinitionError("webhook_url_override", "only a forward rule delivers to another webhook")
        }
        condition = try RuleCondition(
            field: rule.field, operator: rule.operator, value: rule.value, caseSensitive: rule.caseSensitive,
            negate: rule.negate)
        id = rule.id
        self.action = action
        webhookURLOverride = rule.webhookURLOverride
        addTags = rule.addTags
    }
}

/// A ruleset in its place in the book (the order is its priority).
public struct CompiledRuleset: Sendable {
    public let id: UUID
    public let name: String
    public let stopOnMatch: Bool
    public let rules: [CompiledRule]
}

/// The rule that decided a message: `{id, ruleset_id, ruleset, action}` in the payload.
public struct DecidingRule: Sendable, Hashable {
    public var id: UUID
    public var rulesetID: UUID
    public var ruleset: String
    public var action: RuleAction
}

/// What the rules decided for one recipient of one message.
public struct RuleDecision: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        case forward, drop, quarantine
    }

    public var action: Action
    /// Where a forward goes instead of the recipient's webhook (a `forward` rule's override).
    public var webhookURLOverride: String?
    /// Every matching rule's tags, in evaluation order, without duplicates.
    public var tags: [String]
    /// The terminal rule that decided; nil when none matched (the default forward).
    public var rule: DecidingRule?
    /// Every rule evaluated, in order.
    public var trace: [TraceEntry]

    public struct TraceEntry: Sendable, Hashable {
        public var rulesetID: UUID
        public var ruleset: String
        public var ruleID: UUID
        public var matched: Bool
    }
}

/// A domain's rules, compiled: enabled rulesets in ascending priority (ties: earlier created first), their rules in
/// order. Pure and immutable: one value serves every message until the rules change.
///
/// Semantics (docs/rules.md):
/// - `tag` rules add their tags and evaluation goes on.
/// - The first matching terminal rule (`forward`, `drop`, `quarantine`) decides; its tags are added too. Rules
///   matching after that only add their tags.
/// - When any rule of a ruleset matched and the ruleset's `stop_on_match` is set, evaluation ends after that ruleset.
/// - No terminal rule matched: forward to the recipient's own webhook, with the tags collected.
public struct RuleBook: Sendable {
    public let rulesets: [CompiledRuleset]
    /// The distinct fields the rules read.
    private let fields: [RuleField]
    /// Every rule in evaluation order.
    private let steps: [Step]
    private let rcptToSlot: Int?

    /// A rule as the evaluation loop reads it: a trivial value, so the loop costs no reference counting. The
    /// references are unmanaged: `rulesets` holds the rules for as long as the book exists.
    private struct Step: Sendable {
        let rule: Unmanaged<CompiledRule>
        let condition: Unmanaged<RuleCondition>
        let ruleID: UUID
        /// The rule's field, as an index into `fields`.
        let slot: Int
        let rulesetIndex: Int
        let rulesetID: UUID
        /// Whether it is the last rule of its ruleset.
        let endsRuleset: Bool
        let stopOnMatch: Bool
    }

    public init(rulesets: [CompiledRuleset], problems: [RuleBookError] = []) {
        self.rulesets = rulesets
        self.problems = problems
        var fields: [RuleField] = []
        var index: [RuleField: Int] = [:]
        var steps: [Step] = []
        for (rulesetIndex, ruleset) in rulesets.enumerated() {
            for (ruleIndex, rule) in ruleset.rules.enumerated() {
                let slot: Int
                if let known = index[rule.condition.field] {
                    slot = known
                } else {
                    slot = fields.count
                    index[rule.condition.field] = slot
                    fields.append(rule.condition.field)
                }
                steps.append(
                    Step(
                        rule: .passUnretained(rule), condition: .passUnretained(rule.condition), ruleID: rule.id,
                        slot: slot, rulesetIndex: rulesetIndex, rulesetID: ruleset.id,
                        endsRuleset: ruleIndex == ruleset.rules.count - 1, stopOnMatch: ruleset.stopOnMatch))
            }
        }
        self.fields = fields
        self.steps = steps
        rcptToSlot = index[.rcptTo]
    }

    /// Rules that could not be compiled (stored before a check existed), left out of evaluation. Never skipped
    /// silently: whoever compiles reports them (the store logs each one).
    public let problems: [RuleBookError]

    /// Compiles a domain's rulesets; disabled rulesets are left out, and so is a rule that does not compile (see
    /// ``problems``). Validate rules before storing them (``CompiledRule/init(_:)``) so that this never happens.
    public static func compile(_ definitions: [RulesetDefinition]) -> RuleBook {
        let ordered = definitions.filter(\.isEnabled).sorted {
            ($0.priority, $0.createdAt, $0.id.uuidString) < ($1.priority, $1.createdAt, $1.id.uuidString)
        }
        var rulesets: [CompiledRuleset] = []
        var problems: [RuleBookError] = []
        for definition in ordered {
            var rules: [CompiledRule] = []
            for rule in definition.rules {
                do {
                    rules.append(try CompiledRule(rule))
                } catch {
                    problems.append(RuleBookError(rulesetID: definition.id, ruleID: rule.id, error: error))
                }
            }
            rulesets.append(
                CompiledRuleset(
                    id: definition.id, name: definition.name, stopOnMatch: definition.stopOnMatch, rules: rules))
        }
        return RuleBook(rulesets: rulesets, problems: problems)
    }

    /// The decision for one recipient.
    public func evaluate(_ facts: MailFacts, recipient: String) -> RuleDecision {
        var values = [FieldValues?](repeating: nil, count: fields.count)
        return decide(facts, recipient: recipient, values: &values)
    }

    /// The decisions for several recipients of one message; field values are computed once for all of them (only
    /// `rcpt_to` differs per recipient).
    public func evaluate(_ facts: MailFacts, recipients: [String]) -> [RuleDecision] {
        var values = [FieldValues?](repeating: nil, count: fields.count)
        return recipients.map { recipient in
            if let rcptToSlot { values[rcptToSlot] = nil }
            return decide(facts, recipient: recipient, values: &values)
        }
    }

    /// Runs the rules; `values` holds the field values computed so far (by slot), and gets those computed here.
    private func decide(_ facts: MailFacts, recipient: String, values: inout [FieldValues?]) -> RuleDecision {
        var decision = RuleDecision(action: .forward, webhookURLOverride: nil, tags: [], rule: nil, trace: [])
        decision.trace.reserveCapacity(steps.count)
        var seenTags = Set<String>()
        var anyMatched = false
        for step in steps {
            if values[step.slot] == nil {
                values[step.slot] = FieldValues(facts.values(of: fields[step.slot], recipient: recipient))
            }
            // The condition borrowed (the book holds it), the field's values matched in place.
            let matched = step.condition._withUnsafeGuaranteedRef { $0.holds(for: &values[step.slot]!) }
            decision.trace.append(
                .init(
                    rulesetID: step.rulesetID, ruleset: rulesets[step.rulesetIndex].name, ruleID: step.ruleID,
                    matched: matched))
            if matched {
                anyMatched = true
                let rule = step.rule.takeUnretainedValue()
                for tag in rule.addTags where seenTags.insert(tag).inserted { decision.tags.append(tag) }
                if rule.action.isTerminal, decision.rule == nil {
                    decision.rule = DecidingRule(
                        id: rule.id, rulesetID: step.rulesetID, ruleset: rulesets[step.rulesetIndex].name,
                        action: rule.action)
                    switch rule.action {
                    case .drop: decision.action = .drop
                    case .quarantine: decision.action = .quarantine
                    default:
                        decision.action = .forward
                        decision.webhookURLOverride = rule.webhookURLOverride
                    }
                }
            }
            if step.endsRuleset {
                if anyMatched, step.stopOnMatch { break }
                anyMatched = false
            }
        }
        return decision
    }
}

/// A stored rule that does not compile.
public struct RuleBookError: Error, Sendable, CustomStringConvertible {
    public var rulesetID: UUID
    public var ruleID: UUID
    public var error: RuleDefinitionError

    public var description: String { "rule \(ruleID.uuidString.lowercased()) cannot run: \(error)" }
}
