import FastSMTPModels
import FastSMTPTestSupport
import Foundation
import Testing

@Suite("RetryPolicy decisions")
struct RetryPolicyTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    let policy = RetryPolicy(baseDelay: 1, maxRetries: 5, maxDelay: 3600)

    func decide(
        _ result: RetryPolicy.AttemptResult, attemptsMade: Int = 1, policy: RetryPolicy? = nil,
        seed: UInt64 = 42
    ) -> RetryPolicy.Decision {
        var rng = SplitMix64(seed: seed)
        return (policy ?? self.policy).decide(attemptsMade: attemptsMade, result: result, now: now, using: &rng)
    }

    @Test("2xx is delivered, even on the last attempt", arguments: [200, 201, 202, 204, 299])
    func delivered(status: Int) {
        #expect(decide(.response(statusCode: status, retryAfter: nil)) == .delivered)
        #expect(decide(.response(statusCode: status, retryAfter: "10"), attemptsMade: 6) == .delivered)
    }

    @Test(
        "other 4xx, 3xx, 1xx and nonsense statuses fail permanently",
        arguments: [400, 401, 403, 404, 405, 410, 413, 422, 499, 100, 101, 301, 302, 304, 600, 0, -1])
    func failed(status: Int) {
        #expect(decide(.response(statusCode: status, retryAfter: nil)) == .failed)
        #expect(decide(.response(statusCode: status, retryAfter: "5"), attemptsMade: 6) == .failed)
    }

    @Test("408, 429 and 5xx retry while attempts remain", arguments: [408, 429, 500, 502, 503, 504, 599])
    func retryableStatus(status: Int) {
        guard case .retry(let delay) = decide(.response(statusCode: status, retryAfter: nil)) else {
            Issue.record("expected a retry for \(status)")
            return
        }
        #expect(delay >= 0 && delay <= 1)
    }

    @Test("transport errors retry")
    func transportErrors() {
        for message in ["connection refused", "timeout", "DNS lookup failed", "TLS handshake failed"] {
            guard case .retry = decide(.transportError(message), attemptsMade: 3) else {
                Issue.record("expected a retry for \(message)")
                continue
            }
        }
    }

    @Test("retryable results are exhausted exactly at 1 + maxRetries attempts", arguments: [0, 1, 2, 5, 10])
    func exhaustion(maxRetries: Int) {
        let policy = RetryPolicy(baseDelay: 1, maxRetries: maxRetries, maxDelay: 60)
        for result in [RetryPolicy.AttemptResult.response(statusCode: 503, retryAfter: nil), .transportError("boom")] {
            for attempts in 1...(maxRetries + 3) {
                let decision = decide(result, attemptsMade: attempts, policy: policy)
                if attempts < 1 + maxRetries {
                    guard case .retry = decision else {
                        Issue.record("attempt \(attempts) of \(1 + maxRetries): \(decision)")
                        continue
                    }
                } else {
                    #expect(decision == .exhausted, "attempt \(attempts) of \(1 + maxRetries)")
                }
            }
        }
    }

    @Test("attemptsMade below 1 is treated as 1")
    func attemptsBelowOne() {
        guard case .retry(let delay) = decide(.transportError("x"), attemptsMade: 0) else {
            Issue.record("expected a retry")
            return
        }
        #expect(delay <= 1)
    }

    @Test("full-jitter backoff stays in [0, min(cap, base * 2^n)] and spreads out")
    func backoffBounds() {
        let policy = RetryPolicy(baseDelay: 0.5, maxRetries: 100, maxDelay: 40)
        var rng = SplitMix64(seed: 0xDEC0DE)
        for n in 0..<20 {
            let ceiling = min(40, 0.5 * pow(2, Double(n)))
            #expect(policy.backoffCeiling(retry: n) == ceiling)
            var samples: [Double] = []
            for _ in 0..<500 {
                let decision = policy.decide(attemptsMade: n + 1, result: .transportError("x"), now: now, using: &rng)
                guard case .retry(let delay) = decision else {
                    Issue.record("expected a retry at n=\(n): \(decision)")
                    return
                }
                samples.append(delay)
            }
            #expect(samples.allSatisfy { $0 >= 0 && $0 <= ceiling }, "n=\(n)")
            // Uniform: the sample range covers most of [0, ceiling].
            #expect(samples.min()! < ceiling * 0.05, "n=\(n)")
            #expect(samples.max()! > ceiling * 0.95, "n=\(n)")
            let mean = samples.reduce(0, +) / Double(samples.count)
            #expect(abs(mean - ceiling / 2) < ceiling * 0.1, "n=\(n) mean \(mean)")
        }
    }

    @Test("the same seed gives the same delays")
    func deterministic() {
        let a = (1...5).map { decide(.transportError("x"), attemptsMade: $0, seed: 7) }
        let b = (1...5).map { decide(.transportError("x"), attemptsMade: $0, seed: 7) }
        let c = (1...5).map { decide(.transportError("x"), attemptsMade: $0, seed: 8) }
        #expect(a == b)
        #expect(a != c)
    }

    @Test("huge attempt counts neither overflow nor exceed the cap")
    func hugeExponent() {
        let policy = RetryPolicy(baseDelay: 1e300, maxRetries: .max, maxDelay: 3600)
        for attempts in [64, 65, 1000, Int.max - 1] {
            #expect(policy.backoffCeiling(retry: attempts - 1) == 3600)
            guard case .retry(let delay) = decide(.transportError("x"), attemptsMade: attempts, policy: policy) else {
                Issue.record("expected a retry at \(attempts)")
                continue
            }
            #expect(delay.isFinite && delay >= 0 && delay <= 3600)
        }
        let infiniteCap = RetryPolicy(baseDelay: 1, maxRetries: .max, maxDelay: .infinity)
        #expect(infiniteCap.backoffCeiling(retry: 10_000).isFinite)
        guard
            case .retry(let delay) = decide(
                .response(statusCode: 503, retryAfter: "99999999999999999999999"),
                attemptsMade: 3, policy: infiniteCap)
        else {
            Issue.record("expected a retry")
            return
        }
        #expect(delay.isFinite)
    }

    @Test("zero base delay retries immediately")
    func zeroBase() {
        let policy = RetryPolicy(baseDelay: 0, maxRetries: 3, maxDelay: 3600)
        #expect(decide(.transportError("x"), attemptsMade: 3, policy: policy) == .retry(afterSeconds: 0))
        #expect(policy.backoffCeiling(retry: 1000) == 0)
    }

    @Test("Retry-After raises the delay to at least its value")
    func retryAfterDelta() {
        for seed in UInt64(0)..<200 {
            guard
                case .retry(let delay) = decide(
                    .response(statusCode: 429, retryAfter: "120"), attemptsMade: 2, seed: seed)
            else {
                Issue.record("expected a retry")
                return
            }
            #expect(delay == 120)  // the jittered backoff is at most 2 here
        }
        // When the backoff ceiling is above Retry-After, the delay is max(jitter, retry-after).
        let wide = RetryPolicy(baseDelay: 100, maxRetries: 5, maxDelay: 3600)
        for seed in UInt64(0)..<200 {
            guard
                case .retry(let delay) = decide(
                    .response(statusCode: 503, retryAfter: "30"), attemptsMade: 3,
                    policy: wide, seed: seed)
            else {
                Issue.record("expected a retry")
                return
            }
            #expect(delay >= 30 && delay <= 400)
        }
    }

    @Test("Retry-After as an HTTP-date")
    func retryAfterDate() {
        // now + 90 s
        let header = "Tue, 14 Nov 2023 22:14:50 GMT"
        guard case .retry(let delay) = decide(.response(statusCode: 503, retryAfter: header), attemptsMade: 1) else {
            Issue.record("expected a retry")
            return
        }
        #expect(delay == 90)
    }

    @Test("Retry-After is capped at maxDelay")
    func retryAfterCapped() {
        let policy = RetryPolicy(baseDelay: 1, maxRetries: 5, maxDelay: 60)
        #expect(decide(.response(statusCode: 429, retryAfter: "86400"), policy: policy) == .retry(afterSeconds: 60))
    }

    @Test(
        "garbage Retry-After is ignored",
        arguments: [
            "soon", "-5", "1.5", "", "  ", "10s", "0x10",
            "Tue, 14 Nov 2023 25:00:00 GMT", "Tue, 31 Feb 2023 10:00:00 GMT",
        ])
    func garbageRetryAfter(header: String) {
        let withHeader = decide(.response(statusCode: 503, retryAfter: header), attemptsMade: 2, seed: 99)
        let without = decide(.response(statusCode: 503, retryAfter: nil), attemptsMade: 2, seed: 99)
        #expect(withHeader == without)
    }

    @Test("the system-RNG overload behaves the same way")
    func systemRNG() {
        #expect(
            policy.decide(attemptsMade: 1, result: .response(statusCode: 200, retryAfter: nil), now: now) == .delivered)
        #expect(policy.decide(attemptsMade: 6, result: .transportError("x"), now: now) == .exhausted)
        guard case .retry(let delay) = policy.decide(attemptsMade: 4, result: .transportError("x"), now: now) else {
            Issue.record("expected a retry")
            return
        }
        #expect(delay >= 0 && delay <= 8)
    }
}
