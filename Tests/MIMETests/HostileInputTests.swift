import Foundation
import MIME
import Testing

/// Hostile and broken input: every case must finish quickly with a best-effort result and defects.
/// The time bounds are generous (debug builds, slow CI machines); a quadratic path would take minutes.
@Suite("Hostile input")
struct HostileInputTests {
    /// Parses and fails the test if it took longer than `seconds`.
    func parseTimed(
        _ bytes: [UInt8], limits: MIMELimits = .default, seconds: Double = 5,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ParsedMessage {
        let clock = ContinuousClock()
        var result: ParsedMessage?
        let elapsed = clock.measure { result = MIMEParser.parse(bytes, limits: limits) }
        #expect(elapsed < .seconds(seconds), "took \(elapsed)", sourceLocation: sourceLocation)
        return result ?? MIMEParser.parse([])
    }

    func depth(_ part: MIMEPart) -> Int { 1 + (part.parts.map(depth).max() ?? 0) }
    func count(_ part: MIMEPart) -> Int { 1 + part.parts.map(count).reduce(0, +) }

    @Test("1,000 nested multiparts: depth is capped, the innermost text is still reachable as a leaf")
    func deepMultipart() {
        var text = ""
        for level in 0..<1_000 {
            text += "Content-Type: multipart/mixed; boundary=\"b\(level)\"\r\n\r\n--b\(level)\r\n"
        }
        text += "Content-Type: text/plain\r\n\r\ndeep\r\n"
        for level in (0..<1_000).reversed() { text += "--b\(level)--\r\n" }
        let parsed = parseTimed(Array(text.utf8))
        #expect(depth(parsed.root) == MIMELimits.default.maxDepth + 1)
        #expect(parsed.defects.contains { $0.kind == .depthLimit })
        #expect(parsed.attachments.isEmpty == false || parsed.text != nil)
    }

    @Test("1,000 nested message/rfc822 parts")
    func deepMessages() {
        let text =
            String(repeating: "Content-Type: message/rfc822\r\n\r\n", count: 1_000)
            + "Subject: innermost\r\n\r\nbody\r\n"
        let parsed = parseTimed(Array(text.utf8))
        #expect(depth(parsed.root) <= MIMELimits.default.maxDepth + 1)
        #expect(parsed.defects.contains { $0.kind == .depthLimit })
        #expect(parsed.attachments.count == 1)
    }

    @Test("nested base64-encoded message/rfc822 parts: each level decodes into a smaller buffer")
    func deepEncodedMessages() {
        var body = Array("Subject: innermost\r\n\r\nbody\r\n".utf8)
        for _ in 0..<30 {  // (4/3)^30: about 200 KB
            body =
                Array("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n".utf8)
                + Array(Data(body).base64EncodedString(options: .lineLength76Characters).utf8)
        }
        let deep = parseTimed(body)
        #expect(depth(deep.root) == 31)
        #expect(deep.defects.isEmpty)
        let limited = parseTimed(body, limits: MIMELimits(maxDepth: 10))
        #expect(depth(limited.root) == 11)
        #expect(limited.defects.map(\.kind) == [.depthLimit])
    }

    @Test("100,000 header fields: the count is capped and the body is still found")
    func manyHeaders() {
        var text = String(repeating: "X-Spam: yes\r\n", count: 100_000)
        text += "Subject: still here\r\n\r\nthe body\r\n"
        let parsed = parseTimed(Array(text.utf8))
        #expect(parsed.headers.count == MIMELimits.default.maxHeaderCount)
        #expect(parsed.text == "the body\r\n")
        #expect(parsed.defects.map(\.kind) == [.headerCountLimit])
    }

    @Test("a 4 MB folded header field is truncated, not accumulated")
    func hugeHeader() {
        let text =
            "Subject: start\r\n" + String(repeating: " more words in a folded subject\r\n", count: 128_000) + "\r\nbody"
        let parsed = parseTimed(Array(text.utf8))
        #expect((parsed.subject?.utf8.count ?? 0) <= MIMELimits.default.maxHeaderBytes)
        #expect(parsed.defects.map(\.kind) == [.headerBytesLimit])
        #expect(parsed.text == "body")
    }

    @Test("20,000 parts: the part count is capped")
    func manyParts() {
        var text = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        for index in 0..<20_000 { text += "--b\r\nContent-Type: application/octet-stream\r\n\r\n\(index)\r\n" }
        text += "--b--\r\n"
        let parsed = parseTimed(Array(text.utf8))
        #expect(count(parsed.root) == MIMELimits.default.maxParts)
        #expect(parsed.defects.map(\.kind) == [.partLimit])
    }

    @Test("lines of nothing but near-boundaries, with a deep boundary stack")
    func boundaryStorm() {
        var text = ""
        let long = String(repeating: "x", count: 900)
        for level in 0..<50 {
            text += "Content-Type: multipart/mixed; boundary=\"\(long)\(level)\"\r\n\r\n--\(long)\(level)\r\n"
        }
        text += "\r\n" + String(repeating: "--\(long)y\r\n", count: 2_000)
        let parsed = parseTimed(Array(text.utf8))
        #expect(parsed.defects.contains { $0.kind == .closeBoundaryNotFound })
    }

    @Test("missing boundaries and bad base64 in a 5 MB message")
    func brokenLargeMessage() {
        var text =
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        text += String(repeating: "QUJD*RUZH!!\r\n", count: 400_000)
        let parsed = parseTimed(Array(text.utf8))
        #expect(parsed.attachments.first?.size == 2_400_000)
        #expect(Set(parsed.defects.map(\.kind)) == [.invalidBase64, .closeBoundaryNotFound])
    }

    @Test("pathological structured header values")
    func pathologicalValues() {
        let comments = String(repeating: "(", count: 100_000) + "x" + String(repeating: ")", count: 100_000)
        let words = String(repeating: "=?utf-8?q?", count: 50_000)
        let parsed = parseTimed(
            message(
                "From: \(comments) <a@example.com>",
                "To: " + String(repeating: "<", count: 100_000),
                "Subject: \(words)",
                "Content-Type: text/plain; "
                    + (0..<5_000).map { "a*\($0 * 7919 % 100_000)*=x%41" }.joined(separator: "; "),
                "Content-Disposition: attachment; filename*999999999=x",
                "References: " + String(repeating: "<a@b> ", count: 20_000),
                "", "body"), limits: MIMELimits(maxHeaderBytes: 8 << 20))
        #expect(parsed.from.map(\.address) == ["a@example.com"])
        #expect(parsed.subject == words)
        #expect(parsed.references.count == 20_000)
        #expect(parsed.root.contentType.parameters.count == 1)
    }

    @Test("custom limits are honoured")
    func customLimits() {
        let limits = MIMELimits(maxDepth: 2, maxParts: 3, maxHeaderCount: 2, maxHeaderBytes: 100)
        let parsed = parseTimed(
            message(
                "A: 1", "B: 2", "C: 3", "Content-Type: multipart/mixed; boundary=b", "",
                "--b", "", "1", "--b", "", "2", "--b", "", "3", "--b--", ""), limits: limits)
        #expect(parsed.headers.map(\.name) == ["A", "B"])
        #expect(parsed.root.kind == .leaf)  // its Content-Type was beyond the header limit
        #expect(parsed.defects.first?.kind == .headerCountLimit)
    }

    @Test("empty and tiny inputs")
    func tiny() {
        for input in [
            "", "\r\n", "\n\n", ":", "--", "-", "\r", "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a",
            "A:\r\n \r\n",
        ] {
            let parsed = parseTimed(Array(input.utf8))
            #expect(parsed.attachments.allSatisfy { $0.size == $0.content.count })
        }
    }
}
