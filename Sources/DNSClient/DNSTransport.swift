import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends one query to one server and waits for the matching answer: the only code here that does I/O.
///
/// Each UDP exchange uses a new socket connected to the server, so the kernel picks a fresh random
/// ephemeral source port and drops datagrams from any other address; datagrams that do not match the
/// query's id and question are ignored until the deadline (RFC 5452 §9.1).
struct DNSTransport: Sendable {
    enum Outcome: Sendable {
        case response(DNSMessage)
        case truncated
        case timedOut
        case failed(String)
    }

    let group: any EventLoopGroup
    let logger: Logger

    func exchange(
        _ query: [UInt8], matcher: DNSResponseMatcher, server: SocketAddress, overTCP: Bool, timeout: Duration
    ) async -> Outcome {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        do {
            return overTCP
                ? try await tcp(query, matcher: matcher, server: server, deadline: deadline, timeout: timeout)
                : try await udp(query, matcher: matcher, server: server, deadline: deadline)
        } catch ChannelError.connectTimeout {
            return .timedOut
        } catch {
            return .failed("\(error)")
        }
    }

    private func udp(
        _ query: [UInt8], matcher: DNSResponseMatcher, server: SocketAddress, deadline: NIODeadline
    ) async throws -> Outcome {
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(
                .recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DNSDefaults.maxUDPResponseSize)
            )
            .connect(to: server) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, ByteBuffer>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let timer = Self.closeAtDeadline(channel.channel, deadline)
            defer { timer.cancel() }
            do {
                // Inside the do: a deadline that passes before the query is even written (a busy event loop) is a
                // timeout, not a socket error.
                try await outbound.write(ByteBuffer(bytes: query))
                for try await envelope in inbound {
                    if let outcome = judge(Array(envelope.data.readableBytesView), matcher: matcher, server: server) {
                        return outcome
                    }
                }
            } catch {
                if !timer.expired { return .failed("\(error)") }
            }
            return timer.expired ? .timedOut : .failed("socket closed")
        }
    }

    private func tcp(
        _ query: [UInt8], matcher: DNSResponseMatcher, server: SocketAddress, deadline: NIODeadline, timeout: Duration
    ) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(timeout))
            .connect(to: server) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let timer = Self.closeAtDeadline(channel.channel, deadline)
            defer { timer.cancel() }
            var framer = DNSTCPFramer()
            do {
                try await outbound.write(ByteBuffer(bytes: DNSTCPFramer.frame(query)))
                for try await buffer in inbound {
                    framer.append(buffer.readableBytesView)
                    while let message = framer.nextMessage() {
                        if let outcome = judge(message, matcher: matcher, server: server) {
                            if case .truncated = outcome { return .failed("truncated answer over TCP") }
                            return outcome
                        }
                    }
                }
            } catch {
                if !timer.expired { return .failed("\(error)") }
            }
            return timer.expired ? .timedOut : .failed("connection closed before an answer")
        }
    }

    /// The outcome for one received message, or nil to ignore it and keep waiting.
    private func judge(_ bytes: [UInt8], matcher: DNSResponseMatcher, server: SocketAddress) -> Outcome? {
        switch matcher.verdict(on: bytes) {
        case .accepted(let message):
            return .response(message)
        case .truncated:
            return .truncated
        case .mismatched(let reason):
            logger.debug(
                "ignoring DNS message that does not match the query",
                metadata: [
                    "dns.server": "\(server)", "dns.reason": "\(reason)",
                ])
            return nil
        case .malformed(let error):
            logger.debug(
                "ignoring malformed DNS answer",
                metadata: [
                    "dns.server": "\(server)", "dns.reason": "\(error)",
                ])
            return nil
        }
    }

    /// Closes `channel` at `deadline`, which ends the read loop; `expired` tells the loop why it ended.
    private static func closeAtDeadline(_ channel: any Channel, _ deadline: NIODeadline) -> DeadlineTimer {
        let expired = NIOLockedValueBox(false)
        let task = channel.eventLoop.scheduleTask(deadline: deadline) {
            expired.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        return DeadlineTimer(task: task, expiredBox: expired)
    }

    private struct DeadlineTimer {
        let task: Scheduled<Void>
        let expiredBox: NIOLockedValueBox<Bool>

        var expired: Bool { expiredBox.withLockedValue { $0 } }

        func cancel() { task.cancel() }
    }
}
