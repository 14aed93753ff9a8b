import Foundation

extension Settings {
    /// What secrets are replaced with.
    public static let redactionMask = "********"

    /// Every setting as (ENV_NAME, display value) in a stable order, secrets (root_api_key,
    /// passwords inside database_url) masked as "********" — for `fastsmtp show-config`.
    /// Unset optional values show as "(not set)".
    public func redactedEntries() -> [(name: String, value: String)] {
        typealias V = SettingsVariable
        let notSet = "(not set)"
        let entries: [(String, String)] = [
            (V.smtpHost, smtpHost),
            (V.smtpPort, String(smtpPort)),
            (V.smtpTLSPort, String(smtpTLSPort)),
            (V.smtpTLSCert, smtpTLSCert ?? notSet),
            (V.smtpTLSKey, smtpTLSKey ?? notSet),
            (V.smtpRequireSTARTTLS, String(smtpRequireSTARTTLS)),
            (V.smtpVerifyDKIM, String(smtpVerifyDKIM)),
            (V.smtpVerifySPF, String(smtpVerifySPF)),
            (V.smtpRejectDKIMFail, String(smtpRejectDKIMFail)),
            (V.smtpRejectSPFFail, String(smtpRejectSPFFail)),
            (V.smtpHostname, smtpHostname),
            (V.smtpMaxMessageSize, String(smtpMaxMessageSize)),
            (V.smtpMaxRecipients, String(smtpMaxRecipients)),
            (V.smtpSpoolThreshold, String(smtpSpoolThreshold)),
            (V.smtpMaxInFlightBytes, String(smtpMaxInFlightBytes)),
            (V.smtpIdleTimeout, String(smtpIdleTimeout)),
            (V.smtpCommandTimeout, String(smtpCommandTimeout)),
            (V.smtpStorageTimeout, String(smtpStorageTimeout)),
            (V.smtpDataTimeout, String(smtpDataTimeout)),
            (V.smtpMinDataRate, String(smtpMinDataRate)),
            (V.smtpMaxConnections, String(smtpMaxConnections)),
            (V.smtpMaxConnectionsPerIP, String(smtpMaxConnectionsPerIP)),
            (V.smtpBacklogSoftLimit, String(smtpBacklogSoftLimit)),
            (V.smtpBacklogHardLimit, String(smtpBacklogHardLimit)),
            (V.smtpProxyProtocol, smtpProxyProtocol.rawValue),
            (V.smtpTLSReloadInterval, String(smtpTLSReloadInterval)),
        ]
        let rest: [(String, String)] = [
            (V.apiHost, apiHost),
            (V.apiPort, String(apiPort)),
            (V.dataDir, dataDir),
            (V.databaseURL, Self.redactDatabaseURL(databaseURL)),
            (V.databasePoolSize, String(databasePoolSize)),
            (V.databasePoolMaxOverflow, String(databasePoolMaxOverflow)),
            (V.webhookTimeout, String(webhookTimeout)),
            (V.webhookMaxRetries, String(webhookMaxRetries)),
            (V.webhookRetryBaseDelay, String(webhookRetryBaseDelay)),
            (V.webhookMaxRetryDelay, String(webhookMaxRetryDelay)),
            (V.workerConcurrency, String(workerConcurrency)),
            (V.workerPollInterval, String(workerPollInterval)),
            (V.workerLease, String(workerLease)),
            (V.webhookHostConcurrency, String(webhookHostConcurrency)),
            (V.webhookDenyNetworks, webhookDenyNetworks.joined(separator: ",")),
            (V.webhookAllowNetworks, webhookAllowNetworks.joined(separator: ",")),
            (V.shutdownTimeout, String(shutdownTimeout)),
            (V.retentionDays, String(retentionDays)),
            (V.webhookIncludeRaw, String(webhookIncludeRaw)),
            (V.webhookMaxInlineAttachmentBytes, String(webhookMaxInlineAttachmentBytes)),
            (V.rootAPIKey, rootAPIKey == nil ? notSet : Self.redactionMask),
            (V.apiKeyHashAlgorithm, apiKeyHashAlgorithm),
            (V.instanceID, instanceID),
            (V.logLevel, logLevel.rawValue),
            (V.logFormat, logFormat.rawValue),
            (V.metricsPort, metricsPort.map(String.init) ?? notSet),
        ]
        return (entries + rest).map { (name: $0.0, value: $0.1) }
    }

    /// Masks the password of `scheme://user:password@host/...` and the values of
    /// `password`/`pass`/`pwd` query parameters. When the URL is ambiguous (an `@` in the
    /// path or query) it masks more rather than less.
    public static func redactDatabaseURL(_ url: String) -> String {
        // Without a scheme, treat the whole string as `user:password@host...` (error messages).
        let bodyStart = url.range(of: "://")?.upperBound ?? url.startIndex
        let head = url[..<bodyStart]
        var rest = String(url[bodyStart...])

        // User info ends at the last "@" before the host; a password may itself contain
        // unescaped "/", "?" or "#", so use the last "@" overall.
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                rest = String(rest[...colon]) + redactionMask + String(rest[at...])
            }
        }
        if let question = rest.firstIndex(of: "?") {
            let path = rest[..<question]
            let query = rest[rest.index(after: question)...]
            let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
                guard let equals = part.firstIndex(of: "=") else { return String(part) }
                let key = part[..<equals].lowercased()
                guard ["password", "pass", "pwd", "passwd"].contains(key) else { return String(part) }
                return String(part[...equals]) + redactionMask
            }
            rest = path + "?" + parts.joined(separator: "&")
        }
        return head + rest
    }
}
