#if MariaDB
import Foundation
import SQLKit
import Storage
import Testing

/// `?ssl=` against a MariaDB server that speaks TLS with a certificate for `localhost` from a throwaway CA
/// (scripts/test-mariadb.sh; .ci/run sets both variables). The MariaDB counterpart of ``DatabaseTLSServerTests``.
private let testMariaDBCAPath = ProcessInfo.processInfo.environment["FASTSMTP_TEST_MARIADB_TLS_CA"]

@Suite(
    .enabled(if: testMariaDBCAPath != nil && TestDatabase.mariaDBURL != nil),
    .timeLimit(.minutes(2))
)
struct MariaDBTLSServerTests {
    static let caPath = testMariaDBCAPath

    /// The test server's URL with `host` and the query replaced.
    private func url(host: String = "127.0.0.1", _ query: String) throws -> String {
        guard let base = TestDatabase.mariaDBURL, var components = URLComponents(string: base) else {
            throw TestSetupError("FASTSMTP_TEST_MARIADB_URL is not set")
        }
        components.host = host
        components.query = query.isEmpty ? nil : query
        return components.string ?? base
    }

    /// Whether the session connected with `url` is encrypted, as the server sees it (its cipher, empty when plain).
    private func encrypted(_ url: String) async throws -> Bool {
        try await cipher(url).isEmpty == false
    }

    private func cipher(_ url: String) async throws -> String {
        try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1) { database in
            try await database.withConnection(beginWithin: .seconds(10)) { sql in
                let row = try await sql.raw("SHOW SESSION STATUS LIKE 'Ssl_cipher'").first()
                return try row?.decode(column: "Value", as: String?.self) ?? ""
            }
        }
    }

    /// A connection that cannot be made: opening the database says why at once, naming the mode and the CA.
    private func refusal(_ url: String) async throws -> String? {
        do {
            _ = try await Database.withDatabase(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1) { _ in }
            return nil
        } catch let error as DatabaseUnreachableError {
            return error.description
        }
    }

    /// The server's pool (no connect at open) never lends such a connection either: the lease fails.
    private func poolRefuses(_ url: String) async throws -> Bool {
        let database = try await Database.open(try DatabaseLocation(url: url), logger: .quiet, poolSize: 1)
        return try await database.whileRunning {
            do {
                try await database.withConnection(beginWithin: .seconds(5)) { _ in }
                return false
            } catch {
                return true
            }
        }
    }

    @Test func disableIsPlainAndPreferAndRequireEncryptWithoutChecking() async throws {
        #expect(try await encrypted(url("ssl=disable")) == false)
        #expect(try await encrypted(url("")))
        #expect(try await encrypted(url("ssl=prefer")))
        // The CA is nowhere in the system's trust store, and the certificate does not name 127.0.0.1: `require`
        // encrypts anyway, as libpq does.
        #expect(try await encrypted(url("ssl=require")))
        #expect(try await encrypted(url("ssl=true")))
    }

    @Test func verifyingAgainstTheTestCAPassesForLocalhost() async throws {
        let ca = try #require(Self.caPath)
        #expect(try await encrypted(url(host: "localhost", "ssl=verify-full&ssl_ca=\(ca)")))
        #expect(try await encrypted(url(host: "localhost", "ssl=verify-ca&ssl_ca=\(ca)")))
        // `require` with a CA file checks the chain (and, with Connector/C, the name).
        #expect(try await encrypted(url(host: "localhost", "ssl=require&ssl_ca=\(ca)")))
        #expect(try await encrypted(url(host: "localhost", "ssl=verify_identity&ssl_ca=\(ca)")))
    }

    @Test func verifyIdentityFailsForAnAddressTheCertificateDoesNotName() async throws {
        let ca = try #require(Self.caPath)
        let refused = try #require(try await refusal(url(host: "127.0.0.1", "ssl=verify-full&ssl_ca=\(ca)")))
        #expect(refused.contains("cannot connect to MariaDB at 127.0.0.1:"), "\(refused)")
        #expect(refused.contains("ssl=verify-full, CA: \(ca)"), "\(refused)")
        #expect(refused.contains("TLS/SSL") || refused.contains("certificate"), "\(refused)")
        #expect(try await poolRefuses(url(host: "127.0.0.1", "ssl=verify-full&ssl_ca=\(ca)")))
    }

    @Test func verificationWithoutTheCAFailsClearly() async throws {
        // Without the CA the chain leads nowhere the system trusts, whatever the name.
        let refused = try #require(try await refusal(url(host: "localhost", "ssl=verify-full")))
        #expect(refused.contains("ssl=verify-full, CA: the system's trust store"), "\(refused)")
        #expect(refused.contains("TLS/SSL") || refused.contains("certificate"), "\(refused)")
        #expect(try await refusal(url(host: "localhost", "ssl=verify-ca")) != nil)
    }

    @Test func anUnreadableCAFileIsNamed() async throws {
        let refused = try #require(
            try await refusal(url(host: "localhost", "ssl=verify-full&ssl_ca=/nonexistent/ca.pem")))
        #expect(refused.contains("cannot read the CA file ssl_ca=/nonexistent/ca.pem"), "\(refused)")
    }
}
#endif
