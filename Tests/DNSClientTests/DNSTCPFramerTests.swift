import Testing

@testable import DNSClient

@Suite("DNSTCPFramer")
struct DNSTCPFramerTests {
    @Test func reassemblesOctetByOctet() {
        let first: [UInt8] = Array(0..<200)
        let second: [UInt8] = [7]
        let stream = DNSTCPFramer.frame(first) + DNSTCPFramer.frame(second) + DNSTCPFramer.frame([])
        var framer = DNSTCPFramer()
        var messages: [[UInt8]] = []
        for byte in stream {
            framer.append([byte])
            while let message = framer.nextMessage() { messages.append(message) }
        }
        #expect(messages == [first, second, []])
        #expect(framer.bufferedCount == 0)
    }

    @Test func splitsSeveralMessagesInOneChunk() {
        var framer = DNSTCPFramer()
        framer.append(DNSTCPFramer.frame([1, 2]) + DNSTCPFramer.frame([3]) + [0x00])
        #expect(framer.nextMessage() == [1, 2])
        #expect(framer.nextMessage() == [3])
        #expect(framer.nextMessage() == nil)
        #expect(framer.bufferedCount == 1)
    }

    @Test func lengthPrefixIsBigEndian() {
        #expect(Array(DNSTCPFramer.frame(Array(repeating: 0, count: 0x0102)).prefix(2)) == [0x01, 0x02])
    }
}
