import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import SMTPServer
import ServiceLifecycle

/// A real HTTP server on loopback standing in for n8n: records every request and answers from a script.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var headers: [String: String]
        var body: Data
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    enum Answer: Sendable {
        case status(Int)
        /// Never answer (until the client gives up).
        case hang
        /// Answer `status` after `delay`.
        case delayed(Duration, status: Int)
        /// Send the head and the first bytes of a long body, then nothing more (for 30 s).
        case trickle
    }

    private struct State {
        var received: [Received] = []
        var script: [Answer]
        var fallback: Answer
    }

    private let state: NIOLockedValueBox<State>
    let port = PortPromise()

    /// `script` is answered in order, then `fallback` forever.
    init(script: [Answer] = [], fallback: Answer = .status(200)) {
        state = NIOLockedValueBox(State(script: script, fallback: fallback))
    }

    var received: [Received] { state.withLockedValue { $0.received } }

    func url(path: String = "/hook") async throws -> String {
        "http://127.0.0.1:\(try await port.value())\(path)"
    }

    /// Runs the server while `body` runs.
    func run<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        let router = Router()
        router.post("/**") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 64 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let answer = self.state.withLockedValue { state -> Answer in
                state.received.append(Received(path: request.uri.path, headers: headers, body: Data(buffer: bytes)))
                return state.script.isEmpty ? state.fallback : state.script.removeFirst()
            }
            switch answer {
            case .status(let code):
                return Response(
                    status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: "answer \(code)")))
            case .hang:
                try await Task.sleep(for: .seconds(30))
                return Response(status: .ok)
            case .delayed(let delay, let code):
                try await Task.sleep(for: delay)
                return Response(status: .init(code: code))
            case .trickle:
                return Response(
                    status: .ok, headers: [.contentLength: "100000"],
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "{\"ok\":"))
                        try await Task.sleep(for: .seconds(30))
                        try await writer.finish(nil)
                    })
            }
        }
        let port = port
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.complete(.success(channel.localAddress?.port ?? 0)) },
            logger: .quiet
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: .quiet))
            group.addTask { try await serviceGroup.run() }
            defer { group.cancelAll() }
            _ = try await self.port.value()
            let result = try await body()
            await serviceGroup.triggerGracefulShutdown()
            return result
        }
    }

    /// Waits until at least `count` requests arrived (or the deadline passes) and returns them all.
    func waitForRequests(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let received = self.received
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSetupError("expected \(count) webhook requests, got \(received.count)")
    }
}
