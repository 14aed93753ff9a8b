import FastSMTPModels
import Foundation
import Testing

@Suite("Settings validation")
struct SettingsValidationTests {
    @Test(
        "each invalid value names its exact variable",
        arguments: [
            (["FASTSMTP_SMTP_PORT": "70000"], "FASTSMTP_SMTP_PORT"),
            (["FASTSMTP_SMTP_PORT": "abc"], "FASTSMTP_SMTP_PORT"),
            (["FASTSMTP_SMTP_PORT": "-1"], "FASTSMTP_SMTP_PORT"),
            (["FASTSMTP_SMTP_PORT": "25x"], "FASTSMTP_SMTP_PORT"),
            (["FASTSMTP_SMTP_TLS_PORT": "65536"], "FASTSMTP_SMTP_TLS_PORT"),
            (["FASTSMTP_API_PORT": "8000.0"], "FASTSMTP_API_PORT"),
            (["FASTSMTP_SMTP_VERIFY_DKIM": "maybe"], "FASTSMTP_SMTP_VERIFY_DKIM"),
            (["FASTSMTP_SMTP_REQUIRE_STARTTLS": "2"], "FASTSMTP_SMTP_REQUIRE_STARTTLS"),
            (["FASTSMTP_DATABASE_URL": "oracle://x"], "FASTSMTP_DATABASE_URL"),
            (["FASTSMTP_DATABASE_URL": "just-a-path.db"], "FASTSMTP_DATABASE_URL"),
            (["FASTSMTP_DATABASE_URL": "://nothing"], "FASTSMTP_DATABASE_URL"),
            (["FASTSMTP_DATABASE_URL": "postgresql://"], "FASTSMTP_DATABASE_URL"),
            (["FASTSMTP_DATABASE_URL": "postgresql://h/my db"], "FASTSMTP_DATABASE_URL"),
            (["FASTSMTP_DATABASE_POOL_SIZE": "0"], "FASTSMTP_DATABASE_POOL_SIZE"),
            (["FASTSMTP_DATABASE_POOL_MAX_OVERFLOW": "-1"], "FASTSMTP_DATABASE_POOL_MAX_OVERFLOW"),
            (["FASTSMTP_SMTP_MAX_MESSAGE_SIZE": "0"], "FASTSMTP_SMTP_MAX_MESSAGE_SIZE"),
            (["FASTSMTP_SMTP_SPOOL_THRESHOLD": "0"], "FASTSMTP_SMTP_SPOOL_THRESHOLD"),
            (["FASTSMTP_WEBHOOK_DENY_NETWORKS": "10.0.0.0/33"], "FASTSMTP_WEBHOOK_DENY_NETWORKS"),
            (["FASTSMTP_WEBHOOK_ALLOW_NETWORKS": "10.0.0.0/8,example.com"], "FASTSMTP_WEBHOOK_ALLOW_NETWORKS"),
            (["FASTSMTP_WEBHOOK_ALLOW_NETWORKS": "0x7f000001"], "FASTSMTP_WEBHOOK_ALLOW_NETWORKS"),
            (["FASTSMTP_SMTP_MAX_INFLIGHT_BYTES": "1000"], "FASTSMTP_SMTP_MAX_INFLIGHT_BYTES"),
            (["FASTSMTP_SMTP_MAX_RECIPIENTS": "-5"], "FASTSMTP_SMTP_MAX_RECIPIENTS"),
            (["FASTSMTP_SMTP_IDLE_TIMEOUT": "0"], "FASTSMTP_SMTP_IDLE_TIMEOUT"),
            (["FASTSMTP_SMTP_IDLE_TIMEOUT": "nan"], "FASTSMTP_SMTP_IDLE_TIMEOUT"),
            (["FASTSMTP_SMTP_IDLE_TIMEOUT": "inf"], "FASTSMTP_SMTP_IDLE_TIMEOUT"),
            (["FASTSMTP_SMTP_HOSTNAME": "mx example"], "FASTSMTP_SMTP_HOSTNAME"),
            (["FASTSMTP_WEBHOOK_TIMEOUT": "0"], "FASTSMTP_WEBHOOK_TIMEOUT"),
            (["FASTSMTP_WEBHOOK_TIMEOUT": "1.5"], "FASTSMTP_WEBHOOK_TIMEOUT"),
            (["FASTSMTP_WEBHOOK_MAX_RETRIES": "-1"], "FASTSMTP_WEBHOOK_MAX_RETRIES"),
            (["FASTSMTP_WEBHOOK_RETRY_BASE_DELAY": "-0.5"], "FASTSMTP_WEBHOOK_RETRY_BASE_DELAY"),
            (["FASTSMTP_WEBHOOK_RETRY_BASE_DELAY": "1s"], "FASTSMTP_WEBHOOK_RETRY_BASE_DELAY"),
            (["FASTSMTP_WEBHOOK_MAX_RETRY_DELAY": "-1"], "FASTSMTP_WEBHOOK_MAX_RETRY_DELAY"),
            (["FASTSMTP_WORKER_CONCURRENCY": "0"], "FASTSMTP_WORKER_CONCURRENCY"),
            (["FASTSMTP_WORKER_POLL_INTERVAL": "0"], "FASTSMTP_WORKER_POLL_INTERVAL"),
            (["FASTSMTP_WORKER_LEASE": "2"], "FASTSMTP_WORKER_LEASE"),
            (["FASTSMTP_WORKER_LEASE": "-30"], "FASTSMTP_WORKER_LEASE"),
            (["FASTSMTP_LOG_LEVEL": "verbose"], "FASTSMTP_LOG_LEVEL"),
            (["FASTSMTP_API_KEY_HASH_ALGORITHM": "md5"], "FASTSMTP_API_KEY_HASH_ALGORITHM"),
            (
                ["FASTSMTP_SMTP_TLS_CERT": "/nonexistent/cert.pem", "FASTSMTP_SMTP_TLS_KEY": "/nonexistent/key.pem"],
                "FASTSMTP_SMTP_TLS_CERT"
            ),
            (["FASTSMTP_SMTP_REQUIRE_STARTTLS": "true"], "FASTSMTP_SMTP_REQUIRE_STARTTLS"),
        ])
    func invalidValue(environment: [String: String], variable: String) {
        let error = loadError(environment)
        #expect(error?.variable == variable, "\(environment) → \(String(describing: error))")
        #expect(error.map { !$0.message.isEmpty && !$0.description.contains("\n") } == true)
    }

