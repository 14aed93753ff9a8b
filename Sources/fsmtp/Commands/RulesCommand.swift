import ArgumentParser
import FastSMTPClient
import Foundation

extension Components.Schemas.RuleOperator: ExpressibleByArgument {}
extension Components.Schemas.RuleAction: ExpressibleByArgument {}

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "The rules of a ruleset: field, operator, value → action (docs/rules.md).",
        subcommands: [List.self, Add.self, Update.self, Delete.self, Reorder.self, Simulate.self]
    )

    /// "DROP when spf_result equals 'fail'", "TAG [dkim-failed] when dkim_result equals 'fail'".
    static func describe(_ rule: Components.Schemas.Rule) -> String {
        var text = rule.action.rawValue.uppercased()
        if !rule.addTags.isEmpty { text += " [\(rule.addTags.joined(separator: ", "))]" }
        if let override = rule.webhookUrlOverride { text += " to \(override)" }
        text += " when " + (rule.negate ? "NOT " : "") + "\(rule.field) \(rule._operator.rawValue)"
        if rule._operator != .exists { text += " '\(rule.value)'" }
        if rule.caseSensitive { text += " (case-sensitive)" }
        return text
    }

    static func table(_ rules: [Components.Schemas.Rule], _ output: Output) -> TextTable {
        var table = TextTable("#", "ID", "Field", "Operator", "Value", "Action", "Tags", "Webhook override", dim: [1])
        for rule in rules {
            table.add(
                String(rule.order), shortID(rule.id), rule.field,
                (rule.negate ? "not " : "") + rule._operator.rawValue, rule.value, rule.action.rawValue,
                rule.addTags.joined(separator: ", "), rule.webhookUrlOverride ?? "")
        }
        return table
    }
}

/// The options that describe a rule, shared by add and update.
struct RuleOptions: ParsableArguments {
    @Option(help: "from, to, cc, subject, body, has_attachment, dkim_result, spf_result, … or header:NAME.")
    var field: String?

    @Option(name: .customLong("op"), help: "equals, contains, regex, starts_with, ends_with, exists, gt, lt, in_cidr.")
    var op: Components.Schemas.RuleOperator?

    @Option(help: "The value to compare with.") var value: String?

    @Option(help: "forward, drop, tag or quarantine.") var action: Components.Schemas.RuleAction?

    @Option(help: ArgumentHelp("Forward to this URL instead of the recipient's.", valueName: "url"))
    var webhookOverride: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag to add (repeatable).", valueName: "tag"))
    var tags: [String] = []

    @Flag(inversion: .prefixedNo, help: "Compare case-sensitively.") var caseSensitive: Bool?

    @Flag(inversion: .prefixedNo, help: "Match when the condition does not hold.") var negate: Bool?
}

extension RulesCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a ruleset's rules in order.", discussion: "Usage: fsmtp rules list [DOMAIN] RULESET")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] ruleset (name or id).")
        var arguments: [String]

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] RULESET")
            let ruleset = try await session.client.getRuleset(path: .init(domainId: domain, rulesetId: rest[0])).ok
                .body.json
            let output = session.output
            try output.emit(ruleset.rules) {
                guard !ruleset.rules.isEmpty else { return output.line("No rules in '\(ruleset.name)'.") }
                output.table(RulesCommand.table(ruleset.rules, output))
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append a rule to a ruleset.",
            discussion: """
                Usage: fsmtp rules add [DOMAIN] RULESET --field F --op OP --value V [--action A] \
                [--webhook-override URL] [--tag T]...
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] ruleset (name or id).")
        var arguments: [String]

        @OptionGroup var rule: RuleOptions

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] RULESET")
            guard let field = rule.field, let op = rule.op else {
                throw CLIFailure.usage("rules add needs --field and --op")
            }
            let created = try await session.client.addRule(
                path: .init(domainId: domain, rulesetId: rest[0]),
                body: .json(
                    .init(
                        field: field, _operator: op, value: rule.value, caseSensitive: rule.caseSensitive,
                        negate: rule.negate, action: rule.action, webhookUrlOverride: rule.webhookOverride,
                        addTags: rule.tags.isEmpty ? nil : rule.tags))
            ).created.body.json
            let output = session.output
            try output.emit(created, success: "Added rule: \(RulesCommand.describe(created))")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a rule (by id or short id); absent options stay as they are.",
            discussion: "Usage: fsmtp rules update [DOMAIN] RULE_ID [--field …] [--action …]")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] rule_id.")
        var arguments: [String]

        @OptionGroup var rule: RuleOptions

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] RULE_ID")
            let existing = try await session.rule(domain, rest[0])
            let updated = try await session.client.updateRule(
                path: .init(domainId: domain, ruleId: existing.id),
                body: .json(
                    .init(
                        field: rule.field, _operator: rule.op, value: rule.value, caseSensitive: rule.caseSensitive,
                        negate: rule.negate, action: rule.action, webhookUrlOverride: rule.webhookOverride,
                        addTags: rule.tags.isEmpty ? nil : rule.tags))
            ).ok.body.json
            let output = session.output
            try output.emit(updated, success: "Updated rule: \(RulesCommand.describe(updated))")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a rule (by id or short id).", discussion: "Usage: fsmtp rules delete [DOMAIN] RULE_ID")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] rule_id.")
        var arguments: [String]

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] RULE_ID")
            let rule = try await session.rule(domain, rest[0])
            _ = try await session.client.deleteRule(path: .init(domainId: domain, ruleId: rule.id)).noContent
            session.output.successInTable("Deleted rule \(shortID(rule.id)): \(RulesCommand.describe(rule))")
        }
    }

    struct Reorder: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the order of a ruleset's rules by listing every rule id (or short id) in order.",
            discussion: "Usage: fsmtp rules reorder [DOMAIN] RULESET RULE_ID...")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] ruleset rule_id...")
        var arguments: [String]

        func run() async throws {
            let session = try Session.make(global)
            guard arguments.count >= 2 else { throw CLIFailure.usage("expected [DOMAIN] RULESET RULE_ID...") }
            // The domain may be left out: the first argument is a domain when the API knows it as one.
            var domain = arguments[0]
            var rest = Array(arguments.dropFirst())
            if session.config.defaultDomain != nil,
                (try? await session.client.getDomain(path: .init(domainId: arguments[0])).ok) == nil
            {
                domain = try session.domain(nil)
                rest = arguments
            }
            guard rest.count >= 2 else { throw CLIFailure.usage("expected [DOMAIN] RULESET RULE_ID...") }
            let ruleset = try await session.client.getRuleset(path: .init(domainId: domain, rulesetId: rest[0])).ok
                .body.json
            let ids = try rest.dropFirst().map { reference in
                try session.pick(
                    ruleset.rules, reference, what: "rule", in: ruleset.name, id: \.id, matches: { _ in false }
                )
                .id
            }
            let reordered = try await session.client.reorderRules(
                path: .init(domainId: domain, rulesetId: ruleset.id), body: .json(.init(ruleIds: ids))
            ).ok.body.json
            let output = session.output
            try output.emit(reordered) {
                output.success("Reordered the rules of '\(reordered.name)'")
                output.table(RulesCommand.table(reordered.rules, output))
            }
        }
    }
}
