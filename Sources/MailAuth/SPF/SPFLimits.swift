/// The processing limits of one SPF check, all in one place (RFC 7208 §4.6.4).
///
/// Every limit applies to a whole `check_host()` evaluation, including the records reached through
/// `include:` and `redirect=`.
///
/// | key | default | exceeded ⇒ |
/// |---|---|---|
/// | `dnsTerms` | 10 `include`/`a`/`mx`/`ptr`/`exists`/`redirect` terms | permerror |
/// | `voidLookups` | 2 answers that were NXDOMAIN or empty | permerror |
/// | `mxExchanges` | 10 exchanges looked up per `mx` term | permerror |
/// | `ptrNames` | 10 PTR names considered per `ptr` term or `%{p}` | the rest are ignored |
/// | `timeLimit` | 20 seconds for the whole evaluation | temperror |
///
/// ```swift
/// var limits = SPFLimits.rfc7208
/// limits.timeLimit = .seconds(5)
/// let evaluator = SPFEvaluator(resolver: resolver, limits: limits)
/// ```
/// - SeeAlso: RFC 7208 §4.6.4, §11.1.
public struct SPFLimits: Sendable, Hashable {
    /// Terms that query DNS (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`); the 11th is a permerror.
    public var dnsTerms: Int
    /// DNS queries of those terms that returned NXDOMAIN or no records; exceeding it is a permerror.
    /// RFC 7208 says SHOULD and recommends 2; `Int.max` disables the check.
    public var voidLookups: Int
    /// Exchanges of one `mx` term whose addresses may be queried; needing more is a permerror.
    public var mxExchanges: Int
    /// PTR names examined by one `ptr` term or `%{p}` macro; further names are ignored.
    public var ptrNames: Int
    /// Wall-clock budget for the whole evaluation, checked before every DNS query (RFC 7208 §4.6.4: at least 20 s).
    public var timeLimit: Duration

    public init(
        dnsTerms: Int = 10,
        voidLookups: Int = 2,
        mxExchanges: Int = 10,
        ptrNames: Int = 10,
        timeLimit: Duration = .seconds(20)
    ) {
        self.dnsTerms = dnsTerms
        self.voidLookups = voidLookups
        self.mxExchanges = mxExchanges
        self.ptrNames = ptrNames
        self.timeLimit = timeLimit
    }

    /// The values RFC 7208 requires or recommends.
    public static let rfc7208 = SPFLimits()

    /// Include/redirect nesting deeper than this is a permerror whatever `dnsTerms` says, so that a
    /// raised term limit cannot turn an include loop into unbounded recursion.
    static let maximumNesting = 64
}