    @Test("the port message quotes the offending value")
    func portMessage() {
        let error = loadError(["FASTSMTP_SMTP_PORT": "70000"])
        #expect(
            error
                == SettingsError(variable: "FASTSMTP_SMTP_PORT", message: "must be a port number 0-65535, got '70000'"))
    }

    @Test("ports at the edges are accepted")
    func portEdges() throws {
        #expect(try load(["FASTSMTP_SMTP_PORT": "0"]).smtpPort == 0)
        #expect(try load(["FASTSMTP_SMTP_PORT": "65535"]).smtpPort == 65535)
    }

    @Test("an unknown scheme is rejected without echoing the password")
    func unknownSchemeMessage() {
        let error = loadError(["FASTSMTP_DATABASE_URL": "oracle://scott:tiger@h/db"])
        #expect(error?.variable == "FASTSMTP_DATABASE_URL")
        #expect(error?.message.contains("oracle") == true)
        #expect(error?.message.contains("tiger") == false)
        let noScheme = loadError(["FASTSMTP_DATABASE_URL": "scott:tiger@host"])
        #expect(noScheme?.variable == "FASTSMTP_DATABASE_URL")
        #expect(noScheme?.message.contains("tiger") == false)
    }

    @Test("a certificate needs a key and a key needs a certificate")
    func certAndKeyPairing() throws {
        try withTemporaryDirectory { dir in
            let cert = try writeFile("CERT", named: "cert.pem", in: dir)
            let key = try writeFile("KEY", named: "key.pem", in: dir)
            #expect(loadError(["FASTSMTP_SMTP_TLS_CERT": cert])?.variable == "FASTSMTP_SMTP_TLS_KEY")
            #expect(loadError(["FASTSMTP_SMTP_TLS_KEY": key])?.variable == "FASTSMTP_SMTP_TLS_CERT")
            let both = try load([
                "FASTSMTP_SMTP_TLS_CERT": cert, "FASTSMTP_SMTP_TLS_KEY": key,
                "FASTSMTP_SMTP_REQUIRE_STARTTLS": "true",
            ])
            #expect(both.smtpTLSCert == cert)
            #expect(both.smtpTLSKey == key)
        }
    }

    @Test("certificate and key paths must be readable files")
    func unreadablePaths() throws {
        try withTemporaryDirectory { dir in
            let cert = try writeFile("CERT", named: "cert.pem", in: dir)
            let key = try writeFile("KEY", named: "key.pem", in: dir)
            let missing = dir.appendingPathComponent("missing.pem").path
            #expect(
                loadError(["FASTSMTP_SMTP_TLS_CERT": missing, "FASTSMTP_SMTP_TLS_KEY": key])?.variable
                    == "FASTSMTP_SMTP_TLS_CERT")
            #expect(
                loadError(["FASTSMTP_SMTP_TLS_CERT": cert, "FASTSMTP_SMTP_TLS_KEY": missing])?.variable
                    == "FASTSMTP_SMTP_TLS_KEY")
            // A directory is not a file.
            #expect(
                loadError(["FASTSMTP_SMTP_TLS_CERT": dir.path, "FASTSMTP_SMTP_TLS_KEY": key])?.variable
                    == "FASTSMTP_SMTP_TLS_CERT")
        }
    }

    @Test("validate() checks hand-built settings too")
    func validateHandBuilt() {
        var s = Settings()
        s.workerLease = 1
        #expect(throws: SettingsError.self) { try s.validate() }
        s = Settings()
        s.databaseURL = "mongodb://x"
        #expect(s.databaseKind == nil)
        #expect(
            throws: SettingsError(
                variable: "FASTSMTP_DATABASE_URL",
                message:
                    "unsupported database scheme 'mongodb' (expected one of mariadb, mysql, mysql+aiomysql, postgres, postgresql, postgresql+asyncpg, sqlite)"
            )
        ) {
            try s.validate()
        }
    }
}
