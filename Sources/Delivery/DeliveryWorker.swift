import FastSMTPModels
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Drains the durable queue: claims due deliveries, POSTs them, records each outcome, schedules retries.
///
/// Runs `concurrency` loops; each claims one delivery at a time under a lease (`locked_by` = this instance,
/// `locked_until` = now + lease), so a worker that dies leaves rows that another claims once the lease expires.
/// Woken at once by ``DeliveryWakeup`` after an SMTP commit; otherwise polls every `pollInterval`.
/// On graceful shutdown it claims nothing new and finishes the deliveries in flight.
public struct DeliveryWorker: Service {
    public struct Configuration: Sendable {
        public var instanceID: String
        public var concurrency: Int
        public var pollInterval: Duration
        public var lease: TimeInterval
        public var policy: RetryPolicy
        /// Add `message.raw_base64` (FASTSMTP_WEBHOOK_INCLUDE_RAW).
        public var includeRaw: Bool

        public init(
            instanceID: String, concurrency: Int, pollInterval: Duration, lease: TimeInterval, policy: RetryPolicy,
            includeRaw: Bool = false
        ) {
            self.includeRaw = includeRaw
            self.instanceID = instanceID
            self.concurrency = concurrency
            self.pollInterval = pollInterval
            self.lease = lease
            self.policy = policy
        }
    }

    let store: Store
    let dispatcher: WebhookDispatcher
    let wakeup: DeliveryWakeup
    let configuration: Configuration
    let logger: Logger

    public init(
        store: Store, dispatcher: WebhookDispatcher, wakeup: DeliveryWakeup, configuration: Configuration,
        logger: Logger
    ) {
        self.store = store
        self.dispatcher = dispatcher
        self.wakeup = wakeup
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        logger.info(
            "delivery worker started",
            metadata: [
                "worker.concurrency": "\(configuration.concurrency)", "instance.id": "\(configuration.instanceID)",
            ])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                if store.database.supportsNotifications {
                    // Deliveries queued by other replicas (SMTP-only pods) wake this worker too.
                    group.addTask {
                        await cancelWhenGracefulShutdown {
                            await store.database.listen(on: Database.deliveriesChannel) { wakeup.signal() }
                        }
                    }
                }
                for _ in 0..<max(1, configuration.concurrency) {
                    group.addTask { await loop() }
                }
            }
        } onGracefulShutdown: {
            wakeup.stop()
        }
        logger.info("delivery worker stopped")
    }

    private func loop() async {
        while !wakeup.isStopped, !Task.isCancelled {
            do {
                let claimed = try await store.claimDueDeliveries(
                    limit: 1, instanceID: configuration.instanceID, lease: configuration.lease
                )
                if let delivery = claimed.first {
                    await deliver(delivery)
                    continue
                }
            } catch {
                logger.error("claiming deliveries failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            await wakeup.wait(timeout: await sleepDuration())
        }
    }

    /// Until the next delivery falls due, bounded by the poll interval.
    private func sleepDuration() async -> Duration {
        guard let due = try? await store.nextDueDate() else { return configuration.pollInterval }
        let seconds = max(0.005, due.timeIntervalSince(store.now()))
        return min(configuration.pollInterval, .milliseconds(Int64(seconds * 1000)))
    }

    /// One attempt for one claimed delivery. Never throws: every outcome is recorded.
    func deliver(_ delivery: ClaimedDelivery) async {
        var logger = logger
        logger[metadataKey: "delivery.id"] = "\(delivery.record.id)"
        logger[metadataKey: "message.id"] = "\(delivery.record.messageID)"
        let attemptsMade = delivery.record.attempts
        let outcome: DeliveryOutcome
        do {
            let body = try await requestBody(for: delivery)
            var secret = delivery.signingSecret
            if secret == nil, let recipientID = delivery.record.recipientID {
                secret = try await store.signingSecret(recipientID: recipientID)
            }
            let attempt = await dispatcher.post(
                url: delivery.record.webhookURL, body: body, headers: delivery.webhookHeaders,
                deliveryID: delivery.record.id, signingSecret: secret, logger: logger
            )
            outcome = Self.outcome(
                of: attempt, attemptsMade: attemptsMade, policy: configuration.policy, now: store.now())
        } catch {
            outcome = .failed(statusCode: nil, error: "cannot build payload: \(error)")
        }
        logger.info(
            "delivery attempt",
            metadata: [
                "delivery.attempt": "\(attemptsMade)", "delivery.outcome": "\(outcome)",
            ])
        do {
            let recorded = try await store.record(
                outcome, deliveryID: delivery.record.id, instanceID: configuration.instanceID)
            if !recorded {
                logger.warning("lease lost before the outcome was recorded; another worker owns the delivery")
            }
        } catch {
            // The lease expires and the delivery is attempted again: at-least-once.
            logger.error("recording a delivery outcome failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// The stored payload completed from the stored message: attachment contents and (when configured) the raw bytes.
    func requestBody(for delivery: ClaimedDelivery) async throws -> [UInt8] {
        var payload = try JSONDecoder().decode(WebhookPayload.self, from: delivery.payloadJSON)
        let needsMessage = configuration.includeRaw || payload.message.attachments.contains { !$0.contentOmitted }
        if needsMessage, let stored = delivery.record.storedMessageID, let raw = try await store.rawMessage(id: stored)
        {
            payload.message = payload.message.fillingContents(from: Array(raw), includeRaw: configuration.includeRaw)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array(try encoder.encode(payload))
    }

    /// Maps an attempt to what the queue records, through the retry policy.
    static func outcome(
        of attempt: WebhookAttempt, attemptsMade: Int, policy: RetryPolicy, now: Date
    ) -> DeliveryOutcome {
        let error: String
        switch attempt.result {
        case .response(let code, _):
            let excerpt = attempt.responseExcerpt.trimmingCharacters(in: .whitespacesAndNewlines)
            error =
                code == 413
                ? "HTTP 413: the receiver refused the payload size"
                    + (excerpt.isEmpty ? "" : ": \(excerpt.prefix(200))")
                : "HTTP \(code)" + (excerpt.isEmpty ? "" : ": \(excerpt.prefix(200))")
        case .transportError(let message):
            error = message
        }
        switch policy.decide(attemptsMade: attemptsMade, result: attempt.result, now: now) {
        case .delivered:
            return .delivered(statusCode: attempt.statusCode ?? 200)
        case .retry(let seconds):
            return .retry(at: now.addingTimeInterval(seconds), statusCode: attempt.statusCode, error: error)
        case .failed:
            return .failed(statusCode: attempt.statusCode, error: error)
        case .exhausted:
            return .exhausted(statusCode: attempt.statusCode, error: error)
        }
    }
}
