import Foundation
import Testing

@testable import Rules

@Suite("Rule book semantics")
struct RuleBookTests {
    static let spam = MailFacts(
        from: ["promo@spam.example"], to: ["info@example.com"], subject: "Cheap VIAGRA today",
        headers: [.init(name: "X-Priority", value: "1")], body: "Buy now", size: 900, clientIP: "203.0.113.9",
        helo: "spam.example", mailFrom: "promo@spam.example", tls: false, dkimResult: "fail", spfResult: "fail")
    static let plain = MailFacts(
        from: ["friend@example.org"], to: ["info@example.com"], subject: "Lunch?", body: "Noon?", size: 300,
        clientIP: "198.51.100.7", helo: "mx.example.org", mailFrom: "friend@example.org", tls: true,
        dkimResult: "pass", spfResult: "pass")

    static func rule(
        _ field: String, _ op: String, _ value: String = "", action: String, tags: [String] = [],
        override: String? = nil, negate: Bool = false
    ) -> RuleDefinition {
        RuleDefinition(
            field: field, operator: op, value: value, negate: negate, action: action, webhookURLOverride: override,
            addTags: tags)
    }

    static func ruleset(
        _ name: String, priority: Int = 0, stop: Bool = true, enabled: Bool = true, created: Double = 0,
        _ rules: [RuleDefinition]
    ) -> RulesetDefinition {
        RulesetDefinition(
            name: name, priority: priority, stopOnMatch: stop, isEnabled: enabled,
            createdAt: Date(timeIntervalSince1970: created), rules: rules)
    }

    static func decide(_ rulesets: [RulesetDefinition], _ facts: MailFacts = spam) -> RuleDecision {
        let book = RuleBook.compile(rulesets)
        #expect(book.problems.isEmpty)
        return book.evaluate(facts, recipient: "info@example.com")
    }

    @Test("no rules: forward to the recipient's webhook, no tags, no rule")
    func defaultForward() {
        let decision = Self.decide([])
        #expect(decision.action == .forward)
        #expect(decision.webhookURLOverride == nil)
        #expect(decision.tags.isEmpty)
        #expect(decision.rule == nil)
        #expect(decision.trace.isEmpty)
    }

    @Test("SPEC's spam filter: drop on SPF fail, tag on DKIM fail and on X-Priority 1")
    func specSpamFilter() {
        let rulesets = [
            Self.ruleset(
                "spam-filter", priority: 10,
                [
                    Self.rule("dkim_result", "equals", "fail", action: "tag", tags: ["dkim-failed"]),
                    Self.rule("header:X-Priority", "equals", "1", action: "tag", tags: ["urgent"]),
                    Self.rule("spf_result", "equals", "fail", action: "drop"),
                    Self.rule("subject", "contains", "viagra", action: "drop", tags: ["spam"]),
                ])
        ]
        let spam = Self.decide(rulesets)
        #expect(spam.action == .drop)
        #expect(spam.tags == ["dkim-failed", "urgent", "spam"])
        #expect(spam.rule?.id == rulesets[0].rules[2].id)
        #expect(spam.rule?.ruleset == "spam-filter")
        #expect(spam.rule?.action == .drop)
        #expect(spam.trace.map(\.matched) == [true, true, true, true])
        let plain = Self.decide(rulesets, Self.plain)
        #expect(plain.action == .forward)
        #expect(plain.rule == nil)
        #expect(plain.tags.isEmpty)
        #expect(plain.trace.map(\.matched) == [false, false, false, false])
    }

    @Test("a lower priority number runs first and wins for the same match")
    func priorityOrder() {
        let quarantine = Self.ruleset(
            "later", priority: 20, [Self.rule("subject", "contains", "viagra", action: "quarantine")])
        let drop = Self.ruleset("first", priority: 5, [Self.rule("subject", "contains", "viagra", action: "drop")])
        #expect(Self.decide([quarantine, drop]).action == .drop)
        #expect(Self.decide([drop, quarantine]).action == .drop)
        #expect(Self.decide([quarantine, drop]).rule?.ruleset == "first")
        // Equal priorities: the earlier created ruleset first.
        let a = Self.ruleset(
            "a", priority: 1, created: 200, [Self.rule("subject", "contains", "viagra", action: "quarantine")])
        let b = Self.ruleset(
            "b", priority: 1, created: 100, [Self.rule("subject", "contains", "viagra", action: "drop")])
        #expect(Self.decide([a, b]).rule?.ruleset == "b")
        // Negative priorities sort before zero.
        let early = Self.ruleset("early", priority: -3, [Self.rule("tls", "equals", "false", action: "quarantine")])
        #expect(Self.decide([drop, early]).action == .quarantine)
    }

    @Test("inside a ruleset, rules run in their order; the first terminal match decides")
    func ruleOrder() {
        let first = Self.rule("subject", "contains", "cheap", action: "quarantine", tags: ["q"])
        let second = Self.rule("subject", "contains", "viagra", action: "drop", tags: ["d"])
        let decision = Self.decide([Self.ruleset("s", [first, second])])
        #expect(decision.action == .quarantine)
        #expect(decision.rule?.id == first.id)
        // The later matching terminal rule only adds its tags.
        #expect(decision.tags == ["q", "d"])
        let swapped = Self.decide([Self.ruleset("s", [second, first])])
        #expect(swapped.action == .drop)
        #expect(swapped.rule?.id == second.id)
    }

