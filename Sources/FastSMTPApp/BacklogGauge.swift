import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Storage

/// The pending deliveries, as SMTP's backpressure reads them: counted in the database every `interval` (one indexed
/// count, by whichever replica runs SMTP, so the workers of every replica are included) and, in between, raised by
/// each message this process accepts so that a burst is seen before the next count.
final class BacklogGauge: Service, Sendable {
    private let value = NIOLockedValueBox(0)
    let store: Store
    let interval: Duration
    let logger: Logger

    init(store: Store, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    var pending: Int { value.withLockedValue { $0 } }

    /// `count` deliveries were queued by this process.
    func added(_ count: Int) {
        value.withLockedValue { $0 += count }
    }

    func refresh() async {
        do {
            let counted = try await store.pendingDeliveryCount()
            value.withLockedValue { $0 = counted }
        } catch {
            logger.warning(
                "counting the pending deliveries failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.refresh()
                try? await Task.sleep(for: self.interval)
            }
        }
    }
}
