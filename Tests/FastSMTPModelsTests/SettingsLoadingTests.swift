import FastSMTPModels
import Foundation
import Testing

@Suite("Settings loading")
struct SettingsLoadingTests {
    /// Every variable set to a non-default value.
    static func fullEnvironment(cert: String, key: String) -> [String: String] {
        [
            "FASTSMTP_SMTP_HOST": "127.0.0.1",
            "FASTSMTP_SMTP_PORT": "25",
            "FASTSMTP_SMTP_TLS_PORT": "465",
            "FASTSMTP_SMTP_TLS_CERT": cert,
            "FASTSMTP_SMTP_TLS_KEY": key,
            "FASTSMTP_SMTP_REQUIRE_STARTTLS": "yes",
            "FASTSMTP_SMTP_VERIFY_DKIM": "off",
            "FASTSMTP_SMTP_VERIFY_SPF": "0",
            "FASTSMTP_SMTP_REJECT_DKIM_FAIL": "TRUE",
            "FASTSMTP_SMTP_REJECT_SPF_FAIL": "On",
            "FASTSMTP_SMTP_HOSTNAME": "mx.example.com",
            "FASTSMTP_SMTP_MAX_MESSAGE_SIZE": "1048576",
            "FASTSMTP_SMTP_MAX_RECIPIENTS": "7",
            "FASTSMTP_SMTP_IDLE_TIMEOUT": "12.5",
            "FASTSMTP_SMTP_COMMAND_TIMEOUT": "30",
            "FASTSMTP_SMTP_STORAGE_TIMEOUT": "2.5",
            "FASTSMTP_SMTP_DATA_TIMEOUT": "90",
            "FASTSMTP_SMTP_MIN_DATA_RATE": "0",
            "FASTSMTP_SMTP_MAX_CONNECTIONS": "10",
            "FASTSMTP_SMTP_MAX_CONNECTIONS_PER_IP": "2",
            "FASTSMTP_SMTP_BACKLOG_SOFT_LIMIT": "10",
            "FASTSMTP_SMTP_BACKLOG_HARD_LIMIT": "20",
            "FASTSMTP_SMTP_PROXY_PROTOCOL": "any",
            "FASTSMTP_SMTP_TLS_RELOAD_INTERVAL": "1",
            "FASTSMTP_API_HOST": "::1",
            "FASTSMTP_API_PORT": "0",
            "FASTSMTP_DATA_DIR": "/srv/fastsmtp",
            "FASTSMTP_DATABASE_URL": "postgresql+asyncpg://app:s3cret@db.internal:5432/fastsmtp",
            "FASTSMTP_DATABASE_POOL_SIZE": "20",
            "FASTSMTP_DATABASE_POOL_MAX_OVERFLOW": "0",
            "FASTSMTP_WEBHOOK_TIMEOUT": "10",
            "FASTSMTP_WEBHOOK_MAX_RETRIES": "0",
            "FASTSMTP_WEBHOOK_RETRY_BASE_DELAY": "0.25",
            "FASTSMTP_WEBHOOK_MAX_RETRY_DELAY": "600",
            "FASTSMTP_WORKER_CONCURRENCY": "3",
            "FASTSMTP_WORKER_POLL_INTERVAL": "0.5",
            "FASTSMTP_WORKER_LEASE": "45",
            "FASTSMTP_WEBHOOK_HOST_CONCURRENCY": "2",
            "FASTSMTP_WEBHOOK_DENY_NETWORKS": "10.0.0.0/8, 192.168.0.0/16,,fc00::/7",
            "FASTSMTP_WEBHOOK_ALLOW_NETWORKS": "10.1.2.3",
            "FASTSMTP_SMTP_SPOOL_THRESHOLD": "65536",
            "FASTSMTP_SMTP_MAX_INFLIGHT_BYTES": "999999999",
            "FASTSMTP_SHUTDOWN_TIMEOUT": "12.5",
            "FASTSMTP_RETENTION_DAYS": "7.5",
            "FASTSMTP_WEBHOOK_INCLUDE_RAW": "true",
            "FASTSMTP_WEBHOOK_MAX_INLINE_ATTACHMENT_BYTES": "2048",
            "FASTSMTP_ROOT_API_KEY": "root-key-123",
            "FASTSMTP_API_KEY_HASH_ALGORITHM": "SHA512",
            "FASTSMTP_INSTANCE_ID": "node-a",
            "FASTSMTP_LOG_LEVEL": "DEBUG",
            "FASTSMTP_LOG_FORMAT": "JSON",
            "FASTSMTP_METRICS_PORT": "9090",
        ]
    }

