import FastSMTPApp
import Foundation
import Logging
import Storage
import Testing

/// The databases integration tests run against: SQLite always; PostgreSQL when `FASTSMTP_TEST_DATABASE_URL` is set
/// (.ci/run always sets it after starting a throwaway cluster). Each test gets a fresh database of its own.
enum TestDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql, mariadb

    var testDescription: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["FASTSMTP_TEST_DATABASE_URL"]

    /// MariaDB when `FASTSMTP_TEST_MARIADB_URL` is set and this build has the `MariaDB` trait
    /// (`swift test --traits MariaDB`; .ci/run sets both).
    static let mariaDBURL: String? = {
        #if MariaDB
        ProcessInfo.processInfo.environment["FASTSMTP_TEST_MARIADB_URL"]
        #else
        nil
        #endif
    }()

    /// SQLite always; PostgreSQL and MariaDB only when configured.
    static var available: [TestDatabase] {
        [.sqlite] + (postgresURL == nil ? [] : [.postgresql]) + (mariaDBURL == nil ? [] : [.mariadb])
    }

    /// A URL for a new, empty database of this kind.
    func makeURL() async throws -> String {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "fastsmtp-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return "sqlite:///" + dir.appendingPathComponent("test.db").path
        case .postgresql, .mariadb:
            guard let base = self == .postgresql ? Self.postgresURL : Self.mariaDBURL else {
                throw TestSetupError("the \(rawValue) test URL is not set")
            }
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            try await Database.withDatabase(try DatabaseLocation(url: base), logger: .quiet, poolSize: 1) { database in
                try await database.withConnection { sql in
                    try await sql.raw("CREATE DATABASE \(unsafeRaw: name)").run()
                }
            }
            guard var components = URLComponents(string: base) else { throw TestSetupError("bad URL \(base)") }
            components.path = "/" + name
            return components.string ?? base
        }
    }

    /// A fresh database URL with the schema applied.
    func makeMigratedURL() async throws -> String {
        let url = try await makeURL()
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1) { database in
            try await Migrator(database: database, logger: .quiet).upgrade()
        }
        return url
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Logger {
    /// Tests log only problems unless FASTSMTP_TEST_LOG_LEVEL says otherwise.
    static let quiet: Logger = {
        var logger = Logger(label: "fastsmtp-test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["FASTSMTP_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? .critical
        return logger
    }()
}
