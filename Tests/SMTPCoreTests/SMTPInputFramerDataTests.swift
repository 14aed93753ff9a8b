import FastSMTPTestSupport
import Testing

@testable import SMTPCore

@Suite("SMTPInputFramer: DATA content")
struct SMTPInputFramerDataTests {
    @Test func dotStuffingIsRemoved() {
        let input = bytes("DATA\r\n..hello\r\n.x\r\n...\r\nplain\r\n. \r\n.\r\n")
        let result = frameEveryWay(input)
        #expect(result.agree)
        #expect(result.whole == [.line("DATA"), .message(bytes(".hello\r\nx\r\n..\r\nplain\r\n \r\n"))])
    }

    @Test func emptyMessage() {
        #expect(frame([bytes("DATA\r\n.\r\nQUIT\r\n")]) == [.line("DATA"), .message([]), .line("QUIT")])
    }

    @Test func messageOfOneStuffedDot() {
        #expect(frame([bytes("DATA\r\n..\r\n.\r\n")]) == [.line("DATA"), .message(bytes(".\r\n"))])
    }

    @Test func finalCRLFBelongsToTheMessage() {
        #expect(frame([bytes("DATA\r\nline\r\n.\r\n")]) == [.line("DATA"), .message(bytes("line\r\n"))])
        #expect(frame([bytes("DATA\r\n\r\n.\r\n")]) == [.line("DATA"), .message(bytes("\r\n"))])
    }

    @Test func pipelinedCommandAfterTheTerminatorInTheSameAppend() {
        var framer = SMTPInputFramer()
        framer.append(bytes("DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"))
        #expect(framer.nextCommand() == .line(bytes("DATA")))
        #expect(framer.nextData() == .message(bytes("Subject: x\r\n\r\nbody\r\n")))
        #expect(framer.bufferedByteCount == 6)
        #expect(framer.nextCommand() == .line(bytes("QUIT")))
        #expect(framer.nextCommand() == nil)
    }

    @Test func terminatorSplitAtEveryPosition() {
        let input = bytes("DATA\r\nSubject: t\r\n\r\nhello\r\n..dot\r\n.\r\nQUIT\r\n")
        let expected: [FramerEvent] = [
            .line("DATA"), .message(bytes("Subject: t\r\n\r\nhello\r\n.dot\r\n")), .line("QUIT"),
        ]
        for split in 0...input.count {
            #expect(frame([Array(input[..<split]), Array(input[split...])]) == expected, "split at \(split)")
        }
        // Three pieces around the terminator and the stuffed dot.
        let region = (input.count - 20)...input.count
        for first in region {
            for second in first...input.count {
                let chunks = [Array(input[..<first]), Array(input[first..<second]), Array(input[second...])]
                #expect(frame(chunks) == expected, "split at \(first), \(second)")
            }
        }
    }

    @Test func dataIsIncompleteUntilTheTerminator() {
        var framer = SMTPInputFramer()
        framer.append(bytes("DATA\r\n"))
        #expect(framer.nextCommand() == .line(bytes("DATA")))
        #expect(framer.nextData() == nil)
        for piece in ["abc\r", "\n", ".", "\r", "\n"].dropLast() {
            framer.append(bytes(piece))
            #expect(framer.nextData() == nil, "after \(piece.debugDescription)")
            #expect(framer.bufferedByteCount == 0)  // consumed into the message being assembled
        }
        framer.append(bytes("\n"))
        #expect(framer.nextData() == .message(bytes("abc\r\n")))
    }

    /// Sequences that end DATA for some other implementation (the "SMTP smuggling" variants), inside content.
    /// None ends the data here; each holds a bare CR or LF, so the whole content is refused.
    static let notTerminators: [String] = [
        "a\n.\nb\r\n",
        "a\r.\rb\r\n",
        "a\r\n.\nb\r\n",
        "a\r\n.\rb\r\n",
        "a\r\n.\r\rb\r\n",
        "a\n.\r\nb\r\n",
        "a\r\n.\n.\r\nb\r\n",
        "\n.\n\r\n",
        "\r.\r\n",
        "a\r.\nb\r\n",
        "a\n.\rb\r\n",
    ]

