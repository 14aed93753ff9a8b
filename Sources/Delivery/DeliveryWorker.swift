import FastSMTPModels
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Storage
import Telemetry

/// Drains the durable queue: claims due deliveries, POSTs them, records each outcome, schedules retries.
///
/// Runs up to `concurrency` attempts at once. One claimer takes as many due rows as there are free places in one
/// claim, under a lease (a fresh token, `locked_until` = now + lease, renewed every third of the lease while the
/// attempt runs), so a worker that dies leaves rows that another claims once the lease expires, and a stale attempt
/// cannot record over a newer one. Outcomes recorded at the same moment share one commit (group commit).
/// At start it releases the leases left under its own instance id (a crash or `kill -9` of the previous process).
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
        /// Requests in flight at once per destination (FASTSMTP_WEBHOOK_HOST_CONCURRENCY).
        public var hostConcurrency: Int
        /// How long graceful shutdown waits for attempts in flight (FASTSMTP_SHUTDOWN_TIMEOUT).
        public var shutdownTimeout: Duration

        public init(
            instanceID: String, concurrency: Int, pollInterval: Duration, lease: TimeInterval, policy: RetryPolicy,
            includeRaw: Bool = false, hostConcurrency: Int = 4, shutdownTimeout: Duration = .seconds(30)
        ) {
            self.includeRaw = includeRaw
            self.hostConcurrency = hostConcurrency
            self.shutdownTimeout = shutdownTimeout
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
    let metrics: ServerMetrics
    private let slots: WebhookHostSlots

    public init(
        store: Store, dispatcher: WebhookDispatcher, wakeup: DeliveryWakeup, configuration: Configuration,
        logger: Logger, metrics: ServerMetrics = ServerMetrics(version: "unknown")
    ) {
        self.metrics = metrics
        self.store = store
        self.dispatcher = dispatcher
        self.wakeup = wakeup
        self.configuration = configuration
        self.logger = logger
        self.slots = WebhookHostSlots(limit: configuration.hostConcurrency)
    }

    public func run() async throws {
        logger.info(
            "delivery worker started",
            metadata: [
                "worker.concurrency": "\(configuration.concurrency)", "instance.id": "\(configuration.instanceID)",
            ])
        await releaseOwnLeases()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withGracefulShutdownHandler {
                    await runLoops()
                } onGracefulShutdown: {
                    wakeup.stop()
                }
            }
            group.addTask {
                // Graceful shutdown waits this long for the attempts in flight; then they are cut short (their
                // requests cancelled) and their deliveries released for retry.
                guard (try? await gracefulShutdown()) != nil else { return }
                try? await Task.sleep(for: configuration.shutdownTimeout)
            }
            await group.next()
            group.cancelAll()
        }
        logger.info("delivery worker stopped")
    }

    /// Whatever is leased under this instance id now was held by a process that is gone: make it due again.
    /// A failure is logged and not fatal (those leases then simply expire).
    private func releaseOwnLeases() async {
        do {
            let released = try await store.releaseLeases(instanceID: configuration.instanceID)
            if released > 0 {
                logger.notice(
                    "released deliveries leased by a previous run of this instance",
                    metadata: ["deliveries": "\(released)"])
            }
        } catch {
            logger.error("releasing old leases failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    private func runLoops() async {
        await withDiscardingTaskGroup { group in
            if store.database.supportsNotifications {
                // Deliveries queued by other replicas (SMTP-only pods) wake this worker too.
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        await store.database.listen(on: Database.deliveriesChannel) { wakeup.signal() }
                    }
                }
            }
            group.addTask { await claimLoop() }
        }
    }

    /// One claimer: takes as many due rows as there are free places (`concurrency` attempts at once) in one claim,
    /// starts an attempt for each, and claims again as soon as places free up or a commit signals new rows; with
    /// nothing due it sleeps until the next row falls due (bounded by the poll interval).
    private func claimLoop() async {
        let capacity = max(1, configuration.concurrency)
        let running = NIOLockedValueBox(0)
        let slotWait = Duration.milliseconds(Int64(configuration.lease * 1000 / 2))
        let clock = ContinuousClock()
        // A claim that passes over busy destinations reads past all of their due rows; when one came back short, the
        // same claim is not made again for a while unless a destination came free (its set of busy ones shrank).
        var lastShort: (excluded: Set<String>, at: ContinuousClock.Instant)?
        let rescan = Duration.milliseconds(50)
        await withDiscardingTaskGroup { group in
            while !wakeup.isStopped, !Task.isCancelled {
                let free = capacity - running.withLockedValue { $0 }
                var claimedAll = false
                var saturated: [String] = []
                if free > 0 {
                    saturated = slots.saturated
                    let excluded = Set(saturated)
                    if let last = lastShort, !excluded.isEmpty, excluded.isSuperset(of: last.excluded),
                        clock.now - last.at < rescan
                    {
                        await wakeup.wait(timeout: rescan - (clock.now - last.at))
                        continue
                    }
                    do {
                        let claimed = try await store.claimDueDeliveries(
                            limit: free, instanceID: configuration.instanceID, lease: configuration.lease,
                            excludingOrigins: saturated
                        )
                        running.withLockedValue { $0 += claimed.count }
                        for delivery in claimed {
                            group.addTask {
                                let origin = WebhookOrigin.of(delivery.record.webhookURL) ?? delivery.record.webhookURL
                                // Another attempt took the destination's last slot since the claim: wait for one
                                // (briefly: the claims pass over the destination meanwhile), else give the row back.
                                let finished: @Sendable () -> Void = {
                                    running.withLockedValue { $0 -= 1 }
                                    wakeup.signal()
                                }
                                if await slots.acquire(origin, within: slotWait) {
                                    await deliver(delivery) {
                                        slots.release(origin)
                                        finished()
                                    }
                                } else {
                                    _ = try? await Self.uncancelled { try await store.release(delivery.lease) }
                                    finished()
                                }
                            }
                        }
                        claimedAll = claimed.count == free
                        lastShort = !claimedAll && !excluded.isEmpty ? (excluded, clock.now) : nil
                    } catch {
                        metrics.storageError("claim")
                        logger.error("claiming deliveries failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
                // Every place taken: claim again once one frees (each finished attempt signals). A full claim: more may
                // be due. Otherwise nothing is due but rows for busy destinations, or later ones.
                if claimedAll { continue }
                let timeout =
                    free <= 0 || !saturated.isEmpty ? configuration.pollInterval : await sleepDuration()
                await wakeup.wait(timeout: timeout)
            }
        }
    }

    /// Until the next delivery falls due, bounded by the poll interval.
    private func sleepDuration() async -> Duration {
        guard let due = try? await store.nextDueDate() else { return configuration.pollInterval }
        let seconds = max(0.005, due.timeIntervalSince(store.now()))
        return min(configuration.pollInterval, .milliseconds(Int64(seconds * 1000)))
    }

    /// One attempt for one claimed delivery. Never throws: every outcome is recorded. `attempted` runs once the
    /// attempt is over, before its outcome is recorded (the destination's slot and the worker's place are free then:
    /// recording joins the next group commit).
    func deliver(_ delivery: ClaimedDelivery, attempted: @Sendable () -> Void = {}) async {
        var logger = logger
        logger[metadataKey: "delivery.id"] = "\(delivery.record.id.uuidString.lowercased())"
        // The queue id the sender was given ("250 2.0.0 queued as …"), as on the intake's lines; and the header's.
        if let stored = delivery.record.storedMessageID {
            logger[metadataKey: "message.id"] = "\(stored.uuidString.lowercased())"
        }
        logger[metadataKey: "message.message_id"] = "\(delivery.record.messageID)"
        let attemptsMade = delivery.record.attempts
        guard
            let outcome = await withLeaseRenewed(
                delivery.lease, logger: logger,
                { [logger] in
                    await attempt(delivery, attemptsMade: attemptsMade, logger: logger)
                })
        else {
            attempted()
            // Shutdown cut the attempt short: the row goes back, uncounted, to the next run or another replica.
            let released = try? await Self.uncancelled { try await store.release(delivery.lease) }
            logger.notice(
                "attempt cut short by shutdown; delivery released for retry",
                metadata: ["delivery.released": "\(released == true)"])
            return
        }
        attempted()
        logger.info(
            "delivery attempt",
            metadata: [
                "delivery.attempt": "\(attemptsMade)", "delivery.outcome": "\(outcome)",
            ])
        count(outcome, of: delivery)
        await recordOutcome(outcome, lease: delivery.lease, logger: logger)
    }

    private func count(_ outcome: DeliveryOutcome, of delivery: ClaimedDelivery) {
        switch outcome {
        case .delivered(let code):
            metrics.deliveryAttempt(outcome: "delivered", statusCode: code)
            let age = max(0, store.now().timeIntervalSince(delivery.record.createdAt))
            metrics.deliveryLatency(.milliseconds(Int64(age * 1000)))
        case .retry(_, let code, _): metrics.deliveryAttempt(outcome: "retry", statusCode: code)
        case .failed(let code, _): metrics.deliveryAttempt(outcome: "failed", statusCode: code)
        case .exhausted(let code, _): metrics.deliveryAttempt(outcome: "exhausted", statusCode: code)
        }
    }

    /// Records `outcome`, retrying a failing database (a restart, a lost connection) for up to half the lease: the
    /// attempt has happened, and a record that lands spares the endpoint a second copy. When it never lands, the lease
    /// expires and the delivery is attempted again: at-least-once.
    private func recordOutcome(_ outcome: DeliveryOutcome, lease: DeliveryLease, logger: Logger) async {
        let clock = ContinuousClock()
        let giveUp = clock.now + .milliseconds(Int64(configuration.lease * 500))
        var pause = Duration.milliseconds(100)
        while true {
            do {
                if try await !Self.uncancelled({ try await store.record(outcome, lease: lease) }) {
                    logger.warning("lease lost before the outcome was recorded; another claim owns the delivery")
                }
                return
            } catch {
                metrics.storageError("record")
                guard clock.now + pause < giveUp else {
                    logger.error(
                        "recording a delivery outcome failed; it will be attempted again when its lease expires",
                        metadata: ["error": "\(String(reflecting: error))"])
                    return
                }
                logger.warning(
                    "recording a delivery outcome failed; retrying", metadata: ["error": "\(String(reflecting: error))"]
                )
                // Not cancelled by shutdown either: the outcome matters more than a prompt exit, and the wait is bounded.
                try? await Self.uncancelled { [pause] in try await Task.sleep(for: pause) }
                pause = min(pause * 2, .seconds(2))
            }
        }
    }

    /// Runs `operation` in a task of its own, so that a shutdown cancelling this one cannot stop an outcome from
    /// being written.
    private static func uncancelled<T: Sendable>(
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await Task { try await operation() }.value
    }

    /// What one attempt came to. A row claimed more often than the policy allows attempts never got an outcome
    /// recorded (its worker died each time): it is exhausted, not leased forever. A payload that cannot be decoded
    /// never will be: exhausted too. A storage error while preparing is transient: retried like a transport error.
    /// Nil when the attempt was cut short by cancellation (shutdown) before it came to anything.
    private func attempt(_ delivery: ClaimedDelivery, attemptsMade: Int, logger: Logger) async -> DeliveryOutcome? {
        let policy = configuration.policy
        if attemptsMade - 1 > max(policy.maxRetries, 0) {
            return .exhausted(
                statusCode: nil,
                error: "claimed \(attemptsMade) times without a recorded outcome (its worker stopped mid-attempt)")
        }
        guard delivery.record.recipientID != nil else {
            return .failed(statusCode: nil, error: "recipient deleted")
        }
        let body: [UInt8]
        var secret = delivery.signingSecret
        do {
            body = try await requestBody(for: delivery)
            if secret == nil, let recipientID = delivery.record.recipientID {
                secret = try await store.signingSecret(recipientID: recipientID)
            }
        } catch let error as DecodingError {
            return .exhausted(statusCode: nil, error: "the stored payload cannot be decoded: \(error)")
        } catch {
            if Task.isCancelled { return nil }
            metrics.storageError("prepare")
            let result = WebhookAttempt(
                result: .transportError("storage error while preparing the request: \(error)"),
                responseExcerpt: "", latency: .zero)
            return Self.outcome(of: result, attemptsMade: attemptsMade, policy: policy, now: store.now())
        }
        let result = await dispatcher.post(
            url: delivery.record.webhookURL, body: body, headers: delivery.webhookHeaders,
            deliveryID: delivery.record.id, signingSecret: secret, logger: logger
        )
        if case .transportError = result.result, Task.isCancelled { return nil }
        if case .refused = result.result {} else { metrics.webhookRequest(result.latency) }
        return Self.outcome(of: result, attemptsMade: attemptsMade, policy: policy, now: store.now())
    }

    /// Runs `body` while renewing `lease` every third of the lease, so a slow attempt keeps its row and a dead
    /// worker's row is free again within one lease.
    private func withLeaseRenewed(
        _ lease: DeliveryLease, logger: Logger, _ body: @escaping @Sendable () async -> DeliveryOutcome?
    ) async -> DeliveryOutcome? {
        let duration = configuration.lease
        let interval = Duration.milliseconds(Int64(duration * 1000 / 3))
        enum Finished: Sendable {
            case attempt(DeliveryOutcome?)
            case renewals
        }
        return await withTaskGroup(of: Finished.self) { group in
            group.addTask { .attempt(await body()) }
            group.addTask {
                while (try? await Task.sleep(for: interval)) != nil {
                    do {
                        if try await !store.renew(lease, for: duration) {
                            logger.warning("lease lost during the attempt; its outcome will not be recorded")
                            return .renewals
                        }
                    } catch {
                        logger.warning("renewing a lease failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
                return .renewals
            }
            var outcome: DeliveryOutcome?
            while let next = await group.next() {
                if case .attempt(let result) = next {
                    outcome = result
                    group.cancelAll()
                }
            }
            return outcome
        }
    }

    /// The stored payload completed from the stored message: attachment contents and (when configured) the raw bytes.
    func requestBody(for delivery: ClaimedDelivery) async throws -> [UInt8] {
        var payload = try WebhookPayload.decode(
            messageJSON: delivery.messagePayloadJSON, deliveryJSON: delivery.payloadJSON)
        // The message part stored once (revision 0006) has no bodies: they come from the stored message, as do
        // attachment contents and the raw bytes.
        let needsBodies = delivery.messagePayloadJSON != nil
        let needsMessage =
            needsBodies || configuration.includeRaw || payload.message.attachments.contains { !$0.contentOmitted }
        if needsMessage, let stored = delivery.record.storedMessageID, let raw = try await store.rawMessage(id: stored)
        {
            payload.message = payload.message.fillingContents(
                from: Array(raw), bodies: needsBodies, includeRaw: configuration.includeRaw)
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
        case .refused(let reason):
            error = "refused: \(reason)"
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
