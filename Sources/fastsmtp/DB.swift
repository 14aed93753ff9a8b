import ArgumentParser
import FastSMTPApp
import Storage

struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Database schema migrations.",
        subcommands: [Upgrade.self, Current.self, Downgrade.self, History.self]
    )

    /// Runs `body` with a migrator over the configured database; errors become one line and exit 1.
    static func withMigrator(_ body: @escaping @Sendable (Migrator) async throws -> Void) async throws {
        let env = try Environment.load()
        do {
            let location = try DatabaseLocation(url: env.settings.databaseURL)
            try await Database.withDatabase(location, logger: env.logger, poolSize: 1) { database in
                try await body(Migrator(database: database, logger: env.logger))
            }
        } catch {
            throw fail("\(error)")
        }
    }

    struct Upgrade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations (up to REVISION, default: head).")
        @Argument(help: "Target revision (default: head).") var revision: String?

        func run() async throws {
            try await DB.withMigrator { migrator in
                let applied = try await migrator.upgrade(to: revision)
                print(
                    applied.isEmpty
                        ? "Already at \(try await migrator.current())."
                        : "Applied \(applied.joined(separator: ", ")); now at \(try await migrator.current()).")
            }
        }
    }

    struct Current: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the current schema revision.")
        func run() async throws {
            try await DB.withMigrator { migrator in
                let current = try await migrator.current()
                print("\(current)\(current == migrator.head ? " (head)" : " (head is \(migrator.head))")")
            }
        }
    }

    struct Downgrade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revert migrations newer than REVISION ('base' reverts all).")
        @Argument(help: "Revision to go back to, or 'base'.") var revision: String

        func run() async throws {
            try await DB.withMigrator { migrator in
                let reverted = try await migrator.downgrade(to: revision)
                print(
                    reverted.isEmpty
                        ? "Nothing to revert; at \(try await migrator.current())."
                        : "Reverted \(reverted.joined(separator: ", ")); now at \(try await migrator.current()).")
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the known revisions and which are applied.")
        func run() async throws {
            try await DB.withMigrator { migrator in
                let applied = Set(try await migrator.applied())
                for migration in migrator.migrations {
                    print(
                        "\(applied.contains(migration.revision) ? "[x]" : "[ ]") \(migration.revision)  \(migration.description)"
                    )
                }
            }
        }
    }
}
