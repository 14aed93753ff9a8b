import Foundation
import NIOCore
import NIOPosix

/// A byte-level SMTP client for tests that need exact control (pipelining, shutdown mid-transaction).
final class RawSMTPClient {
    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer: [UInt8] = []

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        self.iterator = channel.inbound.makeAsyncIterator()
    }

    static func connect(port: Int) async throws -> RawSMTPClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawSMTPClient(channel: channel)
    }

    func send(_ text: String) async throws {
        try await channel.outbound.write(ByteBuffer(string: text))
    }

    /// Reads one complete (possibly multi-line) reply; nil when the server closed the connection.
    func readReply() async throws -> String? {
        var lines: [String] = []
        while true {
            if let lf = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<lf], as: UTF8.self).trimmingCharacters(in: .newlines)
                buffer.removeSubrange(...lf)
                lines.append(line)
                let bytes = Array(line.utf8)
                if bytes.count < 4 || bytes[3] == UInt8(ascii: " ") { return lines.joined(separator: "\n") }
                continue
            }
            guard let chunk = try await iterator.next() else {
                return lines.isEmpty ? nil : lines.joined(separator: "\n")
            }
            buffer.append(contentsOf: chunk.readableBytesView)
        }
    }

    /// Sends a command and returns the reply.
    func command(_ line: String) async throws -> String? {
        try await send(line + "\r\n")
        return try await readReply()
    }

    func close() async {
        channel.outbound.finish()
        try? await channel.channel.close()
    }

    deinit {
        channel.outbound.finish()
        channel.channel.close(promise: nil)
    }
}
