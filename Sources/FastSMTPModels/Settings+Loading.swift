import Foundation

/// Environment variable names, one per setting.
enum SettingsVariable {
    static let prefix = "FASTSMTP_"

    static let smtpHost = "FASTSMTP_SMTP_HOST"
    static let smtpPort = "FASTSMTP_SMTP_PORT"
    static let smtpTLSPort = "FASTSMTP_SMTP_TLS_PORT"
    static let smtpTLSCert = "FASTSMTP_SMTP_TLS_CERT"
    static let smtpTLSKey = "FASTSMTP_SMTP_TLS_KEY"
    static let smtpRequireSTARTTLS = "FASTSMTP_SMTP_REQUIRE_STARTTLS"
    static let smtpVerifyDKIM = "FASTSMTP_SMTP_VERIFY_DKIM"
    static let smtpVerifySPF = "FASTSMTP_SMTP_VERIFY_SPF"
    static let smtpRejectDKIMFail = "FASTSMTP_SMTP_REJECT_DKIM_FAIL"
    static let smtpRejectSPFFail = "FASTSMTP_SMTP_REJECT_SPF_FAIL"
    static let smtpHostname = "FASTSMTP_SMTP_HOSTNAME"
    static let smtpMaxMessageSize = "FASTSMTP_SMTP_MAX_MESSAGE_SIZE"
    static let smtpMaxRecipients = "FASTSMTP_SMTP_MAX_RECIPIENTS"
    static let smtpSpoolThreshold = "FASTSMTP_SMTP_SPOOL_THRESHOLD"
    static let smtpMaxInFlightBytes = "FASTSMTP_SMTP_MAX_INFLIGHT_BYTES"
    static let smtpIdleTimeout = "FASTSMTP_SMTP_IDLE_TIMEOUT"
    static let smtpCommandTimeout = "FASTSMTP_SMTP_COMMAND_TIMEOUT"
    static let smtpStorageTimeout = "FASTSMTP_SMTP_STORAGE_TIMEOUT"
    static let smtpDataTimeout = "FASTSMTP_SMTP_DATA_TIMEOUT"
    static let smtpMinDataRate = "FASTSMTP_SMTP_MIN_DATA_RATE"
    static let smtpMaxConnections = "FASTSMTP_SMTP_MAX_CONNECTIONS"
    static let smtpMaxConnectionsPerIP = "FASTSMTP_SMTP_MAX_CONNECTIONS_PER_IP"
    static let smtpBacklogSoftLimit = "FASTSMTP_SMTP_BACKLOG_SOFT_LIMIT"
    static let smtpBacklogHardLimit = "FASTSMTP_SMTP_BACKLOG_HARD_LIMIT"
    static let smtpProxyProtocol = "FASTSMTP_SMTP_PROXY_PROTOCOL"
    static let smtpTLSReloadInterval = "FASTSMTP_SMTP_TLS_RELOAD_INTERVAL"
    static let apiHost = "FASTSMTP_API_HOST"
    static let apiPort = "FASTSMTP_API_PORT"
    static let dataDir = "FASTSMTP_DATA_DIR"
    static let databaseURL = "FASTSMTP_DATABASE_URL"
    static let databasePoolSize = "FASTSMTP_DATABASE_POOL_SIZE"
    static let databasePoolMaxOverflow = "FASTSMTP_DATABASE_POOL_MAX_OVERFLOW"
    static let webhookTimeout = "FASTSMTP_WEBHOOK_TIMEOUT"
    static let webhookMaxRetries = "FASTSMTP_WEBHOOK_MAX_RETRIES"
    static let webhookRetryBaseDelay = "FASTSMTP_WEBHOOK_RETRY_BASE_DELAY"
    static let webhookMaxRetryDelay = "FASTSMTP_WEBHOOK_MAX_RETRY_DELAY"
    static let workerConcurrency = "FASTSMTP_WORKER_CONCURRENCY"
    static let workerPollInterval = "FASTSMTP_WORKER_POLL_INTERVAL"
    static let workerLease = "FASTSMTP_WORKER_LEASE"
    static let webhookHostConcurrency = "FASTSMTP_WEBHOOK_HOST_CONCURRENCY"
    static let webhookDenyNetworks = "FASTSMTP_WEBHOOK_DENY_NETWORKS"
    static let webhookAllowNetworks = "FASTSMTP_WEBHOOK_ALLOW_NETWORKS"
    static let shutdownTimeout = "FASTSMTP_SHUTDOWN_TIMEOUT"
    static let retentionDays = "FASTSMTP_RETENTION_DAYS"
    static let webhookIncludeRaw = "FASTSMTP_WEBHOOK_INCLUDE_RAW"
    static let webhookMaxInlineAttachmentBytes = "FASTSMTP_WEBHOOK_MAX_INLINE_ATTACHMENT_BYTES"
    static let rootAPIKey = "FASTSMTP_ROOT_API_KEY"
    static let apiKeyHashAlgorithm = "FASTSMTP_API_KEY_HASH_ALGORITHM"
    static let instanceID = "FASTSMTP_INSTANCE_ID"
    static let logLevel = "FASTSMTP_LOG_LEVEL"
    static let logFormat = "FASTSMTP_LOG_FORMAT"
    static let metricsPort = "FASTSMTP_METRICS_PORT"
}

