/// A signing algorithm this verifier can accept (`a=`).
///
/// `rsa-sha1` is recognised but never accepted (RFC 8301 §3.1), so it is not a case here.
enum DKIMAlgorithm: String, Sendable, Hashable {
    case rsaSHA256 = "rsa-sha256"
    /// RFC 8463.
    case ed25519SHA256 = "ed25519-sha256"

    /// The key type (`k=`) a key record must have for this algorithm.
    var keyType: DKIMKeyType {
        switch self {
        case .rsaSHA256: .rsa
        case .ed25519SHA256: .ed25519
        }
    }

    /// The hash name a key record's `h=` must list for this algorithm.
    var hashName: String { "sha256" }
}

/// A canonicalisation algorithm (`c=`).
enum DKIMCanonicalization: String, Sendable, Hashable {
    case simple, relaxed
}

/// A DKIM-Signature header field whose tags are all valid.
///
/// - SeeAlso: RFC 6376 §3.5, §6.1.1.
struct DKIMSignature: Sendable, Hashable {
    var algorithm: DKIMAlgorithm
    var headerCanonicalization: DKIMCanonicalization
    var bodyCanonicalization: DKIMCanonicalization
    /// `d=`, lowercased.
    var domain: String
    /// `s=`, lowercased.
    var selector: String
    /// `h=`, lowercased, in order (an entry may repeat).
    var signedHeaders: [String]
    /// `i=`, or `@` + `d=`.
    var identity: String
    /// The domain part of ``identity``, lowercased.
    var identityDomain: String
    /// `l=`, saturated to `Int.max`.
    var bodyLength: Int?
    var timestamp: Int64?
    var expiration: Int64?
    var bodyHash: [UInt8]
    var signature: [UInt8]
    /// Where the `b=` value and its surrounding FWS lie in the message bytes (deleted before hashing, §3.7).
    var signatureValueRange: Range<Int>
    /// Index of this DKIM-Signature in ``DKIMMessage/fields``.
    var fieldIndex: Int

    /// The DNS name of the key record: `<selector>._domainkey.<domain>` (RFC 6376 §3.6.2.1).
    var keyName: String { "\(selector)._domainkey.\(domain)" }
}

/// What a signature claims about itself, for reporting even when it is invalid.
struct DKIMSignatureClaims: Sendable, Hashable {
    var domain: String?
    var selector: String?
    var algorithm: String?
    var identity: String?

    /// Takes `d=`, `s=`, `a=` and `i=` when they are short visible ASCII (safe to put in a header or a log).
    init(_ tags: DKIMTagList) {
        domain = DKIMSyntax.reportable(tags["d"]).map(DKIMDomainName.lowercased)
        selector = DKIMSyntax.reportable(tags["s"])
        algorithm = DKIMSyntax.reportable(tags["a"], maxLength: 64).map(DKIMDomainName.lowercased)
        identity = tags["i"] == nil ? domain.map { "@" + $0 } : DKIMSyntax.reportable(tags["i"], maxLength: 320)
    }

    init() {}
}

extension DKIMSignature {
    // RFC 6376 §3.5 (the tags and their grammar):
    //   sig-v-tag = %x76 [FWS] "=" [FWS] 1*DIGIT                       ; MUST be "1"
    //   sig-a-tag = %x61 [FWS] "=" [FWS] sig-a-tag-alg
    //   sig-a-tag-alg = sig-a-tag-k "-" sig-a-tag-h
    //   sig-b-tag = %x62 [FWS] "=" [FWS] sig-b-tag-data
    //   sig-bh-tag = %x62 %x68 [FWS] "=" [FWS] sig-bh-tag-data
    //   sig-c-tag = %x63 [FWS] "=" [FWS] sig-c-tag-alg ["/" sig-c-tag-alg]   ; default simple/simple
    //   sig-d-tag = %x64 [FWS] "=" [FWS] domain-name
    //   sig-h-tag = %x68 [FWS] "=" [FWS] hdr-name *( [FWS] ":" [FWS] hdr-name )
    //   sig-i-tag = %x69 [FWS] "=" [FWS] [ Local-part ] "@" domain-name
    //   sig-l-tag = %x6c [FWS] "=" [FWS] 1*76DIGIT
    //   sig-q-tag = %x71 [FWS] "=" [FWS] sig-q-tag-method *([FWS] ":" [FWS] sig-q-tag-method)
    //   sig-s-tag = %x73 [FWS] "=" [FWS] selector
    //   sig-t-tag = %x74 [FWS] "=" [FWS] 1*12DIGIT
    //   sig-x-tag = %x78 [FWS] "=" [FWS] 1*12DIGIT
    // §6.1.1: v, a, b, bh, d, h, s are required; i= must be d= or a subdomain; h= must include From; an expired
    // signature (x= in the past) may be ignored; x= must be after t=. Values compare case-sensitively except where
    // the RFC says otherwise; algorithm and canonicalisation names are compared ASCII-case-insensitively.

