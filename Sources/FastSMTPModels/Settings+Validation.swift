import Foundation

extension Settings {
    /// A lease is renewed every third of it while an attempt runs; below this the renewals would be mostly noise.
    static let minimumWorkerLease: Double = 3

    /// Hash algorithms accepted for `apiKeyHashAlgorithm` (lower-case).
    public static let supportedAPIKeyHashAlgorithms: [String] = ["sha256", "sha384", "sha512"]

    /// Checks every cross-field and range rule; `load` calls it. The error names the
    /// environment variable of the offending setting.
    public func validate() throws(SettingsError) {
        typealias V = SettingsVariable

        try Self.requireNonEmpty(smtpHost, V.smtpHost)
        try Self.requirePort(smtpPort, V.smtpPort)
        try Self.requirePort(smtpTLSPort, V.smtpTLSPort)
        try Self.requirePort(apiPort, V.apiPort)
        if let metricsPort {
            try Self.requirePort(metricsPort, V.metricsPort)
            if metricsPort == apiPort, metricsPort != 0 {
                throw SettingsError(
                    variable: V.metricsPort,
                    message: "must differ from \(V.apiPort) (leave it unset to serve /metrics there)")
            }
        }
        try Self.requireNonEmpty(apiHost, V.apiHost)

        if smtpHostname.isEmpty
            || smtpHostname.unicodeScalars.contains(where: {
                $0.properties.isWhitespace || $0.value < 0x21 || $0.value == 0x7F
            })
        {
            throw SettingsError(
                variable: V.smtpHostname,
                message:
                    "must be a host name without spaces or control characters, got \(SettingsError.quoted(smtpHostname))"
            )
        }
        try Self.requirePositive(smtpMaxMessageSize, V.smtpMaxMessageSize)
        try Self.requirePositive(smtpMaxRecipients, V.smtpMaxRecipients)
        try Self.requirePositive(smtpSpoolThreshold, V.smtpSpoolThreshold)
        if smtpMaxInFlightBytes < smtpMaxMessageSize {
            throw SettingsError(
                variable: V.smtpMaxInFlightBytes,
                message:
                    "must be at least \(V.smtpMaxMessageSize) (\(smtpMaxMessageSize)), or no message of the largest size could ever be accepted; got '\(smtpMaxInFlightBytes)'"
            )
        }
        try Self.requirePositive(smtpIdleTimeout, V.smtpIdleTimeout)
        try Self.requirePositive(smtpCommandTimeout, V.smtpCommandTimeout)
        try Self.requirePositive(smtpStorageTimeout, V.smtpStorageTimeout)
        if !(retentionDays.isFinite && retentionDays > 0) {
            throw SettingsError(
                variable: V.retentionDays, message: "must be a number of days greater than 0, got '\(retentionDays)'")
        }
        try Self.requirePositive(smtpDataTimeout, V.smtpDataTimeout)
        if smtpMinDataRate < 0 {
            throw SettingsError(
                variable: V.smtpMinDataRate, message: "must be 0 or more bytes per second, got '\(smtpMinDataRate)'")
        }
        try Self.requirePositive(smtpMaxConnections, V.smtpMaxConnections)
        try Self.requirePositive(smtpMaxConnectionsPerIP, V.smtpMaxConnectionsPerIP)
        for (value, name) in [
            (smtpBacklogSoftLimit, V.smtpBacklogSoftLimit), (smtpBacklogHardLimit, V.smtpBacklogHardLimit),
        ] where value < 0 {
            throw SettingsError(
                variable: name, message: "must be a number of deliveries, 0 (never) or more, got '\(value)'")
        }
        if smtpBacklogSoftLimit > 0, smtpBacklogHardLimit > 0, smtpBacklogSoftLimit > smtpBacklogHardLimit {
            throw SettingsError(
                variable: V.smtpBacklogSoftLimit,
                message:
                    "must not exceed \(V.smtpBacklogHardLimit) (\(smtpBacklogHardLimit)), or mail would be refused before it is slowed; got '\(smtpBacklogSoftLimit)'"
            )
        }
        try Self.requireNonNegative(smtpTLSReloadInterval, V.smtpTLSReloadInterval)

        try validateTLS()

        try Self.requireNonEmpty(dataDir, V.dataDir)
        try Self.validateDatabaseURL(databaseURL)
        try Self.requirePositive(databasePoolSize, V.databasePoolSize)
        if databasePoolMaxOverflow < 0 {
            throw SettingsError(
                variable: V.databasePoolMaxOverflow, message: "must be 0 or more, got '\(databasePoolMaxOverflow)'")
        }

        try Self.requirePositive(webhookTimeout, V.webhookTimeout)
        if webhookMaxRetries < 0 {
            throw SettingsError(variable: V.webhookMaxRetries, message: "must be 0 or more, got '\(webhookMaxRetries)'")
        }
        try Self.requireNonNegative(webhookRetryBaseDelay, V.webhookRetryBaseDelay)
        try Self.requireNonNegative(webhookMaxRetryDelay, V.webhookMaxRetryDelay)
        try Self.requirePositive(workerConcurrency, V.workerConcurrency)
        try Self.requirePositive(workerPollInterval, V.workerPollInterval)
        try Self.requirePositive(webhookHostConcurrency, V.webhookHostConcurrency)
        try Self.requireNonNegative(shutdownTimeout, V.shutdownTimeout)
        for (name, list) in [
            (V.webhookDenyNetworks, webhookDenyNetworks), (V.webhookAllowNetworks, webhookAllowNetworks),
        ] {
            if let bad = list.first(where: { !Self.isCIDR($0) }) {
                throw SettingsError(
                    variable: name, message: "'\(bad)' is not a network (a.b.c.d/n, x::y/n or a bare address)")
            }
        }
        if webhookMaxInlineAttachmentBytes < 0 {
            throw SettingsError(
                variable: V.webhookMaxInlineAttachmentBytes,
                message: "must be 0 or more, got '\(webhookMaxInlineAttachmentBytes)'")
        }
        if !(workerLease.isFinite && workerLease >= Self.minimumWorkerLease) {
            throw SettingsError(
                variable: V.workerLease,
                message: "must be at least \(Int(Self.minimumWorkerLease)) seconds, got '\(workerLease)'")
        }

        if !Self.supportedAPIKeyHashAlgorithms.contains(apiKeyHashAlgorithm) {
            let allowed = Self.supportedAPIKeyHashAlgorithms.joined(separator: ", ")
            throw SettingsError(
                variable: V.apiKeyHashAlgorithm,
                message: "must be one of \(allowed), got \(SettingsError.quoted(apiKeyHashAlgorithm))")
        }
        try Self.requireNonEmpty(instanceID, V.instanceID)
    }

