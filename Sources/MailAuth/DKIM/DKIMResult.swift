/// The outcome of checking one DKIM-Signature, named as in RFC 8601 §2.7.1 (Authentication-Results).
///
/// - SeeAlso: RFC 6376 §6.1 (verifier actions), RFC 8601 §2.7.1 (result names).
public enum DKIMResult: String, Sendable, Hashable, Codable, CaseIterable {
    /// The signature verified: body hash and header signature both match a usable key.
    case pass
    /// The signature did not verify: the body hash differs, or `b=` does not match the signed header fields.
    case fail
    /// The signature could not be processed for a reason other than those below (for example a verifier limit).
    case neutral
    /// The message was not signed. ``DKIMVerifier/verify(_:)`` returns no results then; callers report `none`.
    case none
    /// A transient problem, usually DNS (timeout, SERVFAIL): the sender may retry later.
    case temperror
    /// A permanent problem: malformed signature or key record, missing or revoked key, expired signature,
    /// unacceptable algorithm (rsa-sha1, RFC 8301) or key size.
    case permerror
    /// The signature was acceptable cryptographically but refused by local policy.
    case policy
}

/// The result of one DKIM-Signature header field, with what the signature claimed.
///
/// ```swift
/// let results = await verifier.verify(message)
/// let passed = results.filter { $0.result == .pass }.compactMap(\.domain)   // d= of each valid signature
/// ```
public struct DKIMSignatureResult: Sendable, Hashable, Codable {
    /// The verdict.
    public var result: DKIMResult
    /// The signing domain (`d=`, the SDID), lowercased; `nil` when the signature has no usable `d=`.
    public var domain: String?
    /// The selector (`s=`); `nil` when absent.
    public var selector: String?
    /// The signing algorithm (`a=`, lowercased), e.g. `rsa-sha256` or `ed25519-sha256`.
    public var algorithm: String?
    /// The agent or user identifier (`i=`, the AUID); `@` + `d=` when the signature has no `i=`.
    public var identity: String?
    /// The key record carried `t=y`: the signer is testing DKIM (RFC 6376 §3.6.1); report, don't enforce.
    public var testing: Bool
    /// A short human-readable explanation, e.g. `body hash mismatch` or `key revoked (empty p=)`.
    public var reason: String

    public init(
        result: DKIMResult,
        domain: String? = nil,
        selector: String? = nil,
        algorithm: String? = nil,
        identity: String? = nil,
        testing: Bool = false,
        reason: String
    ) {
        self.result = result
        self.domain = domain
        self.selector = selector
        self.algorithm = algorithm
        self.identity = identity
        self.testing = testing
        self.reason = reason
    }
}

extension Array where Element == DKIMSignatureResult {
    /// The message-level summary: `pass` if any signature passed, `none` if there were no signatures, otherwise the
    /// result of the first (topmost) signature.
    public var summary: DKIMResult {
        if contains(where: { $0.result == .pass }) { return .pass }
        return first?.result ?? .none
    }
}
