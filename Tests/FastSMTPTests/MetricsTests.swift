import AsyncHTTPClient
import FastSMTPApp
import Foundation
import Storage
import Testing

/// `GET /metrics` after a scripted run: every counter says what happened (issue #13).
@Suite("Prometheus metrics", .serialized)
struct MetricsTests {
    /// One sample of the Prometheus text format: `name{label="value",…} number`.
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Parses the text exposition format (version 0.0.4) strictly: a line that is not a comment, a `# TYPE` with a
    /// known type, or a well-formed sample fails the test.
    static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        let name = #/[a-zA-Z_:][a-zA-Z0-9_:]*/#
        let type = #/# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)/#
        let sample = #/([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)/#
        let label = #/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/#
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") {
                #expect(line.dropFirst(7).prefixMatch(of: name) != nil, "bad HELP line: \(line)")
                continue
            }
            if line.hasPrefix("#") {
                #expect(line.wholeMatch(of: type) != nil, "bad comment line: \(line)")
                continue
            }
            guard let match = line.wholeMatch(of: sample) else {
                Issue.record("not a Prometheus sample: \(line)")
                continue
            }
            var labels: [String: String] = [:]
            if let body = match.3 {
                for pair in body.split(separator: ",") {
                    guard let labelMatch = pair.wholeMatch(of: label) else {
                        Issue.record("bad label \(pair) in \(line)")
                        continue
                    }
                    labels[String(labelMatch.1)] = String(labelMatch.2)
                }
            }
            let value = try #require(Double(String(match.4).replacingOccurrences(of: "+Inf", with: "inf")))
            samples.append(Sample(name: String(match.1), labels: labels, value: value))
        }
        return samples
    }

    static func scrape(_ url: String) async throws -> (status: Int, contentType: String?, text: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), response.headers.first(name: "content-type"), String(buffer: body))
    }

    /// The value of `name` with exactly these labels (0 when absent).
    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.first { $0.name == name && $0.labels == labels }?.value ?? 0
    }

    @Test("accepted, refused, delivered, retried, failed and exhausted are counted", arguments: TestDatabase.available)
    func scriptedRun(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let delivered = WebhookReceiver(fallback: .status(200))
        let retried = WebhookReceiver(script: [.status(503)], fallback: .status(200))
        let failed = WebhookReceiver(fallback: .status(400))
        let exhausted = WebhookReceiver(fallback: .status(503))
        try await delivered.run {
            try await retried.run {
                try await failed.run {
                    try await exhausted.run {
                        let settings = TestServer.settings(databaseURL: url) { $0.webhookMaxRetries = 1 }
                        try await TestServer.run(settings: settings) { server in
                            try await server.store.createDomain("example.com")
                            let receivers = [
                                ("alice", delivered), ("bob", retried), ("carol", failed), ("dave", exhausted),
                            ]
                            var queueIDs: [String] = []
                            for (local, receiver) in receivers {
                                _ = try await server.store.createRecipient(
                                    domain: "example.com", localPart: local, webhookURL: try await receiver.url())
                                let transcript = try await SMTPTestClient.send(
                                    port: server.smtpPort, to: ["\(local)@example.com"],
                                    message: SMTPTestClient.message(subject: "m", to: "\(local)@example.com"))
                                queueIDs.append(try #require(transcript.queueID, "\(transcript)"))
                            }
                            let refused = try await SMTPTestClient.send(
                                port: server.smtpPort, to: ["nobody@example.com"],
                                message: SMTPTestClient.message(subject: "m", to: "nobody@example.com"))
                            #expect(refused.rcpt.first?.code == 550)
                            let finals: [DeliveryStatus] = [.delivered, .delivered, .failed, .exhausted]
                            for (queueID, final) in zip(queueIDs, finals) {
                                _ = try await server.waitForDeliveries(of: queueID, timeout: .seconds(20)) {
                                    $0.first?.status == final
                                }
                            }

                            let scraped = try await Self.scrape("http://127.0.0.1:\(server.apiPort)/metrics")
                            #expect(scraped.status == 200)
                            #expect(scraped.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
                            let m = try Self.parse(scraped.text)
                            #expect(Self.value(m, "fastsmtp_smtp_connections_total") == 5)
                            #expect(Self.value(m, "fastsmtp_smtp_transactions_total", ["code": "250"]) == 4)
                            #expect(Self.value(m, "fastsmtp_smtp_recipients_total", ["code": "250"]) == 4)
                            #expect(Self.value(m, "fastsmtp_smtp_recipients_total", ["code": "550"]) == 1)
                            #expect(Self.value(m, "fastsmtp_smtp_message_bytes_count") == 4)
                            let attempts = "fastsmtp_delivery_attempts_total"
                            #expect(Self.value(m, attempts, ["outcome": "delivered", "status_class": "2xx"]) == 2)
                            #expect(Self.value(m, attempts, ["outcome": "retry", "status_class": "5xx"]) == 2)
                            #expect(Self.value(m, attempts, ["outcome": "failed", "status_class": "4xx"]) == 1)
                            #expect(Self.value(m, attempts, ["outcome": "exhausted", "status_class": "5xx"]) == 1)
                            #expect(Self.value(m, "fastsmtp_delivery_latency_seconds_count") == 2)
                            #expect(Self.value(m, "fastsmtp_webhook_request_duration_seconds_count") == 6)
                            // The empty test zone has no SPF record and the messages no signature.
                            #expect(Self.value(m, "fastsmtp_spf_results_total", ["result": "none"]) == 4)
                            #expect(Self.value(m, "fastsmtp_dkim_results_total", ["result": "none"]) == 4)
                            #expect(Self.value(m, "fastsmtp_queue_depth", ["status": "pending"]) == 0)
                            #expect(Self.value(m, "fastsmtp_queue_oldest_pending_seconds") == 0)
                            #expect(m.contains { $0.name == "fastsmtp_build_info" && $0.value == 1 })
                            #expect(Self.value(m, "fastsmtp_storage_errors_total", ["operation": "accept"]) == 0)
                        }
                    }
                }
            }
        }
    }

    @Test(
        "the queue depth and the oldest pending delivery are read from the database", arguments: TestDatabase.available)
    func queueGauges(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let hanging = WebhookReceiver(fallback: .status(503))
        try await hanging.run {
            // SMTP and the API, no worker: what is accepted stays pending.
            let settings = TestServer.settings(databaseURL: url)
            try await TestServer.run(settings: settings, roles: Roles(smtp: true, api: true, worker: false)) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "*", webhookURL: try await hanging.url())
                for index in 0..<3 {
                    let transcript = try await SMTPTestClient.send(
                        port: server.smtpPort, to: ["u\(index)@example.com"],
                        message: SMTPTestClient.message(subject: "m", to: "u\(index)@example.com"))
                    #expect(transcript.queueID != nil)
                }
                try await Task.sleep(for: .milliseconds(1100))
                let m = try Self.parse(try await Self.scrape("http://127.0.0.1:\(server.apiPort)/metrics").text)
                #expect(Self.value(m, "fastsmtp_queue_depth", ["status": "pending"]) == 3)
                #expect(Self.value(m, "fastsmtp_queue_depth", ["status": "quarantined"]) == 0)
                #expect(Self.value(m, "fastsmtp_queue_oldest_pending_seconds") >= 1)
            }
        }
    }

    @Test("FASTSMTP_METRICS_PORT serves /metrics on a listener of its own, also for a worker-only replica")
    func separatePort() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let settings = TestServer.settings(databaseURL: url) { $0.metricsPort = 0 }
        try await TestServer.run(settings: settings, roles: Roles(smtp: false, api: false, worker: true)) { server in
            let port = try await server.app.metricsPort.value()
            let scraped = try await Self.scrape("http://127.0.0.1:\(port)/metrics")
            #expect(scraped.status == 200)
            let samples = try Self.parse(scraped.text)
            #expect(samples.contains { $0.name == "fastsmtp_build_info" })
        }
        try await TestServer.run(settings: settings, roles: Roles(smtp: false, api: true, worker: false)) { server in
            let onAPIPort = try await Self.scrape("http://127.0.0.1:\(server.apiPort)/metrics")
            #expect(onAPIPort.status == 404)
        }
    }
}