    @Test("every variable is read")
    func everyVariableIsRead() throws {
        try withTemporaryDirectory { dir in
            let cert = try writeFile("CERT", named: "cert.pem", in: dir)
            let key = try writeFile("KEY", named: "key.pem", in: dir)
            let environment = Self.fullEnvironment(cert: cert, key: key)
            let s = try load(environment)
            #expect(s.smtpHost == "127.0.0.1")
            #expect(s.smtpPort == 25)
            #expect(s.smtpTLSPort == 465)
            #expect(s.smtpTLSCert == cert)
            #expect(s.smtpTLSKey == key)
            #expect(s.smtpRequireSTARTTLS == true)
            #expect(s.smtpVerifyDKIM == false)
            #expect(s.smtpVerifySPF == false)
            #expect(s.smtpRejectDKIMFail == true)
            #expect(s.smtpRejectSPFFail == true)
            #expect(s.smtpHostname == "mx.example.com")
            #expect(s.smtpMaxMessageSize == 1_048_576)
            #expect(s.smtpMaxRecipients == 7)
            #expect(s.smtpIdleTimeout == 12.5)
            #expect(s.smtpCommandTimeout == 30)
            #expect(s.smtpStorageTimeout == 2.5)
            #expect(s.retentionDays == 7.5)
            #expect(s.smtpDataTimeout == 90)
            #expect(s.smtpMinDataRate == 0)
            #expect(s.smtpMaxConnections == 10)
            #expect(s.smtpMaxConnectionsPerIP == 2)
            #expect(s.smtpBacklogSoftLimit == 10)
            #expect(s.smtpBacklogHardLimit == 20)
            #expect(s.smtpProxyProtocol == .any)
            #expect(s.smtpTLSReloadInterval == 1)
            #expect(s.apiHost == "::1")
            #expect(s.apiPort == 0)
            #expect(s.dataDir == "/srv/fastsmtp")
            #expect(s.databaseURL == "postgresql+asyncpg://app:s3cret@db.internal:5432/fastsmtp")
            #expect(s.databaseKind == .postgresql)
            #expect(s.databasePoolSize == 20)
            #expect(s.databasePoolMaxOverflow == 0)
            #expect(s.webhookTimeout == 10)
            #expect(s.webhookMaxRetries == 0)
            #expect(s.webhookRetryBaseDelay == 0.25)
            #expect(s.webhookMaxRetryDelay == 600)
            #expect(s.workerConcurrency == 3)
            #expect(s.workerPollInterval == 0.5)
            #expect(s.workerLease == 45)
            #expect(s.webhookHostConcurrency == 2)
            #expect(s.webhookDenyNetworks == ["10.0.0.0/8", "192.168.0.0/16", "fc00::/7"])
            #expect(s.webhookAllowNetworks == ["10.1.2.3"])
            #expect(s.smtpSpoolThreshold == 65536)
            #expect(s.smtpMaxInFlightBytes == 999_999_999)
            #expect(s.shutdownTimeout == 12.5)
            #expect(s.rootAPIKey == "root-key-123")
            #expect(s.apiKeyHashAlgorithm == "sha512")
            #expect(s.instanceID == "node-a")
            #expect(s.logLevel == .debug)
            #expect(s.logFormat == .json)
            #expect(s.metricsPort == 9090)
            #expect(s.webhookIncludeRaw)
            #expect(s.webhookMaxInlineAttachmentBytes == 2048)

            // Coverage guard: the environment names exactly the listed settings, and every
            // listed setting changed from its default.
            let defaults = entries(try load([:]))
            let loaded = entries(s)
            #expect(Set(environment.keys) == Set(defaults.keys))
            for (name, value) in loaded {
                #expect(value != defaults[name], "\(name) kept its default")
            }
        }
    }

    @Test(
        "booleans accept true/false/1/0/yes/no/on/off in any case",
        arguments: [
            ("true", true), ("TRUE", true), ("1", true), ("yes", true), ("Yes", true), ("on", true), ("ON", true),
            ("false", false), ("False", false), ("0", false), ("no", false), ("NO", false), ("off", false),
            ("Off", false),
        ])
    func booleans(raw: String, expected: Bool) throws {
        #expect(try load(["FASTSMTP_SMTP_VERIFY_DKIM": raw]).smtpVerifyDKIM == expected)
        #expect(try load(["FASTSMTP_SMTP_REJECT_SPF_FAIL": raw]).smtpRejectSPFFail == expected)
    }