extension Settings {
    /// Reads FASTSMTP_* from `environment`, with values from the .env file at `dotEnvPath`
    /// (if the file exists) used only for keys the environment lacks (pydantic-settings precedence).
    /// Unknown FASTSMTP_ keys are ignored. Names match case-insensitively (an exact upper-case
    /// spelling wins); empty values count as unset. The result has passed `validate()`.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        dotEnvPath: String? = ".env"
    ) throws(SettingsError) -> Settings {
        var fileValues: [String: String] = [:]
        if let dotEnvPath {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dotEnvPath, isDirectory: &isDirectory) {
                let shown = SettingsError.quoted(dotEnvPath)
                guard !isDirectory.boolValue else {
                    throw SettingsError(variable: ".env", message: "cannot read \(shown): it is a directory")
                }
                guard let data = FileManager.default.contents(atPath: dotEnvPath) else {
                    throw SettingsError(variable: ".env", message: "cannot read \(shown)")
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    throw SettingsError(variable: ".env", message: "cannot read \(shown): not valid UTF-8")
                }
                fileValues = DotEnv.parse(text)
            }
        }
        let values = prefixedValues(fileValues).merging(prefixedValues(environment)) { _, fromEnvironment in
            fromEnvironment
        }
        let reader = SettingsValueReader(values: values)
        typealias V = SettingsVariable

        var s = Settings(hostnameVariable: environment["HOSTNAME"])
        if let v = reader.string(V.smtpHost) { s.smtpHost = v }
        if let v = try reader.port(V.smtpPort) { s.smtpPort = v }
        if let v = try reader.port(V.smtpTLSPort) { s.smtpTLSPort = v }
        s.smtpTLSCert = reader.string(V.smtpTLSCert)
        s.smtpTLSKey = reader.string(V.smtpTLSKey)
        if let v = try reader.bool(V.smtpRequireSTARTTLS) { s.smtpRequireSTARTTLS = v }
        if let v = try reader.bool(V.smtpVerifyDKIM) { s.smtpVerifyDKIM = v }
        if let v = try reader.bool(V.smtpVerifySPF) { s.smtpVerifySPF = v }
        if let v = try reader.bool(V.smtpRejectDKIMFail) { s.smtpRejectDKIMFail = v }
        if let v = try reader.bool(V.smtpRejectSPFFail) { s.smtpRejectSPFFail = v }
        if let v = reader.string(V.smtpHostname) { s.smtpHostname = v }
        if let v = try reader.int(V.smtpMaxMessageSize) { s.smtpMaxMessageSize = v }
        if let v = try reader.int(V.smtpMaxRecipients) { s.smtpMaxRecipients = v }
        if let v = try reader.int(V.smtpSpoolThreshold) { s.smtpSpoolThreshold = v }
        if let v = try reader.int(V.smtpMaxInFlightBytes) { s.smtpMaxInFlightBytes = v }
        if let v = try reader.double(V.smtpIdleTimeout) { s.smtpIdleTimeout = v }
        if let v = try reader.double(V.smtpCommandTimeout) { s.smtpCommandTimeout = v }
        if let v = try reader.double(V.smtpStorageTimeout) { s.smtpStorageTimeout = v }
        if let v = try reader.double(V.smtpDataTimeout) { s.smtpDataTimeout = v }
        if let v = try reader.int(V.smtpMinDataRate) { s.smtpMinDataRate = v }
        if let v = try reader.int(V.smtpMaxConnections) { s.smtpMaxConnections = v }
        if let v = try reader.int(V.smtpMaxConnectionsPerIP) { s.smtpMaxConnectionsPerIP = v }
        if let v = try reader.int(V.smtpBacklogSoftLimit) { s.smtpBacklogSoftLimit = v }
        if let v = try reader.int(V.smtpBacklogHardLimit) { s.smtpBacklogHardLimit = v }
        if let v = try reader.choice(V.smtpProxyProtocol, ProxyProtocolSetting.self) { s.smtpProxyProtocol = v }
        if let v = try reader.double(V.smtpTLSReloadInterval) { s.smtpTLSReloadInterval = v }
        if let v = reader.string(V.apiHost) { s.apiHost = v }
        if let v = try reader.port(V.apiPort) { s.apiPort = v }
        if let v = reader.string(V.dataDir) { s.dataDir = v }
        s.databaseURL = reader.string(V.databaseURL) ?? defaultDatabaseURL(dataDir: s.dataDir)
        if let v = try reader.int(V.databasePoolSize) { s.databasePoolSize = v }
        if let v = try reader.int(V.databasePoolMaxOverflow) { s.databasePoolMaxOverflow = v }
        if let v = try reader.int(V.webhookTimeout) { s.webhookTimeout = v }
        if let v = try reader.int(V.webhookMaxRetries) { s.webhookMaxRetries = v }
        if let v = try reader.double(V.webhookRetryBaseDelay) { s.webhookRetryBaseDelay = v }
        if let v = try reader.double(V.webhookMaxRetryDelay) { s.webhookMaxRetryDelay = v }
        if let v = try reader.int(V.workerConcurrency) { s.workerConcurrency = v }
        if let v = try reader.double(V.workerPollInterval) { s.workerPollInterval = v }
        if let v = try reader.double(V.workerLease) { s.workerLease = v }
        if let v = try reader.int(V.webhookHostConcurrency) { s.webhookHostConcurrency = v }
        if let v = reader.string(V.webhookDenyNetworks) { s.webhookDenyNetworks = Self.list(v) }
        if let v = reader.string(V.webhookAllowNetworks) { s.webhookAllowNetworks = Self.list(v) }
        if let v = try reader.double(V.shutdownTimeout) { s.shutdownTimeout = v }
        if let v = try reader.double(V.retentionDays) { s.retentionDays = v }
        if let v = try reader.bool(V.webhookIncludeRaw) { s.webhookIncludeRaw = v }
        if let v = try reader.int(V.webhookMaxInlineAttachmentBytes) { s.webhookMaxInlineAttachmentBytes = v }
        s.rootAPIKey = reader.string(V.rootAPIKey)
        if let v = reader.string(V.apiKeyHashAlgorithm) { s.apiKeyHashAlgorithm = v.lowercased() }
        if let v = reader.string(V.instanceID) { s.instanceID = v }
        if let v = try reader.logLevel(V.logLevel) { s.logLevel = v }
        if let v = try reader.choice(V.logFormat, Settings.LogFormat.self) { s.logFormat = v }
        if let v = try reader.port(V.metricsPort) { s.metricsPort = v }

        try s.validate()
        return s
    }

    /// FASTSMTP_* entries keyed by their upper-case name, values trimmed, empty values dropped.
    /// When several spellings differ only in case, the exact upper-case one wins.
    static func prefixedValues(_ source: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        var exact: Set<String> = []
        for (key, rawValue) in source {
            let name = key.uppercased()
            guard name.hasPrefix(SettingsVariable.prefix) else { continue }
            let value = rawValue.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { continue }
            if key == name {
                exact.insert(name)
                result[name] = value
            } else if !exact.contains(name) {
                result[name] = value
            }
        }
        return result
    }
}

