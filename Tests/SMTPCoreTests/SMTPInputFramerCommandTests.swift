import Testing

@testable import SMTPCore

@Suite("SMTPInputFramer: command lines")
struct SMTPInputFramerCommandTests {
    @Test func pipelinedCommandsInOneAppendAreReturnedOneByOne() {
        var framer = SMTPInputFramer()
        framer.append(bytes("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n"))
        #expect(framer.nextCommand() == .line(bytes("MAIL FROM:<a@b>")))
        #expect(framer.nextCommand() == .line(bytes("RCPT TO:<c@d>")))
        #expect(framer.bufferedByteCount == bytes("RCPT TO:<e@f>\r\nDATA\r\n").count)
        #expect(framer.nextCommand() == .line(bytes("RCPT TO:<e@f>")))
        #expect(framer.nextCommand() == .line(bytes("DATA")))
        #expect(framer.nextCommand() == nil)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func lineSplitAcrossAppends() {
        var framer = SMTPInputFramer()
        framer.append(bytes("EHLO cli"))
        #expect(framer.nextCommand() == nil)
        framer.append(bytes("ent.example\r"))
        #expect(framer.nextCommand() == nil)
        framer.append(bytes("\nNO"))
        #expect(framer.nextCommand() == .line(bytes("EHLO client.example")))
        #expect(framer.nextCommand() == nil)
        framer.append(bytes("OP\r\n"))
        #expect(framer.nextCommand() == .line(bytes("NOOP")))
    }

    @Test func byteAtATimeMatchesAllAtOnce() {
        let input = bytes("EHLO a\r\nMAIL FROM:<x@y>\nRCPT TO:<z@w>\r\n\r\nQUIT\r\n")
        let result = frameEveryWay(input)
        #expect(result.agree)
        #expect(
            result.whole == [
                .line("EHLO a"), .line("MAIL FROM:<x@y>"), .line("RCPT TO:<z@w>"), .line(""), .line("QUIT"),
            ])
    }

    @Test func bareLFEndsACommandLineAndOnlyTheLastCRIsStripped() {
        #expect(
            frame([bytes("NOOP\nQUIT\r\nA\r\r\nB\rC\n")])
                == [.line("NOOP"), .line("QUIT"), .line("A\r"), .line("B\rC")])
    }

    @Test func lineOf512OctetsIncludingCRLFIsAccepted() {
        let content = "NOOP " + String(repeating: "x", count: 505)
        #expect(content.utf8.count + 2 == 512)
        #expect(frame([bytes(content + "\r\nQUIT\r\n")]) == [.line(content), .line("QUIT")])
    }

    @Test func lineOf513OctetsIncludingCRLFIsRefusedOnceAndTheNextLineIsIntact() {
        let content = "NOOP " + String(repeating: "x", count: 506)
        #expect(content.utf8.count + 2 == 513)
        let input = bytes(content + "\r\nQUIT\r\n")
        let result = frameEveryWay(input)
        #expect(result.agree)
        #expect(result.whole == [.lineTooLong, .line("QUIT")])
    }

    @Test func bareLFLineOf512OctetsIsAccepted() {
        let content = String(repeating: "y", count: 511)
        #expect(frame([bytes(content + "\n")]) == [.line(content)])
        #expect(frame([bytes(content + "y\n")]) == [.lineTooLong])
    }

    @Test func endlessLineIsDiscardedWithoutBuffering() {
        var framer = SMTPInputFramer()
        for _ in 0..<100 {
            framer.append([UInt8](repeating: 0x61, count: 1000))
            #expect(framer.nextCommand() == nil)
            #expect(framer.bufferedByteCount <= SMTPDefaults.maxCommandLineLength)
        }
        framer.append(bytes("tail\r\nNOOP\r\n"))
        #expect(framer.nextCommand() == .lineTooLong)
        #expect(framer.nextCommand() == .line(bytes("NOOP")))
        #expect(framer.nextCommand() == nil)
    }

    @Test func customCommandLineLimit() {
        let framer = SMTPInputFramer(maxCommandLineLength: 6)
        #expect(frame([bytes("NOOP\r\nRSETX\r\nQUIT\n")], framer) == [.line("NOOP"), .lineTooLong, .line("QUIT")])
    }

    @Test func manyPipelinedCommandsAcrossCompactions() {
        var framer = SMTPInputFramer()
        var received: [[UInt8]] = []
        let lines = (0..<3000).map { "RCPT TO:<user\($0)@example.org>" }
        let input = bytes(lines.map { $0 + "\r\n" }.joined())
        var offset = 0
        while offset < input.count {
            let end = min(offset + 997, input.count)
            framer.append(input[offset..<end])
            offset = end
            // Pull only some lines per append, so unconsumed input accumulates too.
            for _ in 0..<20 {
                guard case .line(let line) = framer.nextCommand() else { break }
                received.append(line)
            }
        }
        while case .line(let line) = framer.nextCommand() { received.append(line) }
        #expect(received == lines.map(bytes))
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func appendAcceptsNonContiguousSequencesAndRawBuffers() {
        var framer = SMTPInputFramer()
        framer.append(bytes("NO").lazy.map { $0 })
        bytes("OP\r\n").withUnsafeBytes { framer.append($0) }
        framer.append(AnySequence(bytes("QUIT\r\n")))
        #expect(framer.nextCommand() == .line(bytes("NOOP")))
        #expect(framer.nextCommand() == .line(bytes("QUIT")))
    }

    @Test func discardBufferedInputDropsPendingPlaintext() {
        var framer = SMTPInputFramer()
        framer.append(bytes("STARTTLS\r\nMAIL FROM:<injected@x>\r\n"))
        #expect(framer.nextCommand() == .line(bytes("STARTTLS")))
        framer.discardBufferedInput()
        #expect(framer.bufferedByteCount == 0)
        #expect(framer.nextCommand() == nil)
        framer.append(bytes("EHLO c\r\n"))
        #expect(framer.nextCommand() == .line(bytes("EHLO c")))
    }
}
