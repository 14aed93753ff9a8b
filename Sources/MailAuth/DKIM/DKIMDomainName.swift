/// Syntax of the names a DKIM signature carries (`d=`, `s=`, the domain of `i=`).
///
/// - SeeAlso: RFC 6376 §3.5 (`sig-d-tag`, `sig-s-tag`), RFC 5321 §4.1.2 (`Domain`).
enum DKIMDomainName {
    // RFC 6376 §3.5, §2.3 and RFC 5321 §4.1.2:
    //   sig-d-tag   = %x64 [FWS] "=" [FWS] domain-name
    //   domain-name = sub-domain 1*("." sub-domain)
    //   sig-s-tag   = %x73 [FWS] "=" [FWS] selector
    //   selector    = sub-domain *( "." sub-domain )
    //   sub-domain  = Let-dig [Ldh-str]
    //   Let-dig     = ALPHA / DIGIT
    //   Ldh-str     = *( ALPHA / DIGIT / "-" ) Let-dig
    // Lenient: "_" is accepted inside labels (it occurs in real selectors). Labels are at most 63 octets
    // (RFC 1035 §2.3.4). U-labels (RFC 8616) are not accepted: signers use A-labels in practice.

    /// Whether `name` is a `domain-name` (two labels or more) or, with `minimumLabels: 1`, a `selector`.
    static func isValid(_ name: String, minimumLabels: Int = 2) -> Bool {
        let utf8 = name.utf8
        guard !utf8.isEmpty, utf8.count <= 253 else { return false }
        var labels = 0
        for label in utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last, label.count <= 63,
                isLetDig(first), isLetDig(last) || last == UInt8(ascii: "_"),
                label.allSatisfy({ isLetDig($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
            else { return false }
            labels += 1
        }
        return labels >= minimumLabels
    }

    /// Whether `name` is `domain` or a subdomain of it (both already lowercased).
    static func isSameOrSubdomain(_ name: String, of domain: String) -> Bool {
        name == domain || name.hasSuffix("." + domain)
    }

    private static func isLetDig(_ b: UInt8) -> Bool {
        DKIMSyntax.isAlpha(b) || DKIMSyntax.isDigit(b)
    }

    /// ASCII-lowercases `name` (DNS names compare case-insensitively).
    static func lowercased(_ name: String) -> String {
        String(decoding: name.utf8.map(DKIMMessage.asciiLowercased), as: UTF8.self)
    }
}
