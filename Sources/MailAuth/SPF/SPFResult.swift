/// The result of an SPF check (RFC 7208 §2.6).
///
/// - SeeAlso: RFC 7208 §2.6 (result meanings), §8 (how receivers act on them).
public enum SPFResult: String, Sendable, Codable, CaseIterable {
    /// The client is authorized to use the domain.
    case pass
    /// The client is explicitly not authorized.
    case fail
    /// Weak statement that the client is probably not authorized.
    case softfail
    /// The domain owner makes no assertion about the client.
    case neutral
    /// No SPF record was found, or the domain could not be checked (malformed, NXDOMAIN).
    case none
    /// A transient DNS error; a later retry may succeed.
    case temperror
    /// The published record could not be interpreted (syntax error, limits exceeded).
    case permerror
}

/// What ``SPFEvaluator`` concluded for one identity.
///
/// ```swift
/// let verdict = await evaluator.evaluate(clientIP: ip, mailFrom: "user@example.com", helo: "mx.example.net")
/// if verdict.result == .fail { print("550 5.7.23 \(verdict.explanation ?? verdict.reason)") }
/// ```
public struct SPFVerdict: Sendable, Hashable, CustomStringConvertible {
    /// The RFC 7208 result.
    public var result: SPFResult
    /// The domain that was checked: the MAIL FROM domain, or the HELO name for the HELO identity.
    public var domain: String
    /// The text produced by the record's `exp=` modifier (RFC 7208 §6.2), only for `fail` and only when the
    /// publisher supplied one that could be fetched and expanded; nil means "use your default explanation".
    public var explanation: String?
    /// Human-readable diagnosis for logs: which term matched, or what went wrong.
    public var reason: String

    public init(result: SPFResult, domain: String, explanation: String? = nil, reason: String) {
        self.result = result
        self.domain = domain
        self.explanation = explanation
        self.reason = reason
    }

    public var description: String { "\(result.rawValue) (\(domain)): \(reason)" }
}