    private func validateTLS() throws(SettingsError) {
        typealias V = SettingsVariable
        for (path, name) in [(smtpTLSCert, V.smtpTLSCert), (smtpTLSKey, V.smtpTLSKey)] {
            guard let path else { continue }
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if !exists || isDirectory.boolValue || !FileManager.default.isReadableFile(atPath: path) {
                throw SettingsError(
                    variable: name, message: "must name a readable file, got \(SettingsError.quoted(path))")
            }
        }
        switch (smtpTLSCert, smtpTLSKey) {
        case (.some, nil):
            throw SettingsError(variable: V.smtpTLSKey, message: "must be set when \(V.smtpTLSCert) is set")
        case (nil, .some):
            throw SettingsError(variable: V.smtpTLSCert, message: "must be set when \(V.smtpTLSKey) is set")
        case (nil, nil) where smtpRequireSTARTTLS:
            throw SettingsError(
                variable: V.smtpRequireSTARTTLS,
                message:
                    "requires \(V.smtpTLSCert) and \(V.smtpTLSKey) (STARTTLS cannot be offered without a certificate)"
            )
        default:
            break
        }
    }

    /// Accepts `scheme://rest` with a supported scheme (see `DatabaseKind.schemes`), no
    /// whitespace or control characters, and a non-empty remainder for server databases.
    static func validateDatabaseURL(_ url: String) throws(SettingsError) {
        let name = SettingsVariable.databaseURL
        let shown = SettingsError.quoted(redactDatabaseURL(url))
        guard let separator = url.range(of: "://") else {
            throw SettingsError(
                variable: name,
                message: "must be a URL like sqlite:///path/to.db or postgresql://user:pass@host/db, got \(shown)")
        }
        let scheme = url[..<separator.lowerBound]
        let schemeChars = scheme.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "+-.".unicodeScalars.contains($0)
        }
        guard !scheme.isEmpty, schemeChars else {
            throw SettingsError(variable: name, message: "must be a URL with a scheme, got \(shown)")
        }
        guard let kind = DatabaseKind.schemes[scheme.lowercased()] else {
            let allowed = DatabaseKind.schemes.keys.sorted().joined(separator: ", ")
            throw SettingsError(
                variable: name, message: "unsupported database scheme '\(scheme)' (expected one of \(allowed))")
        }
        if url.unicodeScalars.contains(where: {
            $0.properties.isWhitespace || $0.properties.generalCategory == .control
        }) {
            throw SettingsError(variable: name, message: "must not contain spaces or control characters, got \(shown)")
        }
        #if !MariaDB
        if kind == .mysql {
            throw SettingsError(
                variable: name,
                message: "this fastsmtp was built without MariaDB support; build it with `swift build --traits MariaDB`"
            )
        }
        #endif
        if kind != .sqlite && url[separator.upperBound...].isEmpty {
            throw SettingsError(variable: name, message: "must name a server or database after '\(scheme)://'")
        }
    }

    private static func requirePort(_ value: Int, _ name: String) throws(SettingsError) {
        if !(0...65535).contains(value) {
            throw SettingsError(variable: name, message: "must be a port number 0-65535, got '\(value)'")
        }
    }

    private static func requirePositive(_ value: Int, _ name: String) throws(SettingsError) {
        if value <= 0 {
            throw SettingsError(variable: name, message: "must be greater than 0, got '\(value)'")
        }
    }

    private static func requirePositive(_ value: Double, _ name: String) throws(SettingsError) {
        if !(value.isFinite && value > 0) {
            throw SettingsError(variable: name, message: "must be a number of seconds greater than 0, got '\(value)'")
        }
    }

    private static func requireNonNegative(_ value: Double, _ name: String) throws(SettingsError) {
        if !(value.isFinite && value >= 0) {
            throw SettingsError(variable: name, message: "must be a number of seconds, 0 or more, got '\(value)'")
        }
    }

    private static func requireNonEmpty(_ value: String, _ name: String) throws(SettingsError) {
        if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw SettingsError(variable: name, message: "must not be empty")
        }
    }
}

extension Settings {
    /// `a.b.c.d/n` (n ≤ 32), `x::y/n` (n ≤ 128) or a bare address, in the strict textual forms (inet_pton).
    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = String(parts[0])
        var buffer = [UInt8](repeating: 0, count: 16)
        let maxLength: Int
        if inet_pton(AF_INET, address, &buffer) == 1 {
            maxLength = 32
        } else if inet_pton(AF_INET6, address, &buffer) == 1 {
            maxLength = 128
        } else {
            return false
        }
        guard parts.count == 2 else { return true }
        let length = parts[1]
        guard !length.isEmpty, length.count <= 3, length.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(length)
        else { return false }
        return n <= maxLength
    }
}
