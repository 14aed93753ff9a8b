import FastSMTPTestSupport
import Foundation
import SQLKit
import Storage
import Testing

/// `fastsmtp db revision -m`: the file it writes, its line in `Migrations.all`, that the result compiles, and that
/// an empty revision goes up and down like any other.
@Suite("fastsmtp db revision")
struct DBRevisionTests {
    static let marker = "// fastsmtp db revision inserts new revisions above this line"

    /// This checkout (Tests/FastSMTPTests/DBRevisionTests.swift is three levels down).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The revision after the newest one this build knows, e.g. `0007`.
    static func revision(after offset: Int = 0) -> String {
        let next = (Int(Migrations.all.last?.revision ?? "0") ?? 0) + 1 + offset
        return String(repeating: "0", count: max(0, 4 - String(next).count)) + String(next)
    }

    /// A scratch checkout: a Package.swift and a copy of this checkout's migrations (registry and revision files).
    static func makeCheckout() throws -> URL {
        let files = FileManager.default
        let root = try CLITests.tempDirectory()
        let storage = root.appendingPathComponent("Sources/Storage")
        try files.createDirectory(at: storage, withIntermediateDirectories: true)
        try files.copyItem(
            at: packageRoot.appendingPathComponent("Package.swift"), to: root.appendingPathComponent("Package.swift"))
        for name in ["Migrations.swift", "Migrations"] {
            try files.copyItem(
                at: packageRoot.appendingPathComponent("Sources/Storage/\(name)"),
                to: storage.appendingPathComponent(name))
        }
        return root
    }

