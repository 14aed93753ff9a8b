/// Why one signature did not pass: the result category to report and a reason for humans.
///
/// Thrown (typed) by the parsing and checking steps; ``DKIMVerifier`` turns it into a ``DKIMSignatureResult``.
struct DKIMFailure: Error, Sendable, Hashable {
    var result: DKIMResult
    var reason: String

    /// A permanent error: syntax, key record, policy of RFC 6376/8301 (`permerror`).
    static func permerror(_ reason: String) -> DKIMFailure { DKIMFailure(result: .permerror, reason: reason) }
    /// A transient error, e.g. DNS (`temperror`).
    static func temperror(_ reason: String) -> DKIMFailure { DKIMFailure(result: .temperror, reason: reason) }
    /// A cryptographic mismatch (`fail`).
    static func fail(_ reason: String) -> DKIMFailure { DKIMFailure(result: .fail, reason: reason) }
    /// Not processed (`neutral`), e.g. a verifier limit.
    static func neutral(_ reason: String) -> DKIMFailure { DKIMFailure(result: .neutral, reason: reason) }
}