    @Test("stop_on_match ends evaluation after a ruleset in which something matched")
    func stopOnMatch() {
        let tagging = Self.rule("header:X-Priority", "equals", "1", action: "tag", tags: ["urgent"])
        let dropping = Self.rule("spf_result", "equals", "fail", action: "drop", tags: ["spf"])
        let stop = Self.decide([
            Self.ruleset("tags", priority: 1, stop: true, [tagging]),
            Self.ruleset("drops", priority: 2, [dropping]),
        ])
        #expect(stop.action == .forward)
        #expect(stop.tags == ["urgent"])
        #expect(stop.trace.count == 1)
        let goOn = Self.decide([
            Self.ruleset("tags", priority: 1, stop: false, [tagging]),
            Self.ruleset("drops", priority: 2, [dropping]),
        ])
        #expect(goOn.action == .drop)
        #expect(goOn.tags == ["urgent", "spf"])
        // A stop_on_match ruleset in which nothing matched does not stop anything.
        let unmatched = Self.decide(
            [
                Self.ruleset("tags", priority: 1, stop: true, [tagging]),
                Self.ruleset("drops", priority: 2, [dropping]),
            ], Self.plain)
        #expect(unmatched.trace.count == 2)
        // After a decision in a ruleset without stop, later rulesets only add tags.
        let later = Self.decide([
            Self.ruleset("q", priority: 1, stop: false, [Self.rule("tls", "equals", "false", action: "quarantine")]),
            Self.ruleset("d", priority: 2, [dropping]),
        ])
        #expect(later.action == .quarantine)
        #expect(later.tags == ["spf"])
        // A ruleset without rules matches nothing, so its stop_on_match stops nothing, and a match before it
        // does not count for it.
        let empty = Self.decide([
            Self.ruleset("tags", priority: 1, stop: false, [tagging]),
            Self.ruleset("empty", priority: 2, stop: true, []),
            Self.ruleset("drops", priority: 3, [dropping]),
        ])
        #expect(empty.action == .drop)
        #expect(empty.trace.map(\.ruleset) == ["tags", "drops"])
    }

    @Test("tag, then forward with an override")
    func tagThenForward() {
        let decision = Self.decide([
            Self.ruleset(
                "route", stop: false,
                [
                    Self.rule("dkim_result", "equals", "fail", action: "tag", tags: ["dkim-failed"]),
                    Self.rule(
                        "from", "ends_with", "@spam.example", action: "forward", tags: ["rerouted"],
                        override: "https://hooks.example.net/spam"),
                ])
        ])
        #expect(decision.action == .forward)
        #expect(decision.webhookURLOverride == "https://hooks.example.net/spam")
        #expect(decision.tags == ["dkim-failed", "rerouted"])
        #expect(decision.rule?.action == .forward)
    }

    @Test("disabled rulesets are ignored")
    func disabled() {
        let decision = Self.decide([
            Self.ruleset("off", enabled: false, [Self.rule("subject", "contains", "viagra", action: "drop")])
        ])
        #expect(decision.action == .forward)
        #expect(decision.trace.isEmpty)
    }

    @Test("negate: drop mail that is not over TLS from outside our network")
    func negation() {
        let rules = [
            Self.ruleset(
                "policy",
                [Self.rule("client_ip", "in_cidr", "198.51.100.0/24", action: "quarantine", negate: true)])
        ]
        #expect(Self.decide(rules, Self.spam).action == .quarantine)
        #expect(Self.decide(rules, Self.plain).action == .forward)
    }

    @Test("tags are collected once each, in order")
    func tagDeduplication() {
        let decision = Self.decide([
            Self.ruleset(
                "t", stop: false,
                [
                    Self.rule("tls", "equals", "false", action: "tag", tags: ["a", "b"]),
                    Self.rule("size", "gt", "1", action: "tag", tags: ["b", "c"]),
                ])
        ])
        #expect(decision.tags == ["a", "b", "c"])
    }

    @Test("rcpt_to is per recipient; several recipients share one evaluation")
    func perRecipient() {
        let book = RuleBook.compile([
            Self.ruleset("r", [Self.rule("rcpt_to", "starts_with", "sales@", action: "quarantine")])
        ])
        let decisions = book.evaluate(Self.plain, recipients: ["info@example.com", "Sales@example.com"])
        #expect(decisions.map(\.action) == [.forward, .quarantine])
    }

    @Test("a stored rule that no longer compiles is reported, and the others still run")
    func brokenRule() {
        var broken = Self.rule("subject", "regex", "(a", action: "drop")
        broken.id = UUID()
        let book = RuleBook.compile([
            Self.ruleset("r", stop: false, [broken, Self.rule("subject", "contains", "viagra", action: "quarantine")])
        ])
        #expect(book.problems.map(\.ruleID) == [broken.id])
        #expect(book.evaluate(Self.spam, recipient: "info@example.com").action == .quarantine)
    }

    @Test("only forward rules take a webhook override; unknown actions are refused")
    func actionChecks() {
        #expect(throws: RuleDefinitionError.self) {
            try CompiledRule(Self.rule("subject", "contains", "x", action: "drop", override: "https://h.example/x"))
        }
        #expect(throws: RuleDefinitionError.self) {
            try CompiledRule(Self.rule("subject", "contains", "x", action: "reject"))
        }
    }
}
