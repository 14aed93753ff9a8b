import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import Storage
import Telemetry

/// `GET /metrics`: the process's counters plus the queue as the database sees it, read at most every few seconds
/// however many scrapers ask (docs/metrics.md).
struct MetricsEndpoint: Sendable {
    let metrics: ServerMetrics
    let store: Store
    let logger: Logger
    /// How old a queue reading may be before a scrape reads it again.
    var maxQueueAge: Duration = .seconds(5)
    /// When the queue was last read, and whether a scrape is reading it now.
    private let reading = NIOLockedValueBox((last: ContinuousClock.Instant?.none, busy: false))

    init(metrics: ServerMetrics, store: Store, logger: Logger) {
        self.metrics = metrics
        self.store = store
        self.logger = logger
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("metrics") { _, _ -> Response in
            await refreshQueueIfStale()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
    }

    /// One scrape at a time reads the queue; the others answer with the last reading. A database that does not
    /// answer leaves the last reading in place and counts a storage error.
    func refreshQueueIfStale() async {
        let now = ContinuousClock.now
        let start = reading.withLockedValue { state in
            guard !state.busy, state.last.map({ now - $0 >= maxQueueAge }) ?? true else { return false }
            state.busy = true
            return true
        }
        guard start else { return }
        var readAt: ContinuousClock.Instant?
        defer { reading.withLockedValue { $0 = (readAt ?? $0.last, false) } }
        do {
            let (depth, oldest) = try await store.queueDepth()
            metrics.setQueue(
                depth: Dictionary(uniqueKeysWithValues: depth.map { ($0.key.rawValue, $0.value) }),
                oldestPendingAge: oldest.map { max(0, store.now().timeIntervalSince($0)) } ?? 0)
            readAt = now
        } catch {
            metrics.storageError("metrics")
            logger.warning(
                "metrics: reading the queue depth failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
