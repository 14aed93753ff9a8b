import ArgumentParser
import FastSMTPApp
import Foundation
import Storage

/// Opens the configured database for an admin command: SQLite is brought up to date first (as `serve` does);
/// a server database must already be current.
func withStore(_ body: @escaping @Sendable (Store) async throws -> Void) async throws {
    let env = try Environment.load()
    do {
        let location = try DatabaseLocation(url: env.settings.databaseURL)
        try await Database.withDatabase(location, logger: env.logger, poolSize: 2) { database in
            let migrator = Migrator(database: database, logger: env.logger)
            if database.dialect == .sqlite {
                try await migrator.upgrade()
            } else if try await !migrator.isCurrent() {
                throw StartupError("database schema is not current: run `fastsmtp db upgrade` first")
            }
            try await body(Store(database: database))
        }
    } catch let error as ExitCode {
        throw error
    } catch {
        throw fail("\(error)")
    }
}

struct DomainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain",
        abstract: "Manage the domains FastSMTP receives mail for (direct database access).",
        subcommands: [
            Create.self, List.self, Delete.self, Enable.self, Disable.self, AddMember.self, RemoveMember.self,
        ]
    )

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-member", abstract: "Give a user a role on a domain.")
        @Argument var domainName: String
        @Argument var username: String
        @Option(help: "owner, admin or member.") var role: String = "member"

        func validate() throws {
            guard DomainRole(rawValue: role) != nil else {
                throw ValidationError("--role must be owner, admin or member")
            }
        }

        func run() async throws {
            try await withStore { store in
                guard let domain = try await store.domain(named: domainName) else {
                    throw StoreError.notFound("domain \(domainName)")
                }
                guard let user = try await store.user(named: username) else {
                    throw StoreError.notFound("user \(username)")
                }
                let member = try await store.addMember(
                    domainID: domain.id, userID: user.id, role: DomainRole(rawValue: role) ?? .member)
                print("\(username) is now \(member.role.rawValue) of \(domain.domainName)")
            }
        }
    }

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-member", abstract: "Take a user's role on a domain away.")
        @Argument var domainName: String
        @Argument var username: String

        func run() async throws {
            try await withStore { store in
                guard let domain = try await store.domain(named: domainName) else {
                    throw StoreError.notFound("domain \(domainName)")
                }
                guard let user = try await store.user(named: username),
                    try await store.member(domainID: domain.id, userID: user.id) != nil
                else { throw StoreError.notFound("membership of \(username) in \(domain.domainName)") }
                try await store.removeMember(domainID: domain.id, userID: user.id)
                print("Removed \(username) from \(domain.domainName)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a domain.")
        @Argument(help: "The domain name, e.g. example.com.") var domainName: String
        func run() async throws {
            try await withStore { store in
                let domain = try await store.createDomain(domainName)
                print("Created domain \(domain.domainName) (id: \(domain.id.uuidString.lowercased()))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List domains.")
        func run() async throws {
            try await withStore { store in
                let domains = try await store.domains()
                if domains.isEmpty { print("No domains yet. Add one with: fastsmtp domain create example.com") }
                for domain in domains {
                    print(
                        "\(domain.id.uuidString.lowercased())  \(domain.isEnabled ? "enabled " : "disabled")  \(domain.domainName)"
                    )
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a domain with its recipients and rules.")
        @Argument var domainName: String
        func run() async throws {
            try await withStore { store in
                guard try await store.deleteDomain(named: domainName) else {
                    throw StoreError.notFound("domain \(domainName)")
                }
                print("Deleted domain \(Store.normalizeDomain(domainName))")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept mail for a domain again.")
        @Argument var domainName: String
        func run() async throws {
            try await withStore { store in
                try await store.setDomainEnabled(domainName, true)
                print("Enabled \(Store.normalizeDomain(domainName))")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse mail for a domain (550) without deleting it.")
        @Argument var domainName: String
        func run() async throws {
            try await withStore { store in
                try await store.setDomainEnabled(domainName, false)
                print("Disabled \(Store.normalizeDomain(domainName))")
            }
        }
    }
}

struct RecipientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipient",
        abstract: "Manage recipients: which addresses are accepted and where their mail is POSTed.",
        subcommands: [Add.self, List.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a recipient. LOCAL_PART '*' makes the domain's catch-all.",
            discussion:
                "Example: fastsmtp recipient add example.com support https://n8n.example.com/webhook/support --header 'Authorization=Bearer s3cret'"
        )
        @Argument(help: "The domain.") var domain: String
        @Argument(help: "The local part (before the @), or '*' for catch-all.") var localPart: String
        @Argument(help: "The webhook URL (http or https).") var webhookURL: String
        @Option(name: .customLong("header"), help: "Extra request header NAME=VALUE (repeatable).") var headers:
            [String] = []

        func validate() throws {
            for header in headers where !header.contains("=") {
                throw ValidationError("--header expects NAME=VALUE, got '\(header)'")
            }
        }

        func run() async throws {
            var parsed: [String: String] = [:]
            for header in headers {
                let parts = header.split(separator: "=", maxSplits: 1)
                parsed[String(parts[0]).trimmingCharacters(in: .whitespaces)] = parts.count > 1 ? String(parts[1]) : ""
            }
            try await withStore { [parsed] store in
                let recipient = try await store.createRecipient(
                    domain: domain, localPart: localPart, webhookURL: webhookURL, webhookHeaders: parsed
                )
                let address = "\(recipient.localPart ?? "*")@\(Store.normalizeDomain(domain))"
                print(
                    "Created \(recipient.isCatchAll ? "catch-all " : "")recipient \(address) → \(webhookURL) (id: \(recipient.id.uuidString.lowercased()))"
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a domain's recipients.")
        @Argument var domain: String
        func run() async throws {
            try await withStore { store in
                for recipient in try await store.recipients(domain: domain) {
                    print(
                        "\(recipient.id.uuidString.lowercased())  \(recipient.isEnabled ? "enabled " : "disabled")  \(recipient.localPart ?? "*")  →  \(recipient.webhookURL)"
                    )
                }
            }
        }
    }
}

struct ShowConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show-config", abstract: "Print the effective settings (secrets masked).")
    func run() async throws {
        let env = try Environment.load()
        let entries = env.settings.redactedEntries()
        let width = entries.map(\.name.count).max() ?? 0
        for entry in entries {
            print(entry.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + entry.value)
        }
    }
}
