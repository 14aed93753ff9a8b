import DNSClient

/// A parsed `v=spf1` record (RFC 7208 §4.6): directives in order, plus the two known modifiers.
///
/// Unknown modifiers are checked for syntax and dropped (§6: they MUST be ignored).
struct SPFRecord: Hashable, Sendable {
    var directives: [SPFDirective]
    /// `redirect=`, used only when no directive matched (§6.1).
    var redirect: SPFMacroString?
    /// `exp=`, used only for a `fail` produced by this record's own directives (§6.2).
    var explanation: SPFMacroString?
}

/// `directive = [ qualifier ] mechanism`
struct SPFDirective: Hashable, Sendable {
    var qualifier: SPFQualifier
    var mechanism: SPFMechanism
    /// The term as published, for diagnostics.
    var text: String
}

/// `qualifier = "+" / "-" / "?" / "~"`
enum SPFQualifier: UInt8, Hashable, Sendable {
    case pass = 0x2B  // +
    case fail = 0x2D  // -
    case neutral = 0x3F  // ?
    case softfail = 0x7E  // ~

    var result: SPFResult {
        switch self {
        case .pass: .pass
        case .fail: .fail
        case .neutral: .neutral
        case .softfail: .softfail
        }
    }
}

/// `mechanism = ( all / include / a / mx / ptr / ip4 / ip6 / exists )` (RFC 7208 §5).
enum SPFMechanism: Hashable, Sendable {
    case all
    case include(SPFMacroString)
    /// A nil domain-spec means the current domain.
    case a(SPFMacroString?, SPFDualCIDR)
    case mx(SPFMacroString?, SPFDualCIDR)
    case ptr(SPFMacroString?)
    case ip4(IPAddress, prefixLength: Int)
    case ip6(IPAddress, prefixLength: Int)
    case exists(SPFMacroString)

    /// Counts against the 10-term limit (RFC 7208 §4.6.4).
    var queriesDNS: Bool {
        switch self {
        case .all, .ip4, .ip6: false
        case .include, .a, .mx, .ptr, .exists: true
        }
    }
}

/// `dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]`, with the defaults of §5.3/§5.4.
struct SPFDualCIDR: Hashable, Sendable {
    var ip4: Int = 32
    var ip6: Int = 128
}
