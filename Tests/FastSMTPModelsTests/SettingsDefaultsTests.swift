import FastSMTPModels
import Foundation
import Testing

@Suite("Settings defaults")
struct SettingsDefaultsTests {
    @Test("load with an empty environment gives the spec's defaults")
    func specDefaults() throws {
        let s = try load(["HOSTNAME": "box-1"])
        #expect(s.smtpHost == "0.0.0.0")
        #expect(s.smtpPort == 2525)
        #expect(s.smtpTLSPort == 4650)
        #expect(s.smtpTLSCert == nil)
        #expect(s.smtpTLSKey == nil)
        #expect(s.smtpRequireSTARTTLS == false)
        #expect(s.smtpVerifyDKIM == true)
        #expect(s.smtpVerifySPF == true)
        #expect(s.smtpRejectDKIMFail == false)
        #expect(s.smtpRejectSPFFail == false)
        #expect(!s.smtpHostname.isEmpty)
        #expect(s.smtpMaxMessageSize == 26_214_400)
        #expect(s.smtpMaxRecipients == 100)
        #expect(s.smtpIdleTimeout == 300)
        #expect(s.apiHost == "0.0.0.0")
        #expect(s.apiPort == 8000)
        #expect(s.dataDir == "./data")
        #expect(s.databaseURL == "sqlite:///./data/fastsmtp.db")
        #expect(s.databaseKind == .sqlite)
        #expect(s.databasePoolSize == 5)
        #expect(s.databasePoolMaxOverflow == 10)
        #expect(s.webhookTimeout == 30)
        #expect(s.webhookMaxRetries == 5)
        #expect(s.webhookRetryBaseDelay == 1.0)
        #expect(s.webhookMaxRetryDelay == 3600)
        #expect(s.workerConcurrency == 32)
        #expect(s.workerPollInterval == 5)
        #expect(s.workerLease == 30)
        #expect(s.rootAPIKey == nil)
        #expect(s.apiKeyHashAlgorithm == "sha256")
        #expect(s.instanceID == "box-1")
        #expect(s.logLevel == .info)
    }

    @Test("init() equals a load from an empty environment, apart from the instance id")
    func initMatchesLoad() throws {
        var loaded = try load([:])
        let plain = Settings()
        loaded.instanceID = plain.instanceID
        #expect(loaded == plain)
        try plain.validate()
    }

    @Test("without HOSTNAME the instance id is 8 lowercase hex digits, like uuid4().hex[:8]")
    func randomInstanceID() throws {
        let a = try load([:])
        let b = try load(["HOSTNAME": ""])
        for id in [a.instanceID, b.instanceID] {
            #expect(id.count == 8)
            #expect(id.allSatisfy { "0123456789abcdef".contains($0) })
        }
        #expect(a.instanceID != b.instanceID)
    }

    @Test("FASTSMTP_INSTANCE_ID beats HOSTNAME")
    func instanceIDOverride() throws {
        #expect(try load(["HOSTNAME": "box", "FASTSMTP_INSTANCE_ID": "worker-7"]).instanceID == "worker-7")
    }

    @Test("the default database lives in data_dir")
    func databaseFollowsDataDir() throws {
        #expect(
            try load(["FASTSMTP_DATA_DIR": "/var/lib/fastsmtp"]).databaseURL
                == "sqlite:////var/lib/fastsmtp/fastsmtp.db")
        #expect(try load(["FASTSMTP_DATA_DIR": "state/"]).databaseURL == "sqlite:///state/fastsmtp.db")
        let explicit = try load(["FASTSMTP_DATA_DIR": "/x", "FASTSMTP_DATABASE_URL": "postgresql://db/app"])
        #expect(explicit.databaseURL == "postgresql://db/app")
        #expect(explicit.dataDir == "/x")
    }

    @Test("retryPolicy mirrors the webhook settings")
    func retryPolicy() throws {
        let s = try load([
            "FASTSMTP_WEBHOOK_RETRY_BASE_DELAY": "2.5", "FASTSMTP_WEBHOOK_MAX_RETRIES": "7",
            "FASTSMTP_WEBHOOK_MAX_RETRY_DELAY": "60",
        ])
        #expect(s.retryPolicy == RetryPolicy(baseDelay: 2.5, maxRetries: 7, maxDelay: 60))
    }

    @Test("SettingsError describes itself on one line as VARIABLE: message")
    func errorDescription() {
        let error = SettingsError(variable: "FASTSMTP_SMTP_PORT", message: "must be a port number 0-65535, got '70000'")
        #expect(error.description == "FASTSMTP_SMTP_PORT: must be a port number 0-65535, got '70000'")
        let multiLine = loadError(["FASTSMTP_SMTP_PORT": "1\n2"])
        #expect(multiLine?.description.contains("\n") == false)
    }
}
