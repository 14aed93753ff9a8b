import DNSClient
import Foundation

/// The SPF `check_host()` function of RFC 7208, over any ``DNSResolver``.
///
/// All of RFC 7208 is implemented: the eight mechanisms with qualifiers and CIDR lengths, `redirect=` and
/// `exp=`, macro expansion with transformers and delimiters, and the processing limits of ``SPFLimits``.
/// Only TXT records are queried (the SPF RR type 99 is obsolete, §3.1).
///
/// ```swift
/// let evaluator = SPFEvaluator(resolver: resolver, receivingHost: "mx.example.org")
/// let verdict = await evaluator.evaluate(
///     clientIP: IPAddress("192.0.2.10")!, mailFrom: "alice@example.com", helo: "mail.example.com")
/// // verdict.result == .pass, verdict.domain == "example.com"
/// ```
/// - SeeAlso: RFC 7208 §2.4 (identities), §4 (check_host), §5 (mechanisms), §6 (modifiers), §7 (macros).
public struct SPFEvaluator: Sendable {
    public let resolver: any DNSResolver
    public let limits: SPFLimits
    /// This host's name, for the `%{r}` macro of explanations.
    public let receivingHost: String
    let now: @Sendable () -> Date
    /// Parsed records by text, shared by every evaluation of this evaluator.
    let recordCache = SPFRecordCache(capacity: 1_024)

    /// - Parameters:
    ///   - resolver: answers the TXT, A, AAAA, MX and PTR queries.
    ///   - limits: processing limits; the default is what RFC 7208 requires.
    ///   - receivingHost: the domain name of the host doing the check (`%{r}`).
    ///   - now: the clock for the `%{t}` macro.
    public init(
        resolver: any DNSResolver,
        limits: SPFLimits = .rfc7208,
        receivingHost: String = "unknown",
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.resolver = resolver
        self.limits = limits
        self.receivingHost = receivingHost
        self.now = now
    }

    /// Checks the MAIL FROM identity; with a null reverse-path (`""` or `"<>"`) checks the HELO identity
    /// as `postmaster@<helo>` instead (RFC 7208 §2.4).
    ///
    /// - Parameters:
    ///   - clientIP: the SMTP client's address; an IPv4-mapped IPv6 address is treated as IPv4.
    ///   - mailFrom: the reverse-path without angle brackets (they are tolerated), possibly empty.
    ///   - helo: the HELO/EHLO argument.
    /// - Returns: the verdict; its `domain` is the domain that was checked.
    public func evaluate(clientIP: IPAddress, mailFrom: String, helo: String) async -> SPFVerdict {
        var sender = Substring(mailFrom)
        if sender.hasPrefix("<") && sender.hasSuffix(">") && sender.count >= 2 {
            sender = sender.dropFirst().dropLast()
        }
        if sender.isEmpty {
            return await checkHost(ip: clientIP, domain: helo, sender: "postmaster@" + helo, helo: helo)
        }
        let domain = sender.lastIndex(of: "@").map { sender[sender.index(after: $0)...] } ?? sender
        return await checkHost(ip: clientIP, domain: String(domain), sender: String(sender), helo: helo)
    }

    /// `check_host(<ip>, <domain>, <sender>)` of RFC 7208 §4.
    ///
    /// - Parameters:
    ///   - ip: the client address.
    ///   - domain: the domain whose policy is checked.
    ///   - sender: the MAIL FROM or `postmaster@<helo>`; an empty local part becomes "postmaster" (§4.3).
    ///   - helo: the HELO/EHLO argument, for `%{h}`.
    public func checkHost(ip: IPAddress, domain: String, sender: String, helo: String) async -> SPFVerdict {
        let domainText = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
        guard let checkedDomain = SPFDomainName.checkHostDomain(domain) else {
            return SPFVerdict(
                result: .none, domain: domainText,
                reason: "\(domainText.debugDescription) is not a valid multi-label domain name")
        }
        let check = SPFCheck(
            resolver: resolver, limits: limits, ip: ip, domain: checkedDomain, sender: sender, helo: helo,
            receivingHost: receivingHost, now: now(), recordCache: recordCache)
        do {
            let outcome = try await check.checkHost(domain: checkedDomain, depth: 0, wantExplanation: true)
            return SPFVerdict(
                result: outcome.result, domain: checkedDomain, explanation: outcome.explanation,
                reason: outcome.reason)
        } catch {
            switch error {
            case .permanent(let reason):
                return SPFVerdict(result: .permerror, domain: checkedDomain, reason: reason)
            case .temporary(let reason):
                return SPFVerdict(result: .temperror, domain: checkedDomain, reason: reason)
            }
        }
    }
}