    @Test(arguments: notTerminators)
    func onlyCRLFDotCRLFEndsData(content: String) {
        let prefix = bytes("DATA\r\n" + content)
        #expect(frame([prefix]) == [.line("DATA")], "ended early")
        let result = frameEveryWay(prefix + bytes(".\r\nNOOP\r\n"))
        #expect(result.agree)
        #expect(result.whole == [.line("DATA"), .rejected(.bareLineEnding), .line("NOOP")])
    }

    // MARK: Limits

    @Test func messageAtTheSizeLimitIsAcceptedOneMoreOctetIsNot() {
        let framer = SMTPInputFramer(maxMessageSize: 50)
        let fifty = String(repeating: "12345678\r\n", count: 5)
        #expect(frame([bytes("DATA\r\n" + fifty + ".\r\n")], framer) == [.line("DATA"), .message(bytes(fifty))])
        let fiftyOne = "x" + fifty
        let result = frameEveryWay(bytes("DATA\r\n" + fiftyOne + ".\r\nNOOP\r\n"), framer)
        #expect(result.agree)
        #expect(result.whole == [.line("DATA"), .rejected(.tooLarge), .line("NOOP")])
    }

    @Test func oversizedMessageIsDiscardedWhileReadingAndTheFramerStaysInSync() {
        var driver = FramerDriver(SMTPInputFramer(maxMessageSize: 1000))
        driver.feed(bytes("EHLO c\r\nDATA\r\n"))
        let chunk = bytes(String(repeating: "0123456789abcdef0123456789abcdef0123456789abcde\r\n", count: 100))
        for _ in 0..<200 {
            driver.feed(chunk)
            #expect(driver.framer.dataDecoder.message.count <= 1000)
            #expect(driver.framer.bufferedByteCount == 0)
        }
        driver.feed(bytes(".\r\nQUIT\r\n"))
        #expect(driver.events == [.line("EHLO c"), .line("DATA"), .rejected(.tooLarge), .line("QUIT")])
        // The next message is decoded normally.
        driver.feed(bytes("DATA\r\n.ok\r\n.\r\n"))
        #expect(driver.events.suffix(2) == [.line("DATA"), .message(bytes("ok\r\n"))])
    }

    @Test func textLineOf1000OctetsIsAcceptedLongerIsRejected() {
        let line998 = String(repeating: "x", count: 998)
        #expect(frame([bytes("DATA\r\n\(line998)\r\n.\r\n")]) == [.line("DATA"), .message(bytes(line998 + "\r\n"))])
        let result = frameEveryWay(bytes("DATA\r\n\(line998)y\r\nmore\r\n.\r\nQUIT\r\n"))
        #expect(result.agree)
        #expect(result.whole == [.line("DATA"), .rejected(.lineTooLong), .line("QUIT")])
    }

    @Test func lineLimitDoesNotCountTheStuffedDot() {
        let line998 = String(repeating: ".", count: 998)
        #expect(frame([bytes("DATA\r\n.\(line998)\r\n.\r\n")]) == [.line("DATA"), .message(bytes(line998 + "\r\n"))])
        #expect(frame([bytes("DATA\r\n.\(line998).\r\n.\r\n")]) == [.line("DATA"), .rejected(.lineTooLong)])
    }

