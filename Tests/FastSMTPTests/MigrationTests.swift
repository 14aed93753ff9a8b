import Foundation
import SQLKit
import Testing

@testable import Storage

@Suite("Migrations")
struct MigrationTests {
    static let tables = [
        "users", "api_keys", "domains", "domain_members", "recipients", "rulesets", "rules", "messages", "delivery_log",
    ]

    func tableNames(_ database: Database) async throws -> Set<String> {
        let query: SQLQueryString =
            switch database.dialect {
            case .sqlite: "SELECT name FROM sqlite_master WHERE type = 'table'"
            case .postgresql: "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
            case .mariadb: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()"
            }
        return try await database.withConnection { sql in
            Set(try await sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) })
        }
    }

    @Test("upgrade from empty, downgrade to base, upgrade again", arguments: TestDatabase.available)
    func roundTrip(database kind: TestDatabase) async throws {
        let url = try await kind.makeURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { database in
            let migrator = Migrator(database: database, logger: .quiet)
            #expect(try await migrator.current() == Migrator.base)
            #expect(try await migrator.isCurrent() == false)

            #expect(try await migrator.upgrade() == migrator.migrations.map(\.revision))
            #expect(try await migrator.current() == migrator.head)
            #expect(try await migrator.isCurrent())
            #expect(try await tableNames(database).isSuperset(of: Self.tables))
            #expect(try await migrator.upgrade().isEmpty, "a second upgrade must be a no-op")

            #expect(try await migrator.downgrade(to: Migrator.base) == migrator.migrations.reversed().map(\.revision))
            #expect(try await migrator.current() == Migrator.base)
            #expect(try await tableNames(database).isDisjoint(with: Self.tables))

            try await migrator.upgrade()
            #expect(try await migrator.isCurrent())
            #expect(try await tableNames(database).isSuperset(of: Self.tables))
        }
    }

    @Test("unique constraints and the one-catch-all rule hold", arguments: TestDatabase.available)
    func constraints(database kind: TestDatabase) async throws {
        let url = try await kind.makeMigratedURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { database in
            let store = Store(database: database)
            try await store.createDomain("Example.COM.")
            await #expect(throws: StoreError.conflict("domain example.com")) {
                try await store.createDomain("example.com")
            }
            _ = try await store.createRecipient(domain: "example.com", localPart: "*", webhookURL: "https://h.test/a")
            await #expect(throws: StoreError.self) {
                _ = try await store.createRecipient(
                    domain: "example.com", localPart: nil, webhookURL: "https://h.test/b")
            }
            _ = try await store.createRecipient(
                domain: "example.com", localPart: "Alice", webhookURL: "https://h.test/c")
            await #expect(throws: StoreError.self) {
                _ = try await store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: "https://h.test/d")
            }
            await #expect(throws: StoreError.self) {
                _ = try await store.createRecipient(domain: "example.com", localPart: "x", webhookURL: "ftp://h.test/d")
            }
            // Deleting the domain cascades to its recipients.
            #expect(try await store.deleteDomain(named: "example.com"))
            #expect(try await store.count("recipients") == 0)
        }
    }

    @Test("an unknown target revision is refused")
    func unknownRevision() async throws {
        let url = try await TestDatabase.sqlite.makeURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet) { database in
            await #expect(throws: MigrationError.self) {
                try await Migrator(database: database, logger: .quiet).upgrade(to: "9999")
            }
        }
    }
}
