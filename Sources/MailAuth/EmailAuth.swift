import DNSClient
import Foundation

/// What DKIM and SPF said about one message (SPEC.md `EmailAuthResult`), with the details behind it.
public struct EmailAuthResult: Sendable, Hashable {
    /// pass, fail, neutral, none, temperror, permerror, policy — the best signature's result; `none` when unsigned
    /// or not checked.
    public var dkimResult: String
    public var dkimDomain: String?
    public var dkimSelector: String?
    /// pass, fail, softfail, neutral, none, temperror, permerror; `none` when not checked.
    public var spfResult: String
    public var spfDomain: String?
    public var clientIP: String
    /// Every signature's verdict, topmost first (empty: unsigned or not checked).
    public var dkimSignatures: [DKIMSignatureResult]
    /// The SPF verdict, nil when SPF was not checked.
    public var spf: SPFVerdict?
    public var dkimChecked: Bool
    public var spfChecked: Bool

    /// The value of an Authentication-Results header field (RFC 8601 §2.2) for this result.
    ///
    /// Example: `mx.example.net; dkim=pass header.d=example.com header.s=sel; spf=fail smtp.mailfrom=example.org`
    public func authenticationResults(authservID: String) -> String {
        var parts = [authservID]
        if dkimChecked {
            if dkimSignatures.isEmpty {
                parts.append("dkim=none")
            }
            for signature in dkimSignatures {
                var entry = "dkim=\(signature.result.rawValue)"
                if let domain = signature.domain { entry += " header.d=\(domain)" }
                if let selector = signature.selector { entry += " header.s=\(selector)" }
                if signature.result != .pass { entry += " reason=\"\(Self.quoted(signature.reason))\"" }
                parts.append(entry)
            }
        }
        if spfChecked, let spf {
            let property = spfIsHELO ? "smtp.helo" : "smtp.mailfrom"
            parts.append("spf=\(spf.result.rawValue) \(property)=\(spf.domain)")
        }
        if parts.count == 1 { parts.append("none") }
        return parts.joined(separator: "; ")
    }

    /// Whether SPF checked the HELO identity (null MAIL FROM).
    public var spfIsHELO = false

    static func quoted(_ text: String) -> String {
        String(text.prefix(120)).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"", with: "\\\"")
    }
}

/// Runs DKIM and SPF (`validate_email_auth` of SPEC.md) over one resolver.
public struct EmailAuthenticator: Sendable {
    public let resolver: any DNSResolver
    let spfEvaluator: SPFEvaluator
    let dkimVerifier: DKIMVerifier

    public init(resolver: any DNSResolver, receivingHost: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.resolver = resolver
        self.spfEvaluator = SPFEvaluator(resolver: resolver, receivingHost: receivingHost, now: now)
        self.dkimVerifier = DKIMVerifier(resolver: resolver, now: now)
    }

    /// SPF for the MAIL FROM identity (the HELO identity for a null sender). A client address that is not an IP
    /// address (unknown) gives `none`.
    public func spf(clientIP: String, mailFrom: String, helo: String) async -> SPFVerdict {
        guard let ip = IPAddress(clientIP) else {
            return SPFVerdict(
                result: .none, domain: "", reason: "the client address '\(clientIP)' is not an IP address")
        }
        return await spfEvaluator.evaluate(clientIP: ip, mailFrom: mailFrom, helo: helo)
    }

    public func dkim(_ message: [UInt8]) async -> [DKIMSignatureResult] {
        await dkimVerifier.verify(message)
    }

    /// Runs what is asked for concurrently. `spf` may carry a verdict already computed at RCPT time.
    public func validate(
        message: [UInt8], clientIP: String, mailFrom: String, helo: String,
        verifyDKIM: Bool, verifySPF: Bool, spf known: SPFVerdict? = nil
    ) async -> EmailAuthResult {
        async let dkimTask: [DKIMSignatureResult] = verifyDKIM ? dkim(message) : []
        async let spfTask: SPFVerdict? =
            verifySPF ? (known == nil ? await spf(clientIP: clientIP, mailFrom: mailFrom, helo: helo) : known) : nil
        let (signatures, spfVerdict) = await (dkimTask, spfTask)
        let best = signatures.first { $0.result == .pass } ?? signatures.first
        var result = EmailAuthResult(
            dkimResult: verifyDKIM ? signatures.summary.rawValue : "none",
            dkimDomain: best?.domain, dkimSelector: best?.selector,
            spfResult: spfVerdict?.result.rawValue ?? "none", spfDomain: spfVerdict?.domain,
            clientIP: clientIP, dkimSignatures: signatures, spf: spfVerdict,
            dkimChecked: verifyDKIM, spfChecked: verifySPF
        )
        let trimmed = mailFrom.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        result.spfIsHELO = trimmed.isEmpty
        return result
    }
}
