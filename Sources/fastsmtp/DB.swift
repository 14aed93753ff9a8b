import ArgumentParser
import FastSMTPApp
import Foundation
import Storage

struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Database schema migrations.",
        subcommands: [Upgrade.self, Current.self, Downgrade.self, History.self, Revision.self]
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

    struct Revision: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the next schema revision, with empty up and down SQL per dialect, and register it.",
            discussion: """
                Like `alembic revision -m`: writes Sources/Storage/Migrations/NNNN_<slug>.swift in a FastSMTP \
                checkout and lists it in Migrations.all (Sources/Storage/Migrations.swift). It never opens the \
                database. Fill in up and down for every dialect, then build and run `db upgrade` (CONTRIBUTING.md, \
                "Changing the schema").
                """)

        @Option(name: .shortAndLong, help: "What the revision does, e.g. \"add foo column\".") var message: String
        @Option(
            help: """
                The FastSMTP checkout to write into (default: the nearest directory at or above the current one \
                holding Package.swift and Sources/Storage/Migrations.swift).
                """)
        var directory: String?

        func run() throws {
            do {
                let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
                let scaffold = RevisionScaffold(checkout: try RevisionScaffold.checkout(directory, from: cwd))
                let revision = try scaffold.write(message: message)
                print("Generating \(revision.file.path) ... done")
                print(
                    "Registered \(revision.identifier) in \(scaffold.registry.path); write its SQL for every dialect.")
            } catch let error as RevisionScaffold.Failure {
                throw fail(error.description)
            }
        }
    }
}

/// What `db revision` writes into a checkout: the next revision's file and its line in `Migrations.all`. It edits
/// text only and never opens a database.
struct RevisionScaffold {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static let registryPath = "Sources/Storage/Migrations.swift"
    static let revisionsPath = "Sources/Storage/Migrations"
    /// The last line of the `all` array; a new revision goes in just above it.
    static let marker = "// fastsmtp db revision inserts new revisions above this line"
    /// A slug (file name) keeps at most this many characters, cut at a word (alembic's `truncate_slug_length`).
    static let slugLength = 40
    /// The longest message (as escaped in its string literal) whose `description:` line fits in 120 columns.
    static let messageLength = 96

    /// The dialects a revision writes SQL for, in the template's order.
    static let dialects: [SQLDialectKind] = [.sqlite, .postgresql, .mariadb]

    /// A dialect's case name in Swift. The switch has no `default`: a dialect added to `SQLDialectKind` stops this
    /// build until it is named here and listed in ``dialects``, so that templates ask for its SQL too.
    static func caseName(_ dialect: SQLDialectKind) -> String {
        switch dialect {
        case .sqlite: "sqlite"
        case .postgresql: "postgresql"
        case .mariadb: "mariadb"
        }
    }

    let checkout: URL
    var registry: URL { checkout.appendingPathComponent(Self.registryPath) }
    var revisions: URL { checkout.appendingPathComponent(Self.revisionsPath, isDirectory: true) }

    struct Written {
        var revision: String
        var identifier: String
        var file: URL
    }

    /// `directory` if given, else the nearest directory at or above `cwd` that is a FastSMTP checkout.
    static func checkout(_ directory: String?, from cwd: URL) throws -> URL {
        if let directory {
            let url = URL(fileURLWithPath: directory, isDirectory: true, relativeTo: cwd).standardizedFileURL
            guard isCheckout(url) else {
                throw Failure(
                    "\(url.path) is not a FastSMTP checkout: it needs Package.swift and \(registryPath)")
            }
            return url
        }
        var url = cwd.standardizedFileURL
        while true {
            if isCheckout(url) { return url }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path {
                throw Failure(
                    "not inside a FastSMTP checkout: no directory at or above \(cwd.path) holds Package.swift and "
                        + "\(registryPath); run this in the checkout or pass --directory")
            }
            url = parent
        }
    }

    static func isCheckout(_ url: URL) -> Bool {
        let files = FileManager.default
        return files.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
            && files.fileExists(atPath: url.appendingPathComponent(registryPath).path)
    }