    /// Validates the tags of the DKIM-Signature field at `fieldIndex`.
    ///
    /// - Parameters:
    ///   - now: verification time, seconds since 1970.
    init(tags: DKIMTagList, fieldIndex: Int, now: Int64, limits: DKIMLimits) throws(DKIMFailure) {
        for required in ["v", "a", "b", "bh", "d", "h", "s"] where tags[required] == nil {
            throw .permerror("signature has no \(required)= tag")
        }
        guard tags["v"] == "1" else {
            throw .permerror("unsupported signature version v=\(DKIMSyntax.excerpt(tags["v"] ?? ""))")
        }

        let a = DKIMDomainName.lowercased(tags["a"] ?? "")
        if a == "rsa-sha1" { throw .permerror("rsa-sha1 is not accepted (RFC 8301)") }
        guard let algorithm = DKIMAlgorithm(rawValue: a) else {
            throw .permerror("unsupported algorithm a=\(DKIMSyntax.excerpt(a))")
        }
        self.algorithm = algorithm

        let c = DKIMDomainName.lowercased(tags["c"] ?? "simple/simple")
        let parts = c.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let header = DKIMCanonicalization(rawValue: String(parts[0])),
            let body = DKIMCanonicalization(rawValue: parts.count == 2 ? String(parts[1]) : "simple")
        else { throw .permerror("unsupported canonicalization c=\(DKIMSyntax.excerpt(c))") }
        headerCanonicalization = header
        bodyCanonicalization = body

        let d = tags["d"] ?? ""
        guard DKIMDomainName.isValid(d) else {
            throw .permerror("invalid signing domain d=\(DKIMSyntax.excerpt(d))")
        }
        domain = DKIMDomainName.lowercased(d)
        let s = tags["s"] ?? ""
        guard DKIMDomainName.isValid(s, minimumLabels: 1) else {
            throw .permerror("invalid selector s=\(DKIMSyntax.excerpt(s))")
        }
        selector = DKIMDomainName.lowercased(s)
        guard keyNameLength(selector: selector, domain: domain) <= 253 else {
            throw .permerror("key name \(selector)._domainkey.\(domain) is too long")
        }

        // hdr-name = field-name; field-name = 1*ftext (RFC 5322 §3.6.8)
        let names = DKIMSyntax.colonList(tags["h"] ?? "")
        guard names.count <= limits.maxSignedHeaderNames else {
            throw .permerror("h= lists more than \(limits.maxSignedHeaderNames) fields")
        }
        let isFieldName = { (name: String) in
            !name.isEmpty && name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") }
        }
        guard names.allSatisfy(isFieldName) else { throw .permerror("invalid header field name in h=") }
        signedHeaders = names.map(DKIMDomainName.lowercased)
        guard signedHeaders.contains("from") else { throw .permerror("From field not signed (h= lacks from)") }

        if let i = tags["i"] {
            guard let at = i.utf8.lastIndex(of: UInt8(ascii: "@")) else { throw .permerror("i= has no @") }
            let iDomain = DKIMDomainName.lowercased(
                String(decoding: i.utf8[i.utf8.index(after: at)...], as: UTF8.self))
            guard DKIMDomainName.isValid(iDomain), DKIMDomainName.isSameOrSubdomain(iDomain, of: domain) else {
                throw .permerror("i= domain is not d= or a subdomain of it (i=\(DKIMSyntax.excerpt(i)) d=\(domain))")
            }
            identity = i
            identityDomain = iDomain
        } else {
            identity = "@" + domain
            identityDomain = domain
        }

        if let l = tags["l"] {
            guard let length = DKIMSyntax.decimal(l, maxDigits: 76) else {
                throw .permerror("invalid body length l=\(DKIMSyntax.excerpt(l))")
            }
            bodyLength = length > Int64(Int.max) ? Int.max : Int(length)
        }

        if let q = tags["q"] {
            guard DKIMSyntax.colonList(q).contains(where: { DKIMDomainName.lowercased($0) == "dns/txt" }) else {
                throw .permerror("no supported query method in q=\(DKIMSyntax.excerpt(q))")
            }
        }

        if let t = tags["t"] {
            guard let value = DKIMSyntax.decimal(t, maxDigits: 76) else {
                throw .permerror("invalid timestamp t=\(DKIMSyntax.excerpt(t))")
            }
            timestamp = value
        }
        if let x = tags["x"] {
            guard let value = DKIMSyntax.decimal(x, maxDigits: 76) else {
                throw .permerror("invalid expiration x=\(DKIMSyntax.excerpt(x))")
            }
            expiration = value
        }
        if let t = timestamp, t > now &+ limits.clockSkew { throw .permerror("timestamp t=\(t) is in the future") }
        if let x = expiration {
            if let t = timestamp, x < t { throw .permerror("expiration x=\(x) is before timestamp t=\(t)") }
            if x < now &- limits.clockSkew { throw .permerror("signature expired (x=\(x))") }
        }

        guard let bh = DKIMBase64.decode(tags["bh"] ?? ""), !bh.isEmpty else { throw .permerror("bh= is not base64") }
        bodyHash = bh
        guard let b = DKIMBase64.decode(tags["b"] ?? ""), !b.isEmpty else { throw .permerror("b= is not base64") }
        signature = b
        signatureValueRange = tags.tag("b")?.valueRange ?? 0..<0
        self.fieldIndex = fieldIndex
    }
}

private func keyNameLength(selector: String, domain: String) -> Int {
    selector.utf8.count + "._domainkey.".utf8.count + domain.utf8.count
}
