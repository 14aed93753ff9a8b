import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SMTPServer
import ServiceLifecycle

/// Mail sent the way a real client sends it: Python's smtplib.
enum SMTPSender {
    static let script = #"""
        import smtplib, sys
        port, sender, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=60)
        code, text = s.ehlo()
        s.mail(sender)
        s.rcpt(rcpt)
        code, text = s.data(sys.stdin.buffer.read())
        s.quit()
        print(code, text.decode())
        """#

    /// Sends `message` and returns the final reply ("250 2.0.0 queued as …").
    static func send(port: Int, from: String, to: String, message: String) async throws -> String {
        let result = try await runProcess(
            "/usr/bin/env", ["python3", "-c", script, String(port), from, to], stdin: message)
        guard result.status == 0 else { throw TestFailure("smtplib failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func message(subject: String, from: String, to: String) -> String {
        [
            "From: Alice <\(from)>", "To: \(to)", "Subject: \(subject)",
            "Message-ID: <\(UUID().uuidString.lowercased())@example.org>", "Date: Sat, 28 Nov 2026 08:00:00 +0000",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", "Hello from the fsmtp test.", "",
        ].joined(separator: "\r\n")
    }
}

/// A real HTTP server standing in for n8n: answers from a script (then `fallback`) and records what came.
final class WebhookReceiver: Sendable {
    private struct State {
        var script: [Int]
        var fallback: Int
        var received = 0
    }

    private let state: NIOLockedValueBox<State>
    let port = PortPromise()

    init(script: [Int] = [], fallback: Int = 200) {
        state = NIOLockedValueBox(State(script: script, fallback: fallback))
    }

    var received: Int { state.withLockedValue { $0.received } }

    func url(_ path: String) async throws -> String { "http://127.0.0.1:\(try await port.value())\(path)" }

    func run<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        let router = Router()
        router.post("/**") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 64 << 20)
            let status = self.state.withLockedValue { state -> Int in
                state.received += 1
                return state.script.isEmpty ? state.fallback : state.script.removeFirst()
            }
            return Response(
                status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: "answer \(status)")))
        }
        var logger = Logger(label: "fsmtp-test-webhook")
        logger.logLevel = .critical
        let port = port
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.complete(.success(channel.localAddress?.port ?? 0)) }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
            group.addTask { try await serviceGroup.run() }
            defer { group.cancelAll() }
            _ = try await self.port.value()
            let result = try await body()
            await serviceGroup.triggerGracefulShutdown()
            return result
        }
    }
}

/// The API answered directly (no fsmtp), to compare fsmtp's JSON with.
enum RawAPI {
    static func get(_ url: String, key: String) async throws -> Any {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "X-API-Key", value: key)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return try JSONSerialization.jsonObject(with: Data(buffer: body))
    }

    /// A paged list's items.
    static func items(_ url: String, key: String) async throws -> [Any] {
        guard let page = try await get(url, key: key) as? [String: Any], let items = page["items"] as? [Any] else {
            throw TestFailure("not a page: \(url)")
        }
        return items
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(
    timeout: Duration = .seconds(20), _ what: String, _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("timed out waiting for \(what)")
}

/// Two JSON (or YAML-loaded) values are the same document.
func sameJSON(_ a: Any?, _ b: Any?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return NSArray(array: [a]).isEqual(to: [b])
}