    /// The message on one line: whitespace runs (newlines too) become one space, control characters go.
    static func normalized(_ message: String) -> String {
        let kept = message.unicodeScalars.filter {
            $0.properties.isWhitespace || $0.properties.generalCategory != .control
        }
        return String(String.UnicodeScalarView(kept)).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The message's words in lower-case ASCII letters and digits (accents dropped), cut to ``slugLength``.
    static func words(_ message: String) -> [String] {
        let folded = message.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        let all = folded.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.map(String.init)
        var kept: [String] = []
        var length = 0
        for word in all {
            let added = (kept.isEmpty ? 0 : 1) + word.count
            if !kept.isEmpty && length + added > slugLength { break }
            kept.append(String(word.prefix(slugLength)))
            length += added
        }
        return kept
    }

    /// Swift string literal contents for `text`.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// The revisions already there: numbers of `NNNN_*.swift` files and of `mNNNN…,` lines in the registry.
    func existingNumbers(registryText: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: revisions.path)) ?? []
        let fromFiles = names.compactMap { name -> Int? in
            guard name.hasSuffix(".swift"), name.count > 5, name.dropFirst(4).first == "_" else { return nil }
            return Int(name.prefix(4))
        }
        let fromRegistry = registryText.split(separator: "\n").compactMap { line -> Int? in
            let entry = line.trimmingCharacters(in: .whitespaces)
            guard entry.hasPrefix("m"), entry.hasSuffix(","), entry.count > 5 else { return nil }
            let digits = entry.dropFirst().prefix(4)
            return digits.allSatisfy(\.isASCII) ? Int(digits) : nil
        }
        return fromFiles + fromRegistry
    }

    /// Writes the next revision for `message` and lists it in the registry.
    func write(message: String) throws -> Written {
        let description = Self.normalized(message)
        guard !description.isEmpty else {
            throw Failure("the message is empty: say what the revision does, e.g. -m \"add foo column\"")
        }
        // `        description: "…",` must fit in the 120 columns scripts/format.sh allows.
        let length = Self.escaped(description).count
        guard length <= Self.messageLength else {
            throw Failure(
                "the message is \(length) characters long; keep it to \(Self.messageLength) (it is the revision's "
                    + "title in db history) and say more in the doc comment of the file it writes")
        }
        let words = Self.words(description)
        guard !words.isEmpty else {
            throw Failure("the message needs a letter or digit (a-z, 0-9) to name the revision's file")
        }
        guard let registryText = try? String(contentsOf: registry, encoding: .utf8) else {
            throw Failure("cannot read \(registry.path)")
        }
        var lines = registryText.components(separatedBy: "\n")
        let markers = lines.indices.filter { lines[$0].trimmingCharacters(in: .whitespaces) == Self.marker }
        guard markers.count == 1, let markerIndex = markers.first else {
            throw Failure(
                "\(registry.path) needs the line `\(Self.marker)` exactly once, as the last line of the `all` array "
                    + "(found it \(markers.count) times)")
        }
        let next = (existingNumbers(registryText: registryText).max() ?? 0) + 1
        guard next <= 9999 else { throw Failure("revision numbers have four digits; 9999 is taken") }
        let revision = String(repeating: "0", count: 4 - String(next).count) + String(next)
        let identifier = "m" + revision + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        let file = revisions.appendingPathComponent("\(revision)_\(words.joined(separator: "_")).swift")
        guard !FileManager.default.fileExists(atPath: file.path) else { throw Failure("\(file.path) exists") }

        let indent = String(lines[markerIndex].prefix { $0 == " " || $0 == "\t" })
        lines.insert(indent + identifier + ",", at: markerIndex)
        do {
            try FileManager.default.createDirectory(at: revisions, withIntermediateDirectories: true)
            try Data(Self.template(revision: revision, identifier: identifier, description: description).utf8)
                .write(to: file, options: .withoutOverwriting)
        } catch {
            throw Failure("cannot write \(file.path): \(error.localizedDescription)")
        }
        do {
            try Data(lines.joined(separator: "\n").utf8).write(to: registry, options: .atomic)
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw Failure("cannot write \(registry.path): \(error.localizedDescription)")
        }
        return Written(revision: revision, identifier: identifier, file: file)
    }

    /// The revision's Swift source: empty `up` and `down` for every dialect, in a switch without `default`.
    static func template(revision: String, identifier: String, description: String) -> String {
        let summary = "\(revision): \(description)" + (description.hasSuffix(".") ? "" : ".")
        func cases(_ placeholder: String) -> String {
            dialects.map { "            case .\(caseName($0)):\n                []  // \(placeholder)\n" }.joined()
        }
        return """
            extension Migrations {
                /// \(summary)
                ///
                /// Written by `fastsmtp db revision`: fill in `up` and `down` for every dialect, one statement per
                /// string (a revision runs in one transaction), and say here what it changes and what going back loses.
                static let \(identifier) = Migration(
                    revision: "\(revision)",
                    description: "\(escaped(description))",
                    up: { dialect in
                        switch dialect {
            \(cases("write the SQL here"))            }
                    },
                    down: { dialect in
                        switch dialect {
            \(cases("write the SQL that reverts up here"))            }
                    }
                )
            }

            """
    }
}
