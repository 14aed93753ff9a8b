import FastSMTPTestSupport
import Testing

@testable import DNSClient

/// Bytes from the network can be anything: each malformed input must throw, never trap or loop.
@Suite("DNSMessage: hostile input")
struct DNSMessageHostileInputTests {
    /// A response header with the given counts.
    static func header(questions: UInt8 = 1, answers: UInt8 = 0, additionals: UInt8 = 0) -> [UInt8] {
        [0x12, 0x34, 0x81, 0x80, 0x00, questions, 0x00, answers, 0x00, 0x00, 0x00, additionals]
    }

    static func reason(_ bytes: [UInt8]) -> DNSMessageError.Reason? {
        do {
            _ = try DNSMessage(decoding: bytes)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func pointerToItselfIsRefused() {
        // The question name at offset 12 is a pointer to offset 12.
        #expect(Self.reason(Self.header() + [0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]) == .badPointer)
    }

    @Test func twoPointerLoopIsRefused() {
        // Offset 12: label "a" then a pointer to 17; offset 17: a pointer back to 12.
        let bytes = Self.header(questions: 2) + [0x01, 0x61, 0xC0, 0x11, 0x00, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]
        #expect(Self.reason(bytes) != nil)
        // Offset 12: pointer to 14; offset 14: pointer to 12 (a loop between two pointers).
        #expect(Self.reason(Self.header() + [0xC0, 0x0E, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]) == .badPointer)
    }

    @Test func forwardPointerIsRefused() {
        #expect(Self.reason(Self.header() + [0xC0, 0x20, 0x00, 0x01, 0x00, 0x01]) == .badPointer)
    }

    @Test func pointerBackIntoTheSameNameIsRefused() {
        // "a" "b" then a pointer to the "b" label of the same name.
        #expect(
            Self.reason(Self.header() + [0x01, 0x61, 0x01, 0x62, 0xC0, 0x0E, 0x00, 0x01, 0x00, 0x01]) == .badPointer)
    }

    @Test func reservedLabelTypesAreRefused() {
        #expect(Self.reason(Self.header() + [0x41, 0x61, 0x00, 0x00, 0x01, 0x00, 0x01]) == .badLabelType)
        #expect(Self.reason(Self.header() + [0x81, 0x61, 0x00, 0x00, 0x01, 0x00, 0x01]) == .badLabelType)
    }

    @Test func nameOver255OctetsThroughPointersIsRefused() {
        // Four questions whose names each add 63-octet labels on top of the previous one: 4 × 64 + 1 > 255.
        var bytes = Self.header(questions: 4)
        var previous: Int?
        for _ in 0..<4 {
            let start = bytes.count
            bytes += [63] + Array(repeating: 0x61, count: 63)
            if let previous { bytes += [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF)] } else { bytes.append(0) }
            bytes += [0x00, 0x01, 0x00, 0x01]
            previous = start
        }
        #expect(Self.reason(bytes) == .nameTooLong)
    }

    @Test func countsLargerThanTheContentAreRefused() {
        let bytes = Self.header(questions: 1, answers: 200) + [0x00, 0x00, 0x01, 0x00, 0x01]
        #expect(Self.reason(bytes) == .truncated)
        #expect(Self.reason(Array(Self.header(questions: 255).prefix(12))) == .truncated)
    }

    @Test func rdataLengthsAreChecked() {
        let question: [UInt8] = [0x00, 0x00, 0x01, 0x00, 0x01]
        let recordHead: [UInt8] = [0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C]
        // RDLENGTH beyond the end.
        #expect(Self.reason(Self.header(answers: 1) + question + recordHead + [0x00, 0x10, 0x01]) == .truncated)
        // An A record of five octets.
        #expect(
            Self.reason(Self.header(answers: 1) + question + recordHead + [0x00, 0x05, 1, 2, 3, 4, 5]) == .badRData)
        // A CNAME whose name runs past its RDLENGTH.
        let cname: [UInt8] = [0x00, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x02, 0x01, 0x61, 0x00]
        #expect(Self.reason(Self.header(answers: 1) + question + cname) == .truncated)
        // A TXT character-string longer than its RDATA.
        let txt: [UInt8] = [0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x02, 0x05, 0x61]
        #expect(Self.reason(Self.header(answers: 1) + question + txt) == .badRData)
        // An MX with RDATA left over after the exchange.
        let mx: [UInt8] = [0x00, 0x00, 0x0F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 0x00, 0x0A, 0x00, 0xFF]
        #expect(Self.reason(Self.header(answers: 1) + question + mx) == .badRData)
    }

    @Test func twoOPTRecordsAreRefused() {
        let opt: [UInt8] = [0x00, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        #expect(Self.reason(Self.header(additionals: 2) + [0x00, 0x00, 0x01, 0x00, 0x01] + opt + opt) == .badOPT)
    }

    @Test func everyPrefixOfAValidResponseThrows() throws {
        let bytes = try DNSMessageCodecTests.richResponse().encoded()
        for length in 0..<bytes.count {
            #expect(Self.reason(Array(bytes.prefix(length))) != nil, "prefix of \(length) octets decoded")
        }
    }

    /// Random corruption of valid messages: decoding and matching either succeed or throw, and never trap.
    @Test func randomCorruptionNeverTraps() throws {
        var random = SplitMix64(seed: 0xD15C0)
        let valid = try [
            DNSMessageCodecTests.richResponse().encoded(), DNSWireFixtureTests.mxResponse, DNSWireFixtureTests.query,
        ]
        let matcher = DNSResponseMatcher(
            id: 0x1234, question: DNSQuestion(name: TestZone.name("example.org"), type: .mx))
        var decoded = 0
        for round in 0..<6000 {
            var bytes = valid[round % valid.count]
            for _ in 0...Int(random.next() % 4) {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes[index] = 0xC0 | UInt8(truncatingIfNeeded: random.next() & 0x3F)
                case 2: bytes.removeSubrange(index...)
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            if (try? DNSMessage(decoding: bytes)) != nil { decoded += 1 }
            _ = matcher.verdict(on: bytes)
        }
        // Some mutations leave a valid message; most do not. Both paths ran.
        #expect(decoded > 0 && decoded < 6000)
    }

    @Test func randomBytesNeverTrap() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            let length = Int(random.next() % 300)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = try? DNSMessage(decoding: bytes)
        }
    }
}