/// Typed access to the merged raw values; every failure names its variable.
struct SettingsValueReader {
    var values: [String: String]

    func string(_ name: String) -> String? {
        values[name]
    }

    func int(_ name: String) throws(SettingsError) -> Int? {
        guard let raw = values[name] else { return nil }
        guard let value = Int(raw) else {
            throw SettingsError(variable: name, message: "must be an integer, got \(SettingsError.quoted(raw))")
        }
        return value
    }

    func port(_ name: String) throws(SettingsError) -> Int? {
        guard let raw = values[name] else { return nil }
        guard let value = Int(raw), (0...65535).contains(value) else {
            throw SettingsError(
                variable: name, message: "must be a port number 0-65535, got \(SettingsError.quoted(raw))")
        }
        return value
    }

    func double(_ name: String) throws(SettingsError) -> Double? {
        guard let raw = values[name] else { return nil }
        guard let value = Double(raw), value.isFinite else {
            throw SettingsError(
                variable: name, message: "must be a number of seconds, got \(SettingsError.quoted(raw))")
        }
        return value
    }

    func bool(_ name: String) throws(SettingsError) -> Bool? {
        guard let raw = values[name] else { return nil }
        switch raw.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            throw SettingsError(
                variable: name,
                message: "must be a boolean (true/false, 1/0, yes/no, on/off), got \(SettingsError.quoted(raw))")
        }
    }

    /// One of an enumeration's raw values, case-insensitively.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws(SettingsError) -> T?
    where T.RawValue == String {
        guard let raw = values[name] else { return nil }
        guard let value = T(rawValue: raw.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(variable: name, message: "must be one of \(allowed), got \(SettingsError.quoted(raw))")
        }
        return value
    }

    func logLevel(_ name: String) throws(SettingsError) -> Settings.LogLevel? {
        guard let raw = values[name] else { return nil }
        guard let level = Settings.LogLevel(rawValue: raw.lowercased()) else {
            let allowed = Settings.LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(variable: name, message: "must be one of \(allowed), got \(SettingsError.quoted(raw))")
        }
        return level
    }
}

extension SettingsError {
    /// A value shown inside an error message: single-quoted, control characters escaped,
    /// long values shortened, so the message stays on one line.
    static func quoted(_ value: String) -> String {
        var shown = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\n": shown += "\\n"
            case "\r": shown += "\\r"
            case "\t": shown += "\\t"
            case _ where scalar.properties.generalCategory == .control:
                shown += "\\u{\(String(scalar.value, radix: 16))}"
            default: shown.unicodeScalars.append(scalar)
            }
        }
        if shown.count > 200 { shown = String(shown.prefix(200)) + "..." }
        return "'\(shown)'"
    }
}

extension Settings {
    /// A comma-separated list: entries trimmed, empty ones dropped.
    static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
