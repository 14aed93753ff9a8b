import API
import ArgumentParser
import FastSMTPApp
import Foundation
import Storage

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users and their API keys (direct database access).",
        subcommands: [Create.self, List.self, Delete.self, SetSuperuser.self, GenerateKey.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @Argument(help: "The username (A-Z a-z 0-9 . _ -).") var username: String
        @Flag(help: "Make the user a superuser.") var superuser = false
        @Option(help: "The user's email address.") var email: String?

        func validate() throws {
            guard (1...64).contains(username.count),
                username.unicodeScalars.allSatisfy({
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
                })
            else { throw ValidationError("the username must be 1 to 64 of A-Z a-z 0-9 . _ -") }
        }

        func run() async throws {
            try await withStore { store in
                let user = try await store.createUser(username: username, email: email, isSuperuser: superuser)
                print(
                    "Created \(superuser ? "superuser" : "user") \(user.username) (id: \(user.id.uuidString.lowercased()))"
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        func run() async throws {
            try await withStore { store in
                let users = try await store.users(limit: 10_000)
                if users.isEmpty { print("No users yet. Create one with: fastsmtp user create NAME --superuser") }
                for user in users {
                    let flags = [user.isSuperuser ? "superuser" : nil, user.isActive ? nil : "inactive"].compactMap {
                        $0
                    }
                    print(
                        "\(user.id.uuidString.lowercased())  \(user.username)\(user.email.map { " <\($0)>" } ?? "")\(flags.isEmpty ? "" : "  [\(flags.joined(separator: ", "))]")"
                    )
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user with its keys and memberships.")
        @Argument var username: String
        func run() async throws {
            try await withStore { store in
                guard let user = try await store.user(named: username) else {
                    throw StoreError.notFound("user \(username)")
                }
                try await store.deleteUser(id: user.id)
                print("Deleted user \(username)")
            }
        }
    }

    struct SetSuperuser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-superuser", abstract: "Grant or revoke superuser rights.")
        @Argument var username: String
        @Flag(help: "Grant superuser rights.") var enable = false
        @Flag(help: "Revoke superuser rights.") var disable = false

        var superuser: Bool { enable }

        func validate() throws {
            guard enable != disable else { throw ValidationError("give exactly one of --enable and --disable") }
        }

        func run() async throws {
            try await withStore { store in
                guard let user = try await store.user(named: username) else {
                    throw StoreError.notFound("user \(username)")
                }
                _ = try await store.updateUser(id: user.id, UserChanges(isSuperuser: superuser))
                print("\(username) is \(superuser ? "now" : "no longer") a superuser")
            }
        }
    }

    struct GenerateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-key", abstract: "Create an API key for a user; the secret is printed once.")
        @Argument var username: String
        @Option(help: "A name for the key.") var name = "cli"
        @Option(help: "Comma-separated scopes (default: admin, i.e. everything the user may do).") var scopes = "admin"

        func validate() throws {
            let known = [
                "domains:read", "domains:write", "domains:delete", "members:read", "members:write", "recipients:read",
                "recipients:write", "rules:read", "rules:write", "logs:read", "users:read", "users:write", "admin",
            ]
            for scope in parsedScopes where !known.contains(scope) {
                throw ValidationError("unknown scope '\(scope)'; known: \(known.joined(separator: ", "))")
            }
            if parsedScopes.isEmpty { throw ValidationError("name at least one scope") }
        }

        var parsedScopes: [String] {
            scopes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func run() async throws {
            let env = try Environment.load()
            try await withStore { [parsedScopes] store in
                guard let user = try await store.user(named: username) else {
                    throw StoreError.notFound("user \(username)")
                }
                let secret = APIKeyGenerator.generate()
                let key = try await store.createAPIKey(
                    userID: user.id, name: name,
                    keyHash: APIKeyGenerator.hash(secret, algorithm: env.settings.apiKeyHashAlgorithm),
                    keyPrefix: APIKeyGenerator.displayPrefix(secret), scopes: parsedScopes, expiresAt: nil
                )
                print(
                    "API key for \(username) (id: \(key.id.uuidString.lowercased()), scopes: \(parsedScopes.joined(separator: ","))). It is shown only now:"
                )
                print(secret)
            }
        }
    }
}
