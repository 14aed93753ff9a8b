import Foundation
import SQLKit
import Storage
import Testing

/// `sslmode` as libpq reads it (issue #12.6).
@Suite struct DatabaseTLSModeTests {
    private func mode(_ query: String) throws -> DatabaseLocation.PostgresLocation {
        guard case .postgres(let location) = try DatabaseLocation(url: "postgresql://u@db.example.com/mail" + query)
        else { throw TestSetupError("not a PostgreSQL location") }
        return location
    }

    @Test func modesReadAsLibpqReadsThem() throws {
        #expect(try mode("").tls == .prefer)
        #expect(try mode("?sslmode=disable").tls == .disable)
        #expect(try mode("?sslmode=allow").tls == .prefer)
        #expect(try mode("?sslmode=prefer").tls == .prefer)
        #expect(try mode("?sslmode=require").tls == .require)
        #expect(try mode("?sslmode=verify-ca").tls == .verifyCA)
        #expect(try mode("?sslmode=verify-full").tls == .verifyFull)
        #expect(try mode("?ssl=true").tls == .require)
        #expect(try mode("?ssl=false").tls == .disable)
    }

    @Test func requireWithARootCertificateChecksTheChain() throws {
        let location = try mode("?sslmode=require&sslrootcert=/etc/ssl/db-ca.pem")
        #expect(location.tls == .verifyCA)
        #expect(location.rootCertificatePath == "/etc/ssl/db-ca.pem")
        #expect(try mode("?sslmode=verify-full&sslrootcert=").rootCertificatePath == nil)
    }

    @Test func anUnknownModeNamesTheKnownOnes() {
        #expect(throws: DatabaseURLError.self) { try mode("?sslmode=verify") }
        do {
            _ = try mode("?sslmode=verify")
        } catch {
            #expect("\(error)".contains("verify-full"))
        }
    }
}

/// The same modes against a PostgreSQL server that speaks TLS with a certificate for `localhost` from a throwaway CA
/// (scripts/test-postgres.sh; .ci/run sets both variables).
private let testDatabaseCAPath = ProcessInfo.processInfo.environment["FASTSMTP_TEST_DATABASE_TLS_CA"]

@Suite(
    .enabled(if: testDatabaseCAPath != nil && TestDatabase.postgresURL != nil),
    .timeLimit(.minutes(2))
)
struct DatabaseTLSServerTests {
    static let caPath = testDatabaseCAPath

    /// The test server's URL with `host` and the query replaced.
    private func url(host: String = "127.0.0.1", _ query: String) throws -> String {
        guard let base = TestDatabase.postgresURL, var components = URLComponents(string: base) else {
            throw TestSetupError("FASTSMTP_TEST_DATABASE_URL is not set")
        }
        components.host = host
        components.query = query.isEmpty ? nil : query
        return components.string ?? base
    }

    /// Whether the session connected with `url` is encrypted, as the server sees it.
    private func encrypted(_ url: String) async throws -> Bool {
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1) { database in
            try await database.withConnection(beginWithin: .seconds(10)) { sql in
                let row = try await sql.raw("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first()
                return try row?.decode(column: "ssl", as: Bool.self) ?? false
            }
        }
    }

    /// A connection that cannot be made: the CLI's probe says why at once.
    private func refused(_ url: String) async throws -> Bool {
        do {
            _ = try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1) { _ in }
            return false
        } catch let error as DatabaseUnreachableError {
            return error.description.contains("sslmode=verify")
        }
    }

    /// The server's pool (no probe) never lends such a connection either: the bounded wait to begin gives up.
    private func poolRefuses(_ url: String) async throws -> Bool {
        let database = try await Database.open(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1)
        return try await database.whileRunning {
            do {
                try await database.withConnection(beginWithin: .seconds(2)) { _ in }
                return false
            } catch is DatabaseBusyError {
                return true
            }
        }
    }

    @Test func disableIsPlainAndPreferAndRequireEncryptWithoutChecking() async throws {
        #expect(try await encrypted(url("sslmode=disable")) == false)
        #expect(try await encrypted(url("")))
        #expect(try await encrypted(url("sslmode=prefer")))
        // The CA is nowhere in the system's trust store, and the certificate does not name 127.0.0.1: `require`
        // encrypts anyway, as libpq does.
        #expect(try await encrypted(url("sslmode=require")))
    }

    @Test func verifyCAChecksTheChainButNotTheName() async throws {
        let ca = try #require(Self.caPath)
        #expect(try await encrypted(url("sslmode=verify-ca&sslrootcert=\(ca)")))
        #expect(try await encrypted(url("sslmode=require&sslrootcert=\(ca)")))
        // Without the CA the chain leads nowhere the system trusts.
        #expect(try await refused(url("sslmode=verify-ca")))
    }

    @Test func verifyFullChecksTheNameToo() async throws {
        let ca = try #require(Self.caPath)
        #expect(try await encrypted(url(host: "localhost", "sslmode=verify-full&sslrootcert=\(ca)")))
        #expect(try await refused(url(host: "127.0.0.1", "sslmode=verify-full&sslrootcert=\(ca)")))
        #expect(try await poolRefuses(url(host: "127.0.0.1", "sslmode=verify-full&sslrootcert=\(ca)")))
    }

    @Test func anUnreadableRootCertificateIsNamed() async throws {
        do {
            _ = try await encrypted(url("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"))
            Issue.record("connected without its root certificate")
        } catch let error as DatabaseURLError {
            #expect(error.description.contains("/nonexistent/ca.pem"))
        }
    }
}