    @Test func bareLineEndingIsReportedUnlessALimitWasReachedFirst() {
        let framer = SMTPInputFramer(maxTextLineLength: 6)
        #expect(frame([bytes("DATA\r\na\rb\n\r\n.\r\n")], framer) == [.line("DATA"), .rejected(.bareLineEnding)])
        #expect(frame([bytes("DATA\r\nabcde\rb\r\n.\r\n")], framer) == [.line("DATA"), .rejected(.lineTooLong)])
        // The first message's refusal does not leak into the next one.
        #expect(
            frame([bytes("DATA\r\nx\ny\r\n.\r\nDATA\r\nok\r\n.\r\n")], framer)
                == [.line("DATA"), .rejected(.bareLineEnding), .line("DATA"), .message(bytes("ok\r\n"))])
    }

    @Test func firstLimitReachedDecidesTheReason() {
        // 10-octet messages, 6-octet lines: whichever limit the content crosses first wins.
        let framer = SMTPInputFramer(maxTextLineLength: 6, maxMessageSize: 10)
        #expect(frame([bytes("DATA\r\nabcd\r\nabcde\r\n.\r\n")], framer) == [.line("DATA"), .rejected(.lineTooLong)])
        #expect(frame([bytes("DATA\r\nabcd\r\nabcd\r\nx\r\n.\r\n")], framer) == [.line("DATA"), .rejected(.tooLarge)])
    }

    // MARK: Against a reference implementation

    /// Straightforward decoding: find "<CRLF>.<CRLF>" in CRLF + content, split the body at
    /// CRLF, remove one leading dot per line, apply the limits octet by octet; a CR or LF left
    /// inside a line is bare and refuses the message unless a limit was crossed before it.
    static func reference(_ content: [UInt8], maxLine: Int, maxSize: Int) -> FramerEvent? {
        let stream: [UInt8] = [0x0D, 0x0A] + content
        let terminator: [UInt8] = [0x0D, 0x0A, 0x2E, 0x0D, 0x0A]
        guard
            let end = (0...max(0, stream.count - 5)).first(where: {
                stream[$0..<min($0 + 5, stream.count)].elementsEqual(terminator)
            })
        else { return nil }
        let body = Array(stream[2..<(end + 2)])
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < body.count {
            if body[index] == 0x0D, index + 1 < body.count, body[index + 1] == 0x0A {
                lines.append(current)
                current = []
                index += 2
            } else {
                current.append(body[index])
                index += 1
            }
        }
        var message: [UInt8] = []
        for var line in lines {
            if line.first == 0x2E { line.removeFirst() }
            for (position, byte) in line.enumerated() {
                if byte == 0x0D || byte == 0x0A { return .rejected(.bareLineEnding) }
                if position + 1 > maxLine - 2 { return .rejected(.lineTooLong) }
                if message.count + 1 > maxSize { return .rejected(.tooLarge) }
                message.append(byte)
            }
            if message.count + 2 > maxSize { return .rejected(.tooLarge) }
            message += [0x0D, 0x0A]
        }
        return .message(message)
    }

    @Test(arguments: [(1000, 100_000), (8, 40), (5, 1000), (1000, 12)])
    func randomContentMatchesTheReference(maxLine: Int, maxSize: Int) {
        var random = SplitMix64(seed: UInt64(maxLine * 31 + maxSize))
        let alphabet: [UInt8] = [0x61, 0x61, 0x62, 0x2E, 0x2E, 0x0D, 0x0D, 0x0A, 0x0A]
        let framer = SMTPInputFramer(maxTextLineLength: maxLine, maxMessageSize: maxSize)
        for _ in 0..<300 {
            let length = Int(random.next() % 60)
            var content = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            content += bytes("\r\n.\r\n")
            guard let expected = Self.reference(content, maxLine: maxLine, maxSize: maxSize) else {
                Issue.record("reference found no terminator")
                continue
            }
            let result = frameEveryWay(bytes("DATA\r\n") + content, framer)
            #expect(result.agree, "content \(String(decoding: content, as: UTF8.self).debugDescription)")
            #expect(
                Array(result.whole.prefix(2)) == [.line("DATA"), expected],
                "content \(String(decoding: content, as: UTF8.self).debugDescription)")
        }
    }

    @Test func largeMessageInChunks() {
        var body: [UInt8] = []
        for index in 0..<20_000 {
            body += bytes(index % 7 == 0 ? ".stuffed line \(index)\r\n" : "plain line number \(index) of the body\r\n")
        }
        let expected = bytes(String(decoding: body, as: UTF8.self).replacingDotStuffing())
        var driver = FramerDriver()
        let input = bytes("DATA\r\n") + body + bytes(".\r\nQUIT\r\n")
        var offset = 0
        while offset < input.count {
            let end = min(offset + 65_536, input.count)
            driver.feed(Array(input[offset..<end]))
            offset = end
        }
        #expect(driver.events == [.line("DATA"), .message(expected), .line("QUIT")])
    }
}

extension String {
    /// Removes the leading dot of every line (the test body stuffs only lines it starts with ".stuffed").
    fileprivate func replacingDotStuffing() -> String {
        split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? String($0.dropFirst()) : String($0) }
            .joined(separator: "\r\n")
    }
}