    static func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    static func revisionFiles(_ root: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("Sources/Storage/Migrations").path
        )
        .filter { $0.hasSuffix(".swift") }.sorted()
    }

    /// The declarations a revision file uses, cut from this checkout's sources (so a new dialect or a changed
    /// `Migration` shows up here): `SQLDialectKind` and `Migration`.
    static func typeStub() throws -> String {
        func declaration(_ start: String, in path: String) throws -> String {
            let text = try read(packageRoot.appendingPathComponent(path))
            let from = try #require(text.range(of: start), "\(path) declares \(start)")
            let to = try #require(text.range(of: "\n}\n", range: from.upperBound..<text.endIndex))
            return String(text[from.lowerBound..<to.upperBound])
        }
        return try declaration("public enum SQLDialectKind", in: "Sources/Storage/Database.swift") + "\n"
            + declaration("public struct Migration: Sendable {", in: "Sources/Storage/Migration.swift")
    }

    /// Type-checks the scratch checkout's registry and every revision file in it, in Swift 6 mode, warnings as
    /// errors, against the real declarations of `Migration` and `SQLDialectKind`.
    static func typecheck(_ root: URL) async throws {
        let stub = root.appendingPathComponent("Stub.swift")
        try Data(try typeStub().utf8).write(to: stub)
        let storage = root.appendingPathComponent("Sources/Storage")
        let sources =
            [stub.path, storage.appendingPathComponent("Migrations.swift").path]
            + (try revisionFiles(root)).map { storage.appendingPathComponent("Migrations/\($0)").path }
        let result = try await runProcessCapturing(
            "/usr/bin/env",
            ["swiftc", "-typecheck", "-swift-version", "6", "-parse-as-library", "-warnings-as-errors"] + sources)
        #expect(result.status == 0, "swiftc -typecheck:\n\(result.stderr)\(result.stdout)")
    }

    /// `swift format lint --strict` with the project's configuration, as scripts/format.sh runs it in CI.
    static func lint(_ files: [URL]) async throws {
        let result = try await runProcessCapturing(
            "/usr/bin/env",
            [
                "swift", "format", "lint", "--strict", "--configuration",
                packageRoot.appendingPathComponent(".swift-format").path,
            ]
                + files.map(\.path))
        #expect(result.status == 0 && result.stderr.isEmpty, "swift format lint:\n\(result.stderr)")
    }

    @Test("writes the next numbered revision, registers it above the marker, and the result compiles and is formatted")
    func writesAndRegisters() async throws {
        let root = try Self.makeCheckout()
        let elsewhere = try CLITests.tempDirectory()
        let registry = root.appendingPathComponent("Sources/Storage/Migrations.swift")
        let (first, second) = (Self.revision(), Self.revision(after: 1))
        // Settings that would stop any command that reads them: `db revision` reads none and opens no database.
        let environment = ["FASTSMTP_DATABASE_URL": "oracle://x"]

        let run = try await CLITests.fastsmtp(
            ["db", "revision", "-m", "Add foo column", "--directory", root.path], in: elsewhere,
            environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let file = root.appendingPathComponent("Sources/Storage/Migrations/\(first)_add_foo_column.swift")
        #expect(run.stdout.contains("Generating \(file.path) ... done"), "\(run.stdout)")
        let source = try Self.read(file)
        #expect(source.contains("static let m\(first)AddFooColumn = Migration("))
        #expect(source.contains("revision: \"\(first)\""))
        #expect(source.contains("description: \"Add foo column\""))
        #expect(source.contains("case .sqlite:") && source.contains("case .postgresql:"))
        #expect(!source.contains("default:"), "a new dialect must make every revision that does not name it fail")
        #expect(try Self.read(registry).contains("    m\(first)AddFooColumn,\n        \(Self.marker)"))

        // Quotes, backslashes, accents and a newline: the file name and identifier keep ASCII words only, the
        // description keeps the message (on one line) in a valid literal.
        let odd = try await CLITests.fastsmtp(
            ["db", "revision", "-m", "Rename \"bar\" to café \\ baz\n  (no data loss)", "--directory", root.path],
            in: elsewhere, environment: environment)
        #expect(odd.status == 0, "\(odd.stderr)")
        let oddFile = root.appendingPathComponent(
            "Sources/Storage/Migrations/\(second)_rename_bar_to_cafe_baz_no_data_loss.swift")
        let oddSource = try Self.read(oddFile)
        #expect(oddSource.contains(#"description: "Rename \"bar\" to café \\ baz (no data loss)","#), "\(oddSource)")
        #expect(
            try Self.read(registry).contains(
                "    m\(first)AddFooColumn,\n        m\(second)RenameBarToCafeBazNoDataLoss,\n        \(Self.marker)"))

        // The longest message allowed still fits its `description:` line in 120 columns.
        let longest = String(repeating: "x", count: 94) + "\""
        let long = try await CLITests.fastsmtp(
            ["db", "revision", "-m", longest, "--directory", root.path], in: elsewhere, environment: environment)
        #expect(long.status == 0, "\(long.stderr)")
        let longFile = root.appendingPathComponent(
            "Sources/Storage/Migrations/\(Self.revision(after: 2))_\(String(repeating: "x", count: 40)).swift")

        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty, "nothing written here")
        try await Self.typecheck(root)
        try await Self.lint([file, oddFile, longFile, registry])
    }

    @Test("without --directory it finds the checkout from a directory inside it")
    func findsCheckout() async throws {
        let root = try Self.makeCheckout()
        let run = try await CLITests.fastsmtp(
            ["db", "revision", "-m", "index on foo"], in: root.appendingPathComponent("Sources/Storage/Migrations"))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            FileManager.default.fileExists(
                atPath: root.appendingPathComponent("Sources/Storage/Migrations/\(Self.revision())_index_on_foo.swift")
                    .path))
    }

    @Test(
        "refuses an empty message, a directory outside a checkout and a registry without its marker, changing nothing")
    func refusals() async throws {
        let root = try Self.makeCheckout()
        let registry = root.appendingPathComponent("Sources/Storage/Migrations.swift")
        let before = try Self.read(registry)
        let files = try Self.revisionFiles(root)

        let refused = [
            ("  \n ", "the message is empty"), ("!!! ---", "needs a letter or digit"),
            (String(repeating: "y", count: 97), "the message is 97 characters long; keep it to 96"),
        ]
        for (message, expected) in refused {
            let run = try await CLITests.fastsmtp(
                ["db", "revision", "-m", message, "--directory", root.path], in: root)
            #expect(run.status == 1)
            #expect(run.stderr.contains(expected), "\(run.stderr)")
        }
        let missing = try await CLITests.fastsmtp(["db", "revision"], in: root)
        #expect(missing.status != 0 && missing.stderr.contains("--message"), "\(missing.stderr)")

        let outside = try CLITests.tempDirectory()
        let nowhere = try await CLITests.fastsmtp(["db", "revision", "-m", "x"], in: outside)
        #expect(nowhere.status == 1)
        #expect(nowhere.stderr.contains("not inside a FastSMTP checkout"), "\(nowhere.stderr)")
        let notCheckout = try await CLITests.fastsmtp(
            ["db", "revision", "-m", "x", "--directory", outside.path], in: root)
        #expect(notCheckout.status == 1)
        #expect(notCheckout.stderr.contains("is not a FastSMTP checkout"), "\(notCheckout.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)

        try Data(before.replacingOccurrences(of: Self.marker, with: "").utf8).write(to: registry)
        let unmarked = try await CLITests.fastsmtp(["db", "revision", "-m", "x", "--directory", root.path], in: root)
        #expect(unmarked.status == 1)
        #expect(unmarked.stderr.contains("needs the line `\(Self.marker)` exactly once"), "\(unmarked.stderr)")

        #expect(try Self.read(registry) == before.replacingOccurrences(of: Self.marker, with: ""))
        #expect(try Self.revisionFiles(root) == files)
    }

    @Test("this checkout: one NNNN_slug.swift file per revision, all of them in Migrations.all, numbered 0001 up")
    func registryMatchesFiles() throws {
        let files = try Self.revisionFiles(Self.packageRoot)
        let revisions = Migrations.all.map(\.revision)
        #expect(revisions == (1...revisions.count).map { String(format: "%04d", $0) }, "no gap, no duplicate")
        #expect(files.map { String($0.prefix(5)) } == revisions.map { $0 + "_" })
        let registry = try Self.read(Self.packageRoot.appendingPathComponent("Sources/Storage/Migrations.swift"))
        #expect(registry.components(separatedBy: Self.marker).count == 2, "the marker is there once")
        for (file, revision) in zip(files, revisions) {
            let source = try Self.read(Self.packageRoot.appendingPathComponent("Sources/Storage/Migrations/\(file)"))
            #expect(source.contains("revision: \"\(revision)\""), "\(file) declares revision \(revision)")
        }
    }

    @Test(
        "an empty revision, as db revision writes it, is applied, reverted and applied again",
        arguments: TestDatabase.available)
    func emptyRevisionRoundTrip(database kind: TestDatabase) async throws {
        let head = try #require(Migrations.all.last?.revision)
        let next = Self.revision()
        let empty = Migration(
            revision: next, description: "empty revision",
            up: { dialect in
                switch dialect {
                case .sqlite: []
                case .postgresql: []
                case .mariadb: []
                }
            },
            down: { dialect in
                switch dialect {
                case .sqlite: []
                case .postgresql: []
                case .mariadb: []
                }
            })
        let url = try await kind.makeURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { database in
            let migrator = Migrator(database: database, migrations: Migrations.all + [empty], logger: .quiet)
            #expect(try await migrator.upgrade() == Migrations.all.map(\.revision) + [next])
            #expect(try await migrator.current() == next)
            #expect(try await migrator.isCurrent())
            #expect(try await migrator.downgrade(to: head) == [next])
            #expect(try await migrator.current() == head)
            #expect(try await Migrator(database: database, logger: .quiet).isCurrent(), "back where this build is")
            #expect(try await migrator.upgrade() == [next])
            let recorded = try await database.withConnection { sql in
                try await sql.raw("SELECT description FROM schema_migrations WHERE revision = \(bind: next)")
                    .first()?.decode(column: "description", as: String.self)
            }
            #expect(recorded == "empty revision")
            #expect(try await migrator.downgrade(to: Migrator.base).count == Migrations.all.count + 1)
        }
    }
}
