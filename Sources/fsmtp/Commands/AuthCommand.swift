import ArgumentParser
import FastSMTPClient
import Foundation

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Who you are, and your API keys.",
        subcommands: [WhoAmI.self, Keys.self]
    )

    /// A key with its secret, which the API shows once: `✓ <verb> API key …` and the secret, or the whole object.
    static func showSecret(_ key: Components.Schemas.APIKeyCreated, _ verb: String, _ output: Output) throws(CLIFailure)
    {
        try output.emit(key) {
            output.success("\(verb) API key '\(key.value1.name)' (id: \(shortID(key.value1.id)))")
            output.line("Key: \(key.value2.key)")
            output.line("Store it now: it is not shown again.")
        }
    }
}

extension AuthCommand {
    struct WhoAmI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "whoami", abstract: "Show the user the API key belongs to, and its domains.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.make(global)
            let me = try await session.client.getMe().ok.body.json
            let output = session.output
            try output.emit(me) {
                let domains = me.memberships.map { "\($0.domainName) (\($0.role.rawValue))" }
                output.fields([
                    ("User", me.user.username),
                    ("Email", me.user.email ?? "-"),
                    ("Superuser", me.user.isSuperuser ? "Yes" : "No"),
                    ("Domains", domains.isEmpty ? "-" : domains.joined(separator: ", ")),
                    ("Scopes", me.scopes.map(\.rawValue).joined(separator: ", ")),
                ])
            }
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keys", abstract: "List, create, delete and rotate your API keys.",
            subcommands: [List.self, Create.self, Delete.self, Rotate.self])
    }
}

extension AuthCommand.Keys {
    static func table(_ keys: [Components.Schemas.APIKey], _ output: Output) -> TextTable {
        var table = TextTable("ID", "Name", "Prefix", "Scopes", "Expires", "Last used", "Active", dim: [0])
        for key in keys {
            table.add(
                shortID(key.id), key.name, key.keyPrefix, key.scopes.map(\.rawValue).joined(separator: ","),
                key.expiresAt.map(DateText.short) ?? "never", key.lastUsedAt.map(DateText.short) ?? "-",
                output.mark(key.isActive))
        }
        return table
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your API keys (never their secrets).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.make(global)
            let keys = try await session.allKeys()
            let output = session.output
            try output.emit(keys) {
                keys.isEmpty ? output.line("No API keys.") : output.table(AuthCommand.Keys.table(keys, output))
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; its secret is shown once.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "A name for the key.")
        var name: String = "fsmtp"

        @Option(help: ArgumentHelp("Comma-separated scopes (default: admin, all you may do).", valueName: "scope,..."))
        var scopes: String?

        func run() async throws {
            let session = try Session.make(global)
            var parsed: [Components.Schemas.Scope]?
            if let scopes {
                parsed = try scopes.split(separator: ",").map { text in
                    let trimmed = text.trimmingCharacters(in: .whitespaces)
                    guard let scope = Components.Schemas.Scope(rawValue: trimmed) else {
                        throw CLIFailure.usage(
                            "unknown scope '\(trimmed)'; scopes are "
                                + Components.Schemas.Scope.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    return scope
                }
            }
            let created = try await session.client.createKey(body: .json(.init(name: name, scopes: parsed)))
                .created.body.json
            try AuthCommand.showSecret(created, "Created", session.output)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key (by id, short id or name).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The key's id, short id or name.")
        var keyID: String

        func run() async throws {
            let session = try Session.make(global)
            let key = try await session.key(keyID)
            _ = try await session.client.deleteKey(path: .init(keyId: key.id)).noContent
            session.output.successInTable("Deleted API key '\(key.name)' (id: \(shortID(key.id)))")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new secret for a key; the old one stops working at once.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The key's id, short id or name.")
        var keyID: String

        func run() async throws {
            let session = try Session.make(global)
            let key = try await session.key(keyID)
            let rotated = try await session.client.rotateKey(path: .init(keyId: key.id)).ok.body.json
            try AuthCommand.showSecret(rotated, "Rotated", session.output)
        }
    }
}

/// Dates for tables: UTC, to the minute.
enum DateText {
    static func short(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    static func full(_ date: Date) -> String { date.formatted(.iso8601) }
}
