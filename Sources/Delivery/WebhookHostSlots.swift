import NIOConcurrencyHelpers

/// Webhook requests in flight per destination (``WebhookOrigin``), capped at `limit` each, so one endpoint that
/// never answers holds at most `limit` of the worker's loops and the others keep delivering to everyone else.
final class WebhookHostSlots: Sendable {
    private let limit: Int
    private let inFlight = NIOLockedValueBox([String: Int]())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot for `origin`; false when all of its slots are taken.
    func tryAcquire(_ origin: String) -> Bool {
        inFlight.withLockedValue { counts in
            let current = counts[origin, default: 0]
            guard current < limit else { return false }
            counts[origin] = current + 1
            return true
        }
    }

    func release(_ origin: String) {
        inFlight.withLockedValue { counts in
            let remaining = counts[origin, default: 1] - 1
            counts[origin] = remaining > 0 ? remaining : nil
        }
    }

    /// The destinations with no free slot: claims pass over their rows.
    var saturated: [String] {
        inFlight.withLockedValue { counts in counts.filter { $0.value >= limit }.map(\.key).sorted() }
    }
}