    @Test("every log level parses, case-insensitively")
    func logLevels() throws {
        for level in Settings.LogLevel.allCases {
            #expect(try load(["FASTSMTP_LOG_LEVEL": level.rawValue.uppercased()]).logLevel == level)
        }
        #expect(
            Settings.LogLevel.allCases.map(\.rawValue) == [
                "trace", "debug", "info", "notice", "warning", "error", "critical",
            ])
    }

    @Test("the environment beats .env; .env fills what the environment lacks")
    func dotEnvPrecedence() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile(
                """
                # local overrides
                FASTSMTP_SMTP_PORT=2626
                export FASTSMTP_API_PORT=9000
                FASTSMTP_ROOT_API_KEY='from-dotenv'
                FASTSMTP_SOMETHING_UNKNOWN=ignored
                UNRELATED=1
                """, named: ".env", in: dir)
            let s = try Settings.load(environment: ["FASTSMTP_SMTP_PORT": "2727"], dotEnvPath: path)
            #expect(s.smtpPort == 2727)
            #expect(s.apiPort == 9000)
            #expect(s.rootAPIKey == "from-dotenv")
        }
    }

    @Test("a missing .env is fine; nil skips it")
    func missingDotEnv() throws {
        let s = try Settings.load(environment: [:], dotEnvPath: "/nonexistent/dir/.env")
        #expect(s.smtpPort == 2525)
        #expect(try Settings.load(environment: [:], dotEnvPath: nil).smtpPort == 2525)
    }

    @Test("an unreadable .env is an error naming .env")
    func unreadableDotEnv() throws {
        try withTemporaryDirectory { dir in
            // A directory exists but cannot be read as a file.
            let error = loadError([:], dotEnvPath: dir.path)
            #expect(error?.variable == ".env")

            let binary = dir.appendingPathComponent("binary.env")
            try Data([0x46, 0x3D, 0xFF, 0xFE, 0x0A]).write(to: binary)
            #expect(loadError([:], dotEnvPath: binary.path)?.variable == ".env")
        }
    }

    @Test("invalid values in .env are reported under their variable name")
    func invalidDotEnvValue() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile("FASTSMTP_API_PORT=http\n", named: ".env", in: dir)
            #expect(loadError([:], dotEnvPath: path)?.variable == "FASTSMTP_API_PORT")
        }
    }

    @Test("names match case-insensitively; the exact upper-case spelling wins")
    func caseInsensitiveNames() throws {
        #expect(try load(["fastsmtp_smtp_port": "26"]).smtpPort == 26)
        #expect(
            try load(["fastsmtp_smtp_port": "26", "FASTSMTP_SMTP_PORT": "27", "Fastsmtp_Smtp_Port": "28"]).smtpPort
                == 27)
    }

    @Test("empty values count as unset; surrounding whitespace is trimmed")
    func emptyAndWhitespace() throws {
        let s = try load([
            "FASTSMTP_SMTP_PORT": "", "FASTSMTP_ROOT_API_KEY": "  ", "FASTSMTP_API_PORT": " 8080 ",
            "FASTSMTP_DATABASE_URL": "",
        ])
        #expect(s.smtpPort == 2525)
        #expect(s.rootAPIKey == nil)
        #expect(s.apiPort == 8080)
        #expect(s.databaseURL == "sqlite:///./data/fastsmtp.db")
    }

    @Test(
        "every supported database scheme loads and maps to its kind",
        arguments: [
            ("sqlite:///tmp/x.db", DatabaseKind.sqlite),
            ("sqlite://", .sqlite),
            ("postgresql://u:p@h/db", .postgresql),
            ("postgres://h/db", .postgresql),
            ("postgresql+asyncpg://h:5432/db", .postgresql),
            ("PostgreSQL://h/db", .postgresql),
        ])
    func databaseSchemes(url: String, kind: DatabaseKind) throws {
        let s = try load(["FASTSMTP_DATABASE_URL": url])
        #expect(s.databaseURL == url)
        #expect(s.databaseKind == kind)
    }

    @Test(
        "MariaDB URLs load with the MariaDB trait; without it they are refused with how to build it",
        arguments: ["mysql://u@h/db", "mariadb://h/db", "mysql+aiomysql://h/db"])
    func mariaDBSchemes(url: String) throws {
        #if MariaDB
        let s = try load(["FASTSMTP_DATABASE_URL": url])
        #expect(s.databaseKind == .mysql)
        #else
        #expect {
            try load(["FASTSMTP_DATABASE_URL": url])
        } throws: { error in
            "\(error)".contains("swift build --traits MariaDB")
        }
        #endif
    }
}
