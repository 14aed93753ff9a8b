/// Every bound and tolerance of the DKIM verifier, in one place.
///
/// The defaults keep the work on a hostile message small and predictable: at most ``maxSignatures`` key lookups
/// and signature checks, at most one canonicalised pass over the body per distinct (canonicalisation, `l=`) pair,
/// and header selection that is linear in the number of fields.
///
/// ```swift
/// var limits = DKIMLimits.default
/// limits.maxSignatures = 5
/// let verifier = DKIMVerifier(resolver: resolver, limits: limits)
/// ```
public struct DKIMLimits: Sendable, Hashable {
    /// DKIM-Signature fields verified per message (topmost first). Further ones are reported `neutral` without a
    /// DNS lookup. Default 10.
    public var maxSignatures: Int
    /// Header fields parsed. A message with more gets every signature reported `neutral`. Default 1,000.
    public var maxHeaderFields: Int
    /// Bytes in the header section (RFC 5322 header fields before the empty line). Default 1 MiB.
    public var maxHeaderBytes: Int
    /// Bytes in one DKIM-Signature field. A longer one is `permerror`. Default 16 KiB.
    public var maxSignatureFieldBytes: Int
    /// Entries in one `h=` list (over-signing counts). A longer list is `permerror`. Default 512.
    public var maxSignedHeaderNames: Int
    /// TXT records tried at one `<selector>._domainkey.<domain>` name (RFC 6376 §6.1.2 lets a verifier choose).
    /// Default 3.
    public var maxKeyRecords: Int
    /// The smallest RSA modulus accepted, in bits. RFC 8301 §3.2: keys under 1024 bits MUST NOT be treated as valid.
    public var minimumRSAKeyBits: Int
    /// The largest RSA modulus accepted, in bits (RFC 8301 asks for 1024–4096; larger keys only cost time).
    /// Default 8192.
    public var maximumRSAKeyBits: Int
    /// Tolerated clock difference, in seconds, for `t=` in the future and `x=` in the past. Default 36,000 (10 h,
    /// the tolerance dkimpy uses; RFC 6376 §3.5 leaves it to the verifier).
    public var clockSkew: Int64

    public init(
        maxSignatures: Int = 10,
        maxHeaderFields: Int = 1_000,
        maxHeaderBytes: Int = 1 << 20,
        maxSignatureFieldBytes: Int = 16 << 10,
        maxSignedHeaderNames: Int = 512,
        maxKeyRecords: Int = 3,
        minimumRSAKeyBits: Int = 1024,
        maximumRSAKeyBits: Int = 8192,
        clockSkew: Int64 = 36_000
    ) {
        self.maxSignatures = maxSignatures
        self.maxHeaderFields = maxHeaderFields
        self.maxHeaderBytes = maxHeaderBytes
        self.maxSignatureFieldBytes = maxSignatureFieldBytes
        self.maxSignedHeaderNames = maxSignedHeaderNames
        self.maxKeyRecords = maxKeyRecords
        self.minimumRSAKeyBits = minimumRSAKeyBits
        self.maximumRSAKeyBits = maximumRSAKeyBits
        self.clockSkew = clockSkew
    }

    /// The defaults described on each property.
    public static let `default` = DKIMLimits()
}
