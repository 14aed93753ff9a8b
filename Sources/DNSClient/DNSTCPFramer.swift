/// Splits a TCP byte stream into DNS messages, each preceded by a two-octet length (RFC 1035 §4.2.2).
/// Holds at most one partial message (≤ 65,537 octets) between calls.
struct DNSTCPFramer: Sendable {
    private var buffer: [UInt8] = []

    /// The wire form of `message` for TCP: its length, then the message.
    static func frame(_ message: [UInt8]) -> [UInt8] {
        precondition(message.count <= DNSDefaults.maxMessageSize, "DNS message over 65535 octets")
        return [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message
    }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, if all its octets have arrived.
    mutating func nextMessage() -> [UInt8]? {
        guard buffer.count >= 2 else { return nil }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        guard buffer.count >= 2 + length else { return nil }
        let message = Array(buffer[2..<(2 + length)])
        buffer.removeFirst(2 + length)
        return message
    }

    /// Octets received that are not yet part of a returned message.
    var bufferedCount: Int { buffer.count }
}
