import Foundation
import NIOCore
import NIOPosix

@testable import DNSClient

/// A tiny authoritative DNS server on 127.0.0.1, UDP and TCP on the same port, answering from ``TestZone``.
/// It uses the module's codec to build answers; `DNSWireFixtureTests` pins that codec to hand-made bytes.
final class TestDNSServer: Sendable {
    /// One query the server saw.
    struct Seen: Hashable, Sendable {
        var name: String
        var type: DNSType
        var overTCP: Bool
        var id: UInt16
        var sourcePort: Int
        var hadEDNS: Bool
    }

    enum Mode: Sendable {
        /// Answer from ``TestZone``.
        case zone
        /// Answer every query with this RCODE.
        case rcode(DNSResponseCode)
        /// Read queries and never answer.
        case blackhole
    }

    let port: Int
    private let udp: any Channel
    private let tcp: (any Channel)?
    private let spoofer: any Channel
    private let log: Log

    var address: DNSServerAddress { DNSServerAddress(ip: .v4(0x7F00_0001), port: port) }
    var seen: [Seen] { log.entries }

    static func start(
        mode: Mode = .zone, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TestDNSServer {
        let log = Log()
        let spoofer = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        var lastError: (any Error)?
        // UDP on a free port, then TCP on the same number; retry if that TCP port happens to be taken.
        for _ in 0..<20 {
            let udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            UDPHandler(mode: mode, log: log, spoofer: spoofer))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            guard let port = udp.localAddress?.port else { throw TestServerError("no local port") }
            if case .blackhole = mode {
                return TestDNSServer(port: port, udp: udp, tcp: nil, spoofer: spoofer, log: log)
            }
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(TCPHandler(mode: mode, log: log))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
                return TestDNSServer(port: port, udp: udp, tcp: tcp, spoofer: spoofer, log: log)
            } catch {
                lastError = error
                try await udp.close().get()
            }
        }
        throw lastError ?? TestServerError("no port free for UDP and TCP")
    }

    private init(port: Int, udp: any Channel, tcp: (any Channel)?, spoofer: any Channel, log: Log) {
        self.port = port
        self.udp = udp
        self.tcp = tcp
        self.spoofer = spoofer
        self.log = log
    }

    func stop() async {
        try? await udp.close().get()
        try? await tcp?.close().get()
        try? await spoofer.close().get()
    }

    /// Runs `body` with a started server and stops it afterwards.
    static func with<T>(
        mode: Mode = .zone, _ body: (TestDNSServer) async throws -> T
    ) async throws -> T {
        let server = try await start(mode: mode)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    final class Log: Sendable {
        private let lock = NSLock()
        nonisolated(unsafe) private var storage: [Seen] = []

        var entries: [Seen] { lock.withLock { storage } }

        func append(_ entry: Seen) { lock.withLock { storage.append(entry) } }
    }

    /// What to send for one query; `delay` postpones the replies (used to race a spoofed answer).
    struct Plan {
        var replies: [[UInt8]]
        var spoofed: [UInt8]?
        var delay: TimeAmount?
    }

    static func plan(for queryBytes: [UInt8], mode: Mode, overTCP: Bool, sourcePort: Int, log: Log) -> Plan? {
        guard let query = try? DNSMessage(decoding: queryBytes), let question = query.questions.first else {
            return nil
        }
        log.append(
            Seen(
                name: question.name.description, type: question.type, overTCP: overTCP, id: query.id,
                sourcePort: sourcePort, hadEDNS: query.edns != nil))
        switch mode {
        case .blackhole:
            return nil
        case .rcode(let rcode):
            return Plan(replies: [encode(TestZone.reply(to: query, rcode: rcode), for: query, overTCP: overTCP)])
        case .zone:
            return TestZone.plan(for: query, overTCP: overTCP)
        }
    }

    /// Encodes `response`; over UDP, a response larger than the client's payload size (512 without EDNS)
    /// goes out as header and question only, with TC=1 (RFC 2181 §9).
    static func encode(_ response: DNSMessage, for query: DNSMessage, overTCP: Bool) -> [UInt8] {
        guard let bytes = try? response.encoded() else { return [] }
        let limit = Int(query.edns?.udpPayloadSize ?? 512)
        if overTCP || bytes.count <= limit { return bytes }
        var truncated = response
        truncated.flags.truncated = true
        truncated.answers = []
        truncated.authorities = []
        truncated.additionals = []
        return (try? truncated.encoded()) ?? []
    }

    private final class UDPHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>

        let mode: Mode
        let log: Log
        let spoofer: any Channel

        init(mode: Mode, log: Log, spoofer: any Channel) {
            self.mode = mode
            self.log = log
            self.spoofer = spoofer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let client = envelope.remoteAddress
            guard
                let plan = TestDNSServer.plan(
                    for: Array(envelope.data.readableBytesView), mode: mode, overTCP: false,
                    sourcePort: client.port ?? 0, log: log
                )
            else { return }
            if let spoofed = plan.spoofed {
                spoofer.writeAndFlush(
                    AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: spoofed)), promise: nil)
            }
            let channel = context.channel
            let replies = plan.replies
            let send: @Sendable () -> Void = {
                for reply in replies {
                    channel.writeAndFlush(
                        AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: reply)), promise: nil)
                }
            }
            if let delay = plan.delay {
                context.eventLoop.scheduleTask(in: delay, send)
            } else {
                send()
            }
        }
    }

    private final class TCPHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let mode: Mode
        let log: Log
        var framer = DNSTCPFramer()

        init(mode: Mode, log: Log) {
            self.mode = mode
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            framer.append(unwrapInboundIn(data).readableBytesView)
            while let message = framer.nextMessage() {
                guard
                    let plan = TestDNSServer.plan(
                        for: message, mode: mode, overTCP: true, sourcePort: context.remoteAddress?.port ?? 0, log: log
                    )
                else { continue }
                for reply in plan.replies {
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: DNSTCPFramer.frame(reply))), promise: nil)
                }
            }
        }
    }
}

struct TestServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
