import AsyncHTTPClient
import FastSMTPModels
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// What one POST to a webhook came to.
public struct WebhookAttempt: Sendable, Equatable {
    public var result: RetryPolicy.AttemptResult
    /// The start of the response body (for `last_error` and test-webhook), at most ``WebhookDispatcher/excerptLimit`` bytes.
    public var responseExcerpt: String
    public var latency: Duration

    public var statusCode: Int? {
        if case .response(let code, _) = result { return code }
        return nil
    }
}

/// POSTs payloads to webhooks with AsyncHTTPClient: the destination checked on the address connected to
/// (``WebhookGuard``, ``PinnedHTTPClients``), the whole exchange bounded by the timeout, no redirects followed (a
/// webhook that redirects is misconfigured; following it could leak the payload or lead past the check).
///
/// The worker and test-webhook both send through ``post(url:body:headers:deliveryID:signingSecret:logger:)``, so
/// nothing reaches the network without the check. ``shutdown()`` closes its clients.
public struct WebhookDispatcher: Sendable {
    public static let excerptLimit = 512
    public static let userAgent = "FastSMTP/\(FastSMTPVersion.current)"

    public let targets: WebhookGuard
    let clients: PinnedHTTPClients
    let timeout: TimeAmount

    public init(targets: WebhookGuard, timeout: Duration) {
        self.init(targets: targets, clients: PinnedHTTPClients(base: Self.clientConfiguration), timeout: timeout)
    }

    private init(targets: WebhookGuard, clients: PinnedHTTPClients, timeout: Duration) {
        self.targets = targets
        self.clients = clients
        self.timeout = .nanoseconds(
            Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
    }

    /// The same dispatcher (same clients) with another timeout.
    public func with(timeout: Duration) -> WebhookDispatcher {
        WebhookDispatcher(targets: targets, clients: clients, timeout: timeout)
    }

    /// Closes every client; requests in flight finish first.
    public func shutdown() async {
        await clients.shutdown()
    }

    static var clientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .enabled(limit: .size(1 << 20))
        return configuration
    }

    /// POSTs `body` as JSON to `url` with the recipient's `headers` (which may not override Content-Type or the
    /// signature headers) and FastSMTP's own.
    public func post(
        url: String, body: [UInt8], headers: [String: String], deliveryID: UUID, signingSecret: String? = nil,
        logger: Logger
    ) async -> WebhookAttempt {
        let started = ContinuousClock.now
        let client: HTTPClient
        switch await targets.check(url: url) {
        case .refused(let reason):
            // Never sent: no connection is opened to a destination the policy refuses.
            return WebhookAttempt(result: .refused(reason), responseExcerpt: "", latency: ContinuousClock.now - started)
        case .unresolved(let message):
            return WebhookAttempt(
                result: .transportError(message), responseExcerpt: "", latency: ContinuousClock.now - started)
        case .allowed(let host, let address):
            client = clients.client(host: host, address: address)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "User-Agent", value: Self.userAgent)
        let id = deliveryID.uuidString.lowercased()
        let timestamp = Int(Date().timeIntervalSince1970)
        request.headers.replaceOrAdd(name: "webhook-id", value: id)
        request.headers.replaceOrAdd(name: "webhook-timestamp", value: String(timestamp))
        if let signingSecret,
            let signature = WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: signingSecret)
        {
            request.headers.replaceOrAdd(name: "webhook-signature", value: signature)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        // The whole exchange — connect, write, head and body — within the timeout. AsyncHTTPClient's own deadline
        // ends at the response head, so a receiver that trickles its body would hold this worker forever; cancelling
        // the exchange cancels the request and closes its connection.
        let limit = Duration.nanoseconds(timeout.nanoseconds)
        do {
            let (status, retryAfter, excerpt) = try await withTimeout(limit) { [client, request, timeout, logger] in
                let response = try await client.execute(request, timeout: timeout, logger: logger)
                var excerpt = ByteBuffer()
                for try await chunk in response.body {
                    var chunk = chunk
                    let room = Self.excerptLimit - excerpt.readableBytes
                    if room > 0, let slice = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                        var slice = slice
                        excerpt.writeBuffer(&slice)
                    }
                    if excerpt.readableBytes >= Self.excerptLimit { break }
                }
                return (
                    Int(response.status.code), response.headers.first(name: "retry-after"),
                    String(decoding: excerpt.readableBytesView, as: UTF8.self)
                )
            }
            return WebhookAttempt(
                result: .response(statusCode: status, retryAfter: retryAfter), responseExcerpt: excerpt,
                latency: ContinuousClock.now - started)
        } catch {
            return WebhookAttempt(
                result: .transportError(Self.describe(error, limit: limit)), responseExcerpt: "",
                latency: ContinuousClock.now - started)
        }
    }

    static func describe(_ error: any Error, limit: Duration) -> String {
        if error is TimeoutError { return "timeout: no complete answer within \(limit.components.seconds) s" }
        if error is CancellationError { return "cancelled" }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timeout: \(error)"
            default: return "\(error)"
            }
        }
        return String(describing: error)
    }
}
