import ArgumentParser
import FastSMTPClient
import Foundation

extension Components.Schemas.Role: ExpressibleByArgument {}

struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "A domain's members and their roles (owner, admin, member).",
        subcommands: [List.self, Add.self, Update.self, Remove.self]
    )
}

extension MembersCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a domain's members.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The domain's name or id (default: default_domain).")
        var domain: String?

        func run() async throws {
            let session = try Session.make(global)
            let members = try await session.client.listMembers(path: .init(domainId: try session.domain(domain))).ok
                .body.json
            let output = session.output
            try output.emit(members) {
                guard !members.isEmpty else { return output.line("No members.") }
                var table = TextTable("User ID", "Username", "Role", "Added", dim: [0])
                for member in members {
                    table.add(
                        shortID(member.userId), member.username, member.role.rawValue, DateText.short(member.createdAt))
                }
                output.table(table)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user to a domain.", discussion: "Usage: fsmtp members add [DOMAIN] USERNAME [--role R]")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] username (the domain defaults to default_domain).")
        var arguments: [String]

        @Option(help: "owner, admin or member.")
        var role: Components.Schemas.Role = .member

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] USERNAME")
            let user = rest[0]
            // user_id takes an id or a username.
            let body = Components.Schemas.MemberCreate(userId: user, role: role)
            let member = try await session.client.addMember(path: .init(domainId: domain), body: .json(body)).created
                .body.json
            let output = session.output
            try output.emit(member, success: "Added \(member.username) to \(domain) as \(member.role.rawValue)")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a member's role.", discussion: "Usage: fsmtp members update [DOMAIN] USERNAME --role R")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] username.")
        var arguments: [String]

        @Option(help: "owner, admin or member.")
        var role: Components.Schemas.Role

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] USERNAME")
            let member = try await session.member(domain, rest[0])
            let updated = try await session.client.updateMember(
                path: .init(domainId: domain, userId: member.userId), body: .json(.init(role: role))
            ).ok.body.json
            let output = session.output
            try output.emit(updated, success: "\(updated.username) is now \(updated.role.rawValue) of \(domain)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a member from a domain.", discussion: "Usage: fsmtp members remove [DOMAIN] USERNAME")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] username.")
        var arguments: [String]

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] USERNAME")
            let member = try await session.member(domain, rest[0])
            _ = try await session.client.removeMember(path: .init(domainId: domain, userId: member.userId)).noContent
            session.output.successInTable("Removed \(member.username) from \(domain)")
        }
    }
}
