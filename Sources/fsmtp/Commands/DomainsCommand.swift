import ArgumentParser
import DomainNames
import FastSMTPClient
import Foundation

struct DomainsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domains",
        abstract: "List, show, create, update and delete domains (by name or id).",
        subcommands: [List.self, Show.self, Create.self, Update.self, Delete.self]
    )

    /// How a per-domain verify/reject override reads: on, off, or the server's default.
    static func tri(_ value: Bool?) -> String {
        value.map { $0 ? "yes" : "no" } ?? "default"
    }
}

/// `--verify-dkim true|false|default` on update.
/// A domain check on the command line: `true`, `false`, or `default` (the server setting, sent as `null`).
enum CheckSetting: String, ExpressibleByArgument, CaseIterable {
    case `true`, `false`, `default`

    var value: Bool? {
        switch self {
        case .true: true
        case .false: false
        case .default: nil
        }
    }
}

extension DomainsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The domains you are a member of (all, for superusers).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.make(global)
            let domains = try await session.allDomains()
            let output = session.output
            try output.emit(domains) {
                guard !domains.isEmpty else { return output.line("No domains.") }
                var table = TextTable("ID", "Domain", "Enabled", "DKIM", "SPF", "Reject DKIM", "Reject SPF", dim: [0])
                for domain in domains {
                    table.add(
                        shortID(domain.id), domain.domainName, output.mark(domain.isEnabled),
                        DomainsCommand.tri(domain.verifyDkim),
                        DomainsCommand.tri(domain.verifySpf), DomainsCommand.tri(domain.rejectDkimFail),
                        DomainsCommand.tri(domain.rejectSpfFail))
                }
                output.table(table)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one domain.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The domain's name or id (default: default_domain).")
        var domain: String?

        func run() async throws {
            let session = try Session.make(global)
            let domain = try await session.client.getDomain(path: .init(domainId: try session.domain(domain))).ok
                .body.json
            let output = session.output
            try output.emit(domain) { DomainsCommand.show(domain, output) }
        }
    }

    static func show(_ domain: Components.Schemas.Domain, _ output: Output) {
        output.fields([
            ("ID", domain.id),
            ("Domain", domain.domainName),
            ("Enabled", domain.isEnabled ? "yes" : "no"),
            ("Verify DKIM", tri(domain.verifyDkim)),
            ("Verify SPF", tri(domain.verifySpf)),
            ("Reject DKIM fail", tri(domain.rejectDkimFail)),
            ("Reject SPF fail", tri(domain.rejectSpfFail)),
            ("Created", DateText.full(domain.createdAt)),
            ("Updated", DateText.full(domain.updatedAt)),
        ])
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a domain (superuser). Checks not turned on follow the server's settings.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The domain name, e.g. example.com or münchen.de (sent in its ASCII form, xn--mnchen-3ya.de).")
        var domainName: String

        @Flag(help: "Verify DKIM signatures of this domain's mail.") var verifyDkim = false
        @Flag(help: "Check SPF for this domain's mail.") var verifySpf = false
        @Flag(help: "Refuse mail whose DKIM check fails.") var rejectDkimFail = false
        @Flag(help: "Refuse mail whose SPF check fails.") var rejectSpfFail = false
        @Flag(help: "Create it disabled.") var disabled = false

        func run() async throws {
            let session = try Session.make(global)
            let created = try await session.client.createDomain(
                body: .json(
                    .init(
                        domainName: IDNA.toASCII(domainName) ?? domainName, isEnabled: disabled ? false : nil,
                        verifyDkim: verifyDkim ? true : nil,
                        verifySpf: verifySpf ? true : nil, rejectDkimFail: rejectDkimFail ? true : nil,
                        rejectSpfFail: rejectSpfFail ? true : nil))
            ).created.body.json
            let output = session.output
            try output.emit(created, success: "Created domain \(created.domainName) (id: \(shortID(created.id)))")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a domain: enable or disable it, or set its checks (true, false or default).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The domain's name or id (default: default_domain).")
        var domain: String?

        @Flag var enablement: Enablement?

        @Option(help: ArgumentHelp("true, false or default.", valueName: "bool")) var verifyDkim: CheckSetting?
        @Option(help: ArgumentHelp("true, false or default.", valueName: "bool")) var verifySpf: CheckSetting?
        @Option(help: ArgumentHelp("true, false or default.", valueName: "bool")) var rejectDkimFail: CheckSetting?
        @Option(help: ArgumentHelp("true, false or default.", valueName: "bool")) var rejectSpfFail: CheckSetting?

        func run() async throws {
            let session = try Session.make(global)
            let checks = [
                ("verify_dkim", verifyDkim), ("verify_spf", verifySpf), ("reject_dkim_fail", rejectDkimFail),
                ("reject_spf_fail", rejectSpfFail),
            ]
            // `default` is sent as null: the server setting again.
            let resets = Set(checks.filter { $0.1 == .default }.map(\.0))
            let domainID = try session.domain(domain)
            let updated = try await ExplicitNullFields.$keys.withValue(resets) {
                try await session.client.updateDomain(
                    path: .init(domainId: domainID),
                    body: .json(
                        .init(
                            isEnabled: enablement?.isEnabled, verifyDkim: verifyDkim?.value,
                            verifySpf: verifySpf?.value, rejectDkimFail: rejectDkimFail?.value,
                            rejectSpfFail: rejectSpfFail?.value))
                ).ok.body.json
            }
            let output = session.output
            try output.emit(updated) {
                output.success("Updated domain \(updated.domainName)")
                DomainsCommand.show(updated, output)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a domain with its recipients, members, rules and log (owner or superuser).",
            discussion: "On a terminal it asks first; --yes skips the question.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The domain's name or id.")
        var domain: String

        @Flag(name: [.short, .long], help: "Do not ask for confirmation.") var yes = false

        func run() async throws {
            let session = try Session.make(global)
            if !yes, Terminal.stdinIsTerminal,
                !Terminal.confirm("Delete \(domain) with all its recipients, rules and deliveries?")
            {
                throw CLIFailure("not deleted")
            }
            _ = try await session.client.deleteDomain(path: .init(domainId: domain)).noContent
            session.output.successInTable("Deleted domain \(domain)")
        }
    }
}
