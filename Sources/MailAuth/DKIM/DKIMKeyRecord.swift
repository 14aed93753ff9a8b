/// A key type (`k=`) this verifier knows.
enum DKIMKeyType: String, Sendable, Hashable {
    case rsa
    /// RFC 8463 §4.
    case ed25519
}

/// A DKIM key record (the TXT record at `<selector>._domainkey.<domain>`), validated for one signature.
///
/// - SeeAlso: RFC 6376 §3.6.1, §6.1.2; RFC 8463 §4; RFC 8301 §3.2.
struct DKIMKeyRecord {
    var key: DKIMPublicKey
    /// `t=y`: the domain is testing DKIM.
    var testing: Bool
    /// `t=s`: the `i=` domain must equal `d=` exactly.
    var strict: Bool

    // RFC 6376 §3.6.1:
    //   key-v-tag = %x76 [FWS] "=" [FWS] %x44.4B.49.4D.31        ; "DKIM1"; if present MUST be the first tag
    //   key-h-tag = %x68 [FWS] "=" [FWS] key-h-tag-alg 0*( [FWS] ":" [FWS] key-h-tag-alg )
    //   key-k-tag = %x6b [FWS] "=" [FWS] key-k-tag-type          ; default "rsa"
    //   key-n-tag = %x6e [FWS] "=" [FWS] qp-section
    //   key-p-tag = %x70 [FWS] "=" [ [FWS] base64string]         ; empty: the key has been revoked
    //   key-s-tag = %x73 [FWS] "=" [FWS] key-s-tag-type 0*( [FWS] ":" [FWS] key-s-tag-type )   ; "email" / "*"
    //   key-t-tag = %x74 [FWS] "=" [FWS] key-t-tag-flag 0*( [FWS] ":" [FWS] key-t-tag-flag )   ; "y" / "s"
    // "Unrecognized tags MUST be ignored" (so the obsolete g= is). §6.1.2: a record that does not parse, whose
    // v= is wrong, whose h= lacks the signature's hash, whose k= is unknown or differs from a=, whose s= excludes
    // email, or whose p= is empty or unusable makes the signature PERMFAIL.

    /// Validates `text` as the key for `signature`.
    init(parsing text: String, for signature: DKIMSignature, limits: DKIMLimits) throws(DKIMFailure) {
        let tags = try DKIMTagList(parsing: text)
        if let v = tags["v"] {
            guard tags.tags.first?.name == "v", v == "DKIM1" else {
                throw .permerror("key record has bad version v=\(DKIMSyntax.excerpt(v))")
            }
        }
        if let h = tags["h"] {
            let hashes = DKIMSyntax.colonList(h).map(DKIMDomainName.lowercased)
            guard hashes.contains(signature.algorithm.hashName) else {
                throw .permerror("key record h=\(DKIMSyntax.excerpt(h)) does not allow \(signature.algorithm.hashName)")
            }
        }
        let k = DKIMDomainName.lowercased(tags["k"] ?? "rsa")
        guard let keyType = DKIMKeyType(rawValue: k) else {
            throw .permerror("key record has unknown key type k=\(DKIMSyntax.excerpt(k))")
        }
        guard keyType == signature.algorithm.keyType else {
            throw .permerror("key type k=\(DKIMSyntax.excerpt(k)) does not match a=\(signature.algorithm.rawValue)")
        }
        if let s = tags["s"] {
            let services = DKIMSyntax.colonList(s).map(DKIMDomainName.lowercased)
            guard services.contains("*") || services.contains("email") else {
                throw .permerror("key record is not for email (s=\(DKIMSyntax.excerpt(s)))")
            }
        }
        let flags = DKIMSyntax.colonList(tags["t"] ?? "").map(DKIMDomainName.lowercased)
        testing = flags.contains("y")
        strict = flags.contains("s")
        if strict, signature.identityDomain != signature.domain {
            throw .permerror("key record has t=s but i= domain \(signature.identityDomain) is not d=")
        }
        guard let p = tags["p"] else { throw .permerror("key record has no p= tag") }
        let base64 = DKIMSyntax.removingFWS(p)
        guard !base64.isEmpty else { throw .permerror("key revoked (empty p=)") }
        guard let data = DKIMBase64.decode(p) else { throw .permerror("key record p= is not base64") }
        key = try DKIMPublicKey(keyType: keyType, data: data, limits: limits)
    }
}
