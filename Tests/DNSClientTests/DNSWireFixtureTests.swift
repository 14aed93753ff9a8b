import Testing

@testable import DNSClient

/// The codec against bytes written by hand from RFC 1035 §4.1, so the encoder and decoder cannot share a mistake
/// (the loopback test server uses this same codec).
@Suite("DNS wire format: hand-made fixtures")
struct DNSWireFixtureTests {
    /// `id 0x1234, RD, example.org IN A`, with an OPT record advertising 1232 octets.
    static let query: [UInt8] = [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x07, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x03, 0x6F, 0x72, 0x67, 0x00, 0x00, 0x01, 0x00, 0x01,
        0x00, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]

    /// `example.org MX`: `10 mail.example.org` (pointer to the question) and `20 mx2.org` (pointer into its middle).
    static let mxResponse: [UInt8] = [
        0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x07, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x03, 0x6F, 0x72, 0x67, 0x00, 0x00, 0x0F, 0x00, 0x01,
        0xC0, 0x0C, 0x00, 0x0F, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x09,
        0x00, 0x0A, 0x04, 0x6D, 0x61, 0x69, 0x6C, 0xC0, 0x0C,
        0xC0, 0x0C, 0x00, 0x0F, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x08,
        0x00, 0x14, 0x03, 0x6D, 0x78, 0x32, 0xC0, 0x14,
    ]

    static let exampleOrg = TestZone.name("example.org")

    @Test func queryEncodesToTheRFCBytes() throws {
        let message = DNSMessage.query(
            id: 0x1234, question: DNSQuestion(name: Self.exampleOrg, type: .a), ednsPayloadSize: 1232)
        #expect(try message.encoded() == Self.query)
    }

    @Test func queryDecodes() throws {
        let message = try DNSMessage(decoding: Self.query)
        #expect(message.id == 0x1234)
        #expect(message.flags.recursionDesired && !message.flags.isResponse)
        #expect(message.questions == [DNSQuestion(name: Self.exampleOrg, type: .a)])
        #expect(message.edns == DNSEDNS(udpPayloadSize: 1232))
        #expect(message.additionals.isEmpty)
    }

    @Test func compressedResponseDecodes() throws {
        let message = try DNSMessage(decoding: Self.mxResponse)
        #expect(message.flags.isResponse && message.flags.recursionAvailable)
        #expect(message.responseCode == .noError)
        #expect(
            message.answers.map(\.data) == [
                .mx(preference: 10, exchange: TestZone.name("mail.example.org")),
                .mx(preference: 20, exchange: TestZone.name("mx2.org")),
            ])
        #expect(message.answers.allSatisfy { $0.name == Self.exampleOrg && $0.ttl == 3600 })
    }

    @Test func encoderCompressesLikeTheFixture() throws {
        let message = try DNSMessage(decoding: Self.mxResponse)
        #expect(try message.encoded() == Self.mxResponse)
    }

    /// The literal bytes of the queries the resolver sends: RD set, one question, OPT with 1232.
    @Test func headerFlagsBitLayout() {
        let flags = DNSFlags(rawValue: 0x8583)
        #expect(flags.isResponse && flags.authoritativeAnswer && flags.recursionDesired && flags.recursionAvailable)
        #expect(!flags.truncated && flags.opcode == 0 && flags.responseCode == 3)
        #expect(flags.rawValue == 0x8583)
        #expect(DNSFlags(rawValue: 0x0200).truncated)
        #expect(DNSFlags(rawValue: 0x2800).opcode == 5)
    }
}
