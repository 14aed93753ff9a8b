import Foundation

/// Decides what happens after a webhook delivery attempt: pure and deterministic given the RNG.
public struct RetryPolicy: Sendable, Equatable {
    /// Seconds (`webhook_retry_base_delay`).
    public var baseDelay: Double
    /// Retries after the first attempt (`webhook_max_retries`): at most `1 + maxRetries` attempts.
    public var maxRetries: Int
    /// Seconds; cap of every delay, Retry-After included (`webhook_max_retry_delay`).
    public var maxDelay: Double

    public init(baseDelay: Double, maxRetries: Int, maxDelay: Double = 3600) {
        self.baseDelay = baseDelay
        self.maxRetries = maxRetries
        self.maxDelay = maxDelay
    }

    public enum AttemptResult: Sendable, Equatable {
        /// An HTTP response; `retryAfter` is the raw Retry-After header value, if any.
        case response(statusCode: Int, retryAfter: String?)
        /// Connect refused, timeout, DNS, TLS... (description).
        case transportError(String)
        /// Never sent: the destination is one webhooks may not reach (reason). Permanent.
        case refused(String)
    }

    public enum Decision: Sendable, Equatable {
        /// 2xx.
        case delivered
        /// 408, 429, 5xx and transport errors while attempts remain.
        case retry(afterSeconds: Double)
        /// Any other status (1xx, 3xx, other 4xx including 413, >= 600): permanent.
        case failed
        /// A retryable result after the last allowed attempt (`1 + maxRetries`).
        case exhausted
    }

    /// Whether a result is worth retrying (ignoring the attempt budget).
    public static func isRetryable(_ result: AttemptResult) -> Bool {
        switch result {
        case .transportError: return true
        case .refused: return false
        case .response(let status, _): return status == 408 || status == 429 || (500...599).contains(status)
        }
    }

    /// - Parameter attemptsMade: attempts so far including the one just made (1 after the first).
    public func decide<G: RandomNumberGenerator>(
        attemptsMade: Int, result: AttemptResult, now: Date, using rng: inout G
    ) -> Decision {
        if case .response(let status, _) = result, (200...299).contains(status) {
            return .delivered
        }
        guard Self.isRetryable(result) else { return .failed }
        let attempts = max(attemptsMade, 1)
        if attempts - 1 >= max(maxRetries, 0) { return .exhausted }  // no overflow for maxRetries == .max

        var delay = backoff(retry: attempts - 1, using: &rng)
        if case .response(_, let header?) = result, let retryAfter = Self.parseRetryAfter(header, now: now) {
            delay = min(max(delay, retryAfter), cap)
        }
        return .retry(afterSeconds: delay)
    }

    public func decide(attemptsMade: Int, result: AttemptResult, now: Date) -> Decision {
        var rng = SystemRandomNumberGenerator()
        return decide(attemptsMade: attemptsMade, result: result, now: now, using: &rng)
    }

    /// The largest backoff for retry `n` (0-based): `min(maxDelay, baseDelay * 2^n)`.
    /// The exponent is capped, so huge `n` cannot overflow.
    public func backoffCeiling(retry n: Int) -> Double {
        let base = baseDelay.isFinite && baseDelay > 0 ? baseDelay : 0
        let exponent = min(max(n, 0), 62)
        let ceiling = base * Double(UInt64(1) << UInt64(exponent))
        return min(cap, ceiling)
    }

    /// Full jitter: uniform in `[0, backoffCeiling(retry: n)]`.
    public func backoff<G: RandomNumberGenerator>(retry n: Int, using rng: inout G) -> Double {
        let ceiling = backoffCeiling(retry: n)
        guard ceiling > 0 else { return 0 }
        return Double.random(in: 0...ceiling, using: &rng)
    }

    /// `maxDelay` made safe: negative or NaN → 0, +infinity → the largest finite Double,
    /// so every delay is finite.
    private var cap: Double {
        maxDelay >= 0 ? min(maxDelay, .greatestFiniteMagnitude) : 0
    }

    /// Retry-After (RFC 9110 §10.2.3): delta-seconds (a non-negative decimal integer) or an
    /// HTTP-date (IMF-fixdate; the obsolete RFC 850 and asctime forms are accepted too).
    /// Returns seconds from `now`; dates in the past give 0; anything else gives nil.
    public static func parseRetryAfter(_ value: String, now: Date) -> Double? {
        let trimmed = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        guard !trimmed.isEmpty else { return nil }
        if trimmed.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) {
            return Double(trimmed)
        }
        guard let date = HTTPDate.parse(trimmed, now: now) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
