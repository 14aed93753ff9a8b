import CoreMetrics
import Foundation
import Prometheus

/// What a FastSMTP process counts, exported at `GET /metrics` in the Prometheus text format (docs/metrics.md).
///
/// Each instance has a registry of its own (through swift-metrics' factory parameter rather than the process-wide
/// bootstrap), so several applications in one process — the tests — never share counts. Every method is cheap and
/// safe from any thread.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    // The metrics without labels, made once: the per-message calls touch them directly.
    private let connections: CoreMetrics.Counter
    private let activeConnections: Meter
    private let messageBytes: Recorder
    private let latency: CoreMetrics.Timer
    private let webhookDuration: CoreMetrics.Timer
    private let oldestPending: CoreMetrics.Gauge

    /// Names, each with the prefix `fastsmtp_`.
    public enum Name {
        public static let smtpConnections = "fastsmtp_smtp_connections_total"
        public static let smtpConnectionsActive = "fastsmtp_smtp_connections_active"
        public static let smtpConnectionsRejected = "fastsmtp_smtp_connections_rejected_total"
        public static let smtpTLSSessions = "fastsmtp_smtp_tls_sessions_total"
        public static let smtpRecipients = "fastsmtp_smtp_recipients_total"
        public static let smtpTransactions = "fastsmtp_smtp_transactions_total"
        public static let smtpMessageBytes = "fastsmtp_smtp_message_bytes"
        public static let dkimResults = "fastsmtp_dkim_results_total"
        public static let spfResults = "fastsmtp_spf_results_total"
        public static let ruleActions = "fastsmtp_rule_actions_total"
        public static let queueDepth = "fastsmtp_queue_depth"
        public static let queueOldestPending = "fastsmtp_queue_oldest_pending_seconds"
        public static let deliveryAttempts = "fastsmtp_delivery_attempts_total"
        public static let deliveryLatency = "fastsmtp_delivery_latency_seconds"
        public static let webhookDuration = "fastsmtp_webhook_request_duration_seconds"
        public static let storageErrors = "fastsmtp_storage_errors_total"
        public static let backpressure = "fastsmtp_smtp_backpressure_total"
        public static let buildInfo = "fastsmtp_build_info"
    }

    public init(version: String) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets[Name.smtpMessageBytes] = [
            1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 10_485_760, 26_214_400, 52_428_800,
        ]
        let buckets: [Duration] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
        ]
        factory.durationHistogramBuckets[Name.deliveryLatency] = buckets
        factory.durationHistogramBuckets[Name.webhookDuration] = Array(buckets.prefix(13))
        self.registry = registry
        self.factory = factory
        connections = Counter(label: Name.smtpConnections, factory: factory)
        activeConnections = Meter(label: Name.smtpConnectionsActive, factory: factory)
        messageBytes = Recorder(label: Name.smtpMessageBytes, factory: factory)
        latency = Timer(label: Name.deliveryLatency, factory: factory)
        webhookDuration = Timer(label: Name.webhookDuration, factory: factory)
        oldestPending = Gauge(label: Name.queueOldestPending, factory: factory)
        activeConnections.set(0)
        Gauge(label: Name.buildInfo, dimensions: [("version", version)], factory: factory).record(1)
    }

    private func count(_ name: String, _ dimensions: [(String, String)] = [], by amount: Int = 1) {
        Counter(label: name, dimensions: dimensions, factory: factory).increment(by: amount)
    }

    // MARK: SMTP

    /// A client connected (after its PROXY header, if any) and was admitted.
    public func smtpConnectionOpened() {
        connections.increment()
        activeConnections.increment()
    }

    public func smtpConnectionClosed() { activeConnections.decrement() }

    /// Why a connection was closed before its session began: `max_connections`, `max_connections_per_ip`,
    /// `proxy_protocol`.
    public func smtpConnectionRejected(reason: String) {
        count(Name.smtpConnectionsRejected, [("reason", reason)])
    }

    /// A TLS session began: `starttls` or `implicit`.
    public func smtpTLSSession(mode: String) { count(Name.smtpTLSSessions, [("mode", mode)]) }

    /// The reply to one RCPT TO.
    public func smtpRecipient(code: Int) { count(Name.smtpRecipients, [("code", String(code))]) }

    /// The reply at the end of one message's data: 250 accepted, else refused (451, 452, 550, 552, 554…).
    public func smtpTransaction(code: Int) { count(Name.smtpTransactions, [("code", String(code))]) }

    public func smtpMessage(bytes: Int) {
        messageBytes.record(bytes)
    }

    // MARK: Mail authentication and rules

    public func dkimResult(_ result: String) { count(Name.dkimResults, [("result", result)]) }
    public func spfResult(_ result: String) { count(Name.spfResults, [("result", result)]) }

    /// What the rules decided for one recipient: `forward`, `drop`, `quarantine`, `tag`, `webhook`…
    public func ruleAction(_ action: String) { count(Name.ruleActions, [("action", action)]) }

    // MARK: Delivery

    /// One webhook attempt's outcome (`delivered`, `retry`, `failed`, `exhausted`) and the HTTP status class (`2xx`…
    /// `5xx`, or `none` without a response).
    public func deliveryAttempt(outcome: String, statusCode: Int?) {
        let statusClass = statusCode.map { "\($0 / 100)xx" } ?? "none"
        count(Name.deliveryAttempts, [("outcome", outcome), ("status_class", statusClass)])
    }

    /// From the end of a message's data (its commit) to its delivery.
    public func deliveryLatency(_ duration: Duration) {
        latency.recordNanoseconds(duration.nanoseconds)
    }

    public func webhookRequest(_ duration: Duration) {
        webhookDuration.recordNanoseconds(duration.nanoseconds)
    }

    /// A database operation failed: `accept`, `recipient_lookup`, `claim`, `record`, `prepare`…
    public func storageError(_ operation: String) { count(Name.storageErrors, [("operation", operation)]) }

    /// The queue was too long for a message: its reply was `delayed`, or it was `refused` (`451 4.3.2`).
    public func backpressure(_ action: String) { count(Name.backpressure, [("action", action)]) }

    // MARK: Queue (read from the database at scrape time)

    /// The deliveries per status (`pending`, `quarantined`) and the age of the oldest pending one, as just read.
    public func setQueue(depth: [String: Int], oldestPendingAge: TimeInterval) {
        for (status, count) in depth {
            Gauge(label: Name.queueDepth, dimensions: [("status", status)], factory: factory).record(count)
        }
        oldestPending.record(oldestPendingAge)
    }

    // MARK: Export

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
