import NIOCore
import NIOEmbedded
import SMTPCore
import Testing

@testable import SMTPServer

/// The pure parts of the listener's hardening (deadlines, connection accounting) and the timeout handler on an
/// `EmbeddedChannel`, whose clock the test advances (no sleeping).
@Suite("SMTP timeouts and limits (unit)")
struct TimeoutHandlerTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func deadline(minDataRate: Int = 1000) -> SMTPReadDeadline {
        SMTPReadDeadline(
            idleTimeout: .seconds(300), commandTimeout: .seconds(300), dataTimeout: .seconds(600),
            minDataRate: minDataRate, now: start)
    }

    @Test("the command clock runs from the phase start however busily the client sends")
    func commandDeadline() {
        var clock = Self.deadline()
        for second in stride(from: 10, through: 290, by: 10) {
            clock.received(1, at: Self.start + .seconds(Int64(second)))
        }
        #expect(clock.deadline == Self.start + .seconds(300))
        #expect(!clock.isExpired(at: Self.start + .seconds(299)))
        #expect(clock.isExpired(at: Self.start + .seconds(300)))
        clock.enter(.command, at: Self.start + .seconds(200))  // a command was answered
        #expect(clock.deadline == Self.start + .seconds(500))
    }

    @Test("idle wins when it comes first")
    func idleDeadline() {
        let clock = SMTPReadDeadline(
            idleTimeout: .seconds(30), commandTimeout: .seconds(300), dataTimeout: .seconds(600),
            minDataRate: 0, now: Self.start)
        #expect(clock.deadline == Self.start + .seconds(30))
    }

    @Test("DATA gets its timeout plus one second per minDataRate octets; 0 makes it absolute")
    func dataDeadline() {
        var clock = Self.deadline()
        clock.enter(.data, at: Self.start)
        clock.received(1500, at: Self.start + .seconds(1))
        #expect(clock.deadline == min(Self.start + .seconds(301), Self.start + .seconds(600) + .milliseconds(1500)))
        var absolute = Self.deadline(minDataRate: 0)
        absolute.enter(.data, at: Self.start)
        absolute.received(10_000_000, at: Self.start + .seconds(599))
        #expect(absolute.deadline == Self.start + .seconds(600))
        var huge = Self.deadline()
        huge.enter(.data, at: Self.start)
        huge.received(Int.max, at: Self.start)
        #expect(huge.deadline == Self.start + .seconds(300))  // idle still bounds it
    }

    @Test("no clock runs while the server is busy")
    func serverBusy() {
        var clock = Self.deadline()
        clock.enter(.serverBusy, at: Self.start)
        #expect(clock.deadline == nil)
        #expect(!clock.isExpired(at: .distantFuture))
    }

    @Test("the limiter admits up to the total and per-address limits and releases slots")
    func limiter() {
        var limiter = ConnectionLimiter(maxConnections: 3, maxConnectionsPerIP: 2)
        #expect(limiter.admit("192.0.2.1") == .admitted)
        #expect(limiter.admit("192.0.2.1") == .admitted)
        #expect(limiter.admit("192.0.2.1") == .tooManyFromAddress)
        #expect(limiter.admit("192.0.2.2") == .admitted)
        #expect(limiter.admit("192.0.2.3") == .tooManyConnections)
        limiter.release("192.0.2.1")
        #expect(limiter.admit("192.0.2.3") == .admitted)
        #expect(limiter.total == 3)
        limiter.release("192.0.2.2")
        #expect(limiter.perIP["192.0.2.2"] == nil)
    }

    static func channel() throws -> EmbeddedChannel {
        let handler = SMTPTimeoutHandler(
            timeouts: .init(idle: .seconds(60), command: .seconds(300), data: .seconds(600), minDataRate: 100),
            reply: SMTPReply(421, "4.4.2", "mx.test Error: timeout exceeded")
        )
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.1", port: 25)).wait()
        return channel
    }

    static func written(_ channel: EmbeddedChannel) throws -> String? {
        try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
    }

    @Test("the handler cuts a dribbling client at the command timeout with 421 4.4.2")
    func handlerCommandTimeout() throws {
        let channel = try Self.channel()
        for _ in 0..<29 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(10))
            try channel.writeInbound(ByteBuffer(string: "x"))
            #expect(try channel.readInbound(as: ByteBuffer.self) != nil)  // passed on
        }
        #expect(try Self.written(channel) == nil)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try Self.written(channel) == "421 4.4.2 mx.test Error: timeout exceeded\r\n")
        #expect(!channel.isActive)
    }

    @Test("the handler follows the phases the connection reports")
    func handlerPhases() throws {
        let channel = try Self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(50))
        channel.pipeline.triggerUserOutboundEvent(SMTPReadDeadline.Phase.serverBusy, promise: nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(3600))
        #expect(channel.isActive)
        channel.pipeline.triggerUserOutboundEvent(SMTPReadDeadline.Phase.data, promise: nil)
        // 10 000 octets every 50 s buy 100 s each: well past the 600 s DATA timeout.
        for _ in 0..<20 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(50))
            try channel.writeInbound(ByteBuffer(repeating: 0x61, count: 10_000))
            _ = try channel.readInbound(as: ByteBuffer.self)
        }
        #expect(channel.isActive)
        // Then silence: the idle timeout (60 s) ends it.
        channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try Self.written(channel)?.hasPrefix("421 4.4.2") == true)
        #expect(!channel.isActive)
    }

    @Test("a DATA trickle is cut at the DATA timeout plus its small allowance")
    func handlerDataTrickle() throws {
        let channel = try Self.channel()
        channel.pipeline.triggerUserOutboundEvent(SMTPReadDeadline.Phase.data, promise: nil)
        for _ in 0..<12 {  // 10 octets every 50 s: 600 s, allowance 1.2 s
            channel.embeddedEventLoop.advanceTime(by: .seconds(50))
            if channel.isActive { try channel.writeInbound(ByteBuffer(string: "0123456789")) }
        }
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1199))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }
}
