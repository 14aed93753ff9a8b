import DNSClient
import Foundation

/// Why an evaluation stopped early: `check_host()` returns permerror or temperror at once.
enum SPFAbort: Error, Hashable {
    case permanent(String)
    case temporary(String)
}

/// The state of one `check_host()` evaluation, shared by the records reached through include and redirect:
/// the macro inputs, the processing-limit counters (RFC 7208 §4.6.4) and the `%{p}` result.
///
/// One instance lives inside one ``SPFEvaluator/checkHost(ip:domain:sender:helo:)`` call and is never shared.
final class SPFCheck {
    let resolver: any DNSResolver
    let limits: SPFLimits
    /// The client address; an IPv4-mapped IPv6 address has become IPv4 (RFC 7208 §5).
    let ip: IPAddress
    /// `<sender>` with "postmaster" for a missing local part (§4.3).
    let sender: String
    let localPart: String
    let senderDomain: String
    let helo: String
    let receivingHost: String
    let now: Date
    let deadline: ContinuousClock.Instant
    let recordCache: SPFRecordCache?

    private(set) var dnsTerms = 0
    private(set) var voidLookups = 0
    /// Validated names of `ip` for `%{p}`, looked up at most once.
    var validatedNames: [String]?

    init(
        resolver: any DNSResolver, limits: SPFLimits, ip: IPAddress, domain: String, sender: String,
        helo: String, receivingHost: String, now: Date, recordCache: SPFRecordCache? = nil
    ) {
        self.resolver = resolver
        self.limits = limits
        self.ip = ip.ipv4Mapped ?? ip
        let at = sender.lastIndex(of: "@")
        let local = at.map { String(sender[..<$0]) } ?? ""
        self.localPart = local.isEmpty ? "postmaster" : local
        let senderDomain = at.map { String(sender[sender.index(after: $0)...]) } ?? sender
        self.senderDomain = senderDomain.isEmpty ? domain : senderDomain
        self.sender = localPart + "@" + self.senderDomain
        self.helo = helo
        self.receivingHost = receivingHost
        self.now = now
        self.deadline = ContinuousClock.now.advanced(by: limits.timeLimit)
        self.recordCache = recordCache
    }

    /// What one record (with its includes and redirects) concluded, when it did not abort.
    struct Outcome {
        var result: SPFResult
        var explanation: String?
        var reason: String
    }

    /// `check_host()` for `domain` inside this evaluation (RFC 7208 §4.4-§4.7).
    ///
    /// - Parameters:
    ///   - depth: include/redirect nesting, bounded by ``SPFLimits/maximumNesting``.
    ///   - wantExplanation: false inside include, whose exp= is never used (§5.2).
    func checkHost(domain: String, depth: Int, wantExplanation: Bool) async throws(SPFAbort) -> Outcome {
        guard depth <= SPFLimits.maximumNesting else {
            throw .permanent("include/redirect nesting deeper than \(SPFLimits.maximumNesting)")
        }
        guard let record = try await fetchRecord(domain) else {
            return Outcome(result: .none, reason: "no SPF record at \(domain)")
        }
        for directive in record.directives {
            guard try await matches(directive.mechanism, domain: domain, depth: depth) else { continue }
            let result = directive.qualifier.result
            var explanation: String?
            if result == .fail, wantExplanation, let exp = record.explanation {
                explanation = await explain(exp, domain: domain)
            }
            return Outcome(result: result, explanation: explanation, reason: "\(directive.text) matched in \(domain)")
        }
        if let redirect = record.redirect {
            // §6.1: redirect counts as a DNS-querying term; a malformed target or a target without a
            // record is a permerror, and the target's own exp= (not this record's) applies.
            try countDNSTerm("redirect")
            guard let target = SPFDomainName.queryName(try await expand(redirect, domain: domain)) else {
                throw .permanent("redirect= in \(domain) expands to a malformed domain name")
            }
            let outcome = try await checkHost(domain: target, depth: depth + 1, wantExplanation: wantExplanation)
            guard outcome.result != .none else { throw .permanent("redirect=\(target) from \(domain): no SPF record") }
            return outcome
        }
        return Outcome(result: .neutral, reason: "no mechanism matched in \(domain) (default neutral)")
    }

    /// Record lookup and selection (RFC 7208 §4.4, §4.5): nil when there is no SPF record.
    private func fetchRecord(_ domain: String) async throws(SPFAbort) -> SPFRecord? {
        let texts: [String]
        switch try await lookup(
            domain, countsAsVoid: false,
            { () async throws(DNSError) -> [String] in
                try await self.resolver.txt(domain)
            })
        {
        case .records(let records): texts = records
        case .void: return nil
        case .failure(let message): throw .temporary("TXT lookup of \(domain) failed: \(message)")
        }
        let spf = texts.filter(SPFRecordParser.isSPFRecord)
        guard spf.count <= 1 else { throw .permanent("\(spf.count) SPF records at \(domain)") }
        guard let text = spf.first else { return nil }
        do {
            if let recordCache { return try recordCache.parse(text) }
            return try SPFRecordParser.parse(text)
        } catch {
            throw .permanent("syntax error in the SPF record of \(domain): \(error.message)")
        }
    }

    /// Counts an include/a/mx/ptr/exists/redirect term; the 11th is a permerror (RFC 7208 §4.6.4).
    func countDNSTerm(_ name: String) throws(SPFAbort) {
        dnsTerms += 1
        guard dnsTerms <= limits.dnsTerms else {
            throw .permanent("more than \(limits.dnsTerms) DNS-querying terms (at \(name))")
        }
    }

    /// The answer to one query, as SPF needs to tell it apart.
    enum Lookup<Record> {
        case records([Record])
        /// NXDOMAIN, or NOERROR without records.
        case void
        /// SERVFAIL, timeout, or any other failure.
        case failure(String)
    }

    /// Runs one DNS query, enforcing the time limit, and counts a void answer when asked
    /// (RFC 7208 §4.6.4: more than `voidLookups` is a permerror).
    func lookup<Record>(
        _ name: String, countsAsVoid: Bool, _ query: () async throws(DNSError) -> [Record]
    ) async throws(SPFAbort) -> Lookup<Record> {
        if Task.isCancelled { throw .temporary("evaluation cancelled") }
        guard ContinuousClock.now < deadline else {
            throw .temporary("SPF evaluation exceeded its time limit of \(limits.timeLimit)")
        }
        let answer: Lookup<Record>
        do {
            let records = try await query()
            answer = records.isEmpty ? .void : .records(records)
        } catch {
            switch error {
            case .nameDoesNotExist: answer = .void
            case .temporaryFailure(let message): answer = .failure(message)
            }
        }
        if countsAsVoid, case .void = answer {
            voidLookups += 1
            guard voidLookups <= limits.voidLookups else {
                throw .permanent("more than \(limits.voidLookups) void DNS lookups (at \(name))")
            }
        }
        return answer
    }

    /// A or AAAA records of `name`, matching the family of the client address.
    func addresses(of name: String, countsAsVoid: Bool) async throws(SPFAbort) -> Lookup<IPAddress> {
        if ip.isIPv4 {
            return try await lookup(name, countsAsVoid: countsAsVoid) { () async throws(DNSError) -> [IPAddress] in
                try await self.resolver.a(name)
            }
        }
        return try await lookup(name, countsAsVoid: countsAsVoid) { () async throws(DNSError) -> [IPAddress] in
            try await self.resolver.aaaa(name)
        }
    }
}
