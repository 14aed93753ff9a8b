import ArgumentParser
import FastSMTPClient
import Foundation

struct RulesetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rulesets",
        abstract: "A domain's rulesets (by name or id), run in ascending priority.",
        subcommands: [List.self, Create.self, Update.self, Delete.self]
    )
}

extension RulesetsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a domain's rulesets with their rules.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The domain's name or id (default: default_domain).")
        var domain: String?

        func run() async throws {
            let session = try Session.make(global)
            let rulesets = try await session.client.listRulesets(path: .init(domainId: try session.domain(domain))).ok
                .body.json
            let output = session.output
            try output.emit(rulesets) {
                guard !rulesets.isEmpty else { return output.line("No rulesets.") }
                var table = TextTable("ID", "Name", "Priority", "Stop on match", "Enabled", "Rules", dim: [0])
                for ruleset in rulesets {
                    table.add(
                        shortID(ruleset.id), ruleset.name, String(ruleset.priority), output.mark(ruleset.stopOnMatch),
                        output.mark(ruleset.isEnabled), String(ruleset.rules.count))
                }
                output.table(table)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a ruleset.",
            discussion: "Usage: fsmtp rulesets create [DOMAIN] NAME [--priority N] [--stop-on-match|--no-stop-on-match]"
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] name.")
        var arguments: [String]

        @Option(help: "Lower runs first (default 0).") var priority: Int?

        @Flag(inversion: .prefixedNo, help: "Stop after this ruleset when one of its rules matched (default: yes).")
        var stopOnMatch: Bool?

        @Flag(help: "Create it disabled.") var disabled = false

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] NAME")
            let created = try await session.client.createRuleset(
                path: .init(domainId: domain),
                body: .json(
                    .init(
                        name: rest[0], priority: priority, stopOnMatch: stopOnMatch, isEnabled: disabled ? false : nil))
            ).created.body.json
            let output = session.output
            try output.emit(created, success: "Created ruleset '\(created.name)' (id: \(shortID(created.id)))")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a ruleset.",
            discussion: "Usage: fsmtp rulesets update [DOMAIN] RULESET [--priority N] [--enable|--disable]")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] ruleset (name or id).")
        var arguments: [String]

        @Option(help: "The new priority.") var priority: Int?
        @Option(help: "A new name.") var name: String?
        @Flag var enablement: Enablement?
        @Flag(inversion: .prefixedNo, help: "Stop after this ruleset when it matched.") var stopOnMatch: Bool?

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] RULESET")
            let updated = try await session.client.updateRuleset(
                path: .init(domainId: domain, rulesetId: rest[0]),
                body: .json(
                    .init(name: name, priority: priority, stopOnMatch: stopOnMatch, isEnabled: enablement?.isEnabled))
            ).ok.body.json
            let output = session.output
            try output.emit(updated) {
                output.success(
                    "Updated ruleset '\(updated.name)' (priority \(updated.priority), "
                        + "\(updated.isEnabled ? "enabled" : "disabled"))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a ruleset with its rules.", discussion: "Usage: fsmtp rulesets delete [DOMAIN] RULESET")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] ruleset (name or id).")
        var arguments: [String]

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] RULESET")
            _ = try await session.client.deleteRuleset(path: .init(domainId: domain, rulesetId: rest[0])).noContent
            session.output.successInTable("Deleted ruleset '\(rest[0])'")
        }
    }
}
