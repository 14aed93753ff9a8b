import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Purges what is older than `FASTSMTP_RETENTION_DAYS` (``Store/purge(before:batchSize:)``) once at start and then
/// every `interval`, in the worker role. Off the hot path: a failed run is logged and tried again next time.
struct RetentionJob: Service {
    let store: Store
    let days: Double
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let cutoff = store.now().addingTimeInterval(-days * 86_400)
                    let purged = try await store.purge(before: cutoff)
                    if purged.deliveries > 0 || purged.messages > 0 {
                        logger.info(
                            "retention: purged old rows",
                            metadata: [
                                "retention.deliveries": "\(purged.deliveries)",
                                "retention.messages": "\(purged.messages)",
                            ])
                    }
                } catch {
                    logger.warning("retention purge failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
