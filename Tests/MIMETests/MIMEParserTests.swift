import Foundation
import MIME
import Testing

@Suite("MIME parser: structure and body selection")
struct MIMEParserTests {
    static let rich = message(
        "From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.com>",
        "To: Alice <alice@example.org>, \"Bob, B.\" <bob@example.org>",
        "Cc: team: carol@example.org;",
        "Reply-To: replies@example.com",
        "Subject: Report",
        "Date: Tue, 1 Jul 2025 10:52:37 +0200",
        "Message-ID: <m1@example.com>",
        "In-Reply-To: <m0@example.com>",
        "References: <a@example.com>\r\n <m0@example.com>",
        "Received: from a by b; Tue, 1 Jul 2025 10:52:36 +0200",
        "Received: from c by a; Tue, 1 Jul 2025 10:52:35 +0200",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"outer\"",
        "",
        "preamble text",
        "--outer",
        "Content-Type: multipart/related; boundary=rel",
        "",
        "--rel",
        "Content-Type: multipart/alternative; boundary=alt",
        "",
        "--alt",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Gr=C3=BC=C3=9Fe,",
        "see attached.",
        "--alt",
        "Content-Type: text/html; charset=iso-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "<p>Gr=FC=DFe <img src=3D\"cid:logo@x\"></p>",
        "--alt--",
        "--rel",
        "Content-Type: image/png",
        "Content-ID: <logo@x>",
        "Content-Transfer-Encoding: base64",
        "",
        "iVBORw0KGgo=",
        "--rel--",
        "--outer",
        "Content-Type: application/pdf; name=\"ignored.pdf\"",
        "Content-Disposition: attachment; filename*=UTF-8''Bericht%20%E2%82%AC.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        "JVBERi0xLjQK",
        "--outer",
        "Content-Type: text/calendar; method=REQUEST; charset=utf-8",
        "",
        "BEGIN:VCALENDAR",
        "END:VCALENDAR",
        "--outer--",
        "epilogue",
        "")

    @Test("headers, addresses and identifiers")
    func headers() {
        let parsed = MIMEParser.parse(Self.rich)
        #expect(parsed.from == [EmailAddress(address: "juergen@example.com", name: "Jürgen")])
        #expect(parsed.to.map(\.address) == ["alice@example.org", "bob@example.org"])
        #expect(parsed.to.map(\.name) == ["Alice", "Bob, B."])
        #expect(parsed.cc == [EmailAddress(address: "carol@example.org")])
        #expect(parsed.replyTo == [EmailAddress(address: "replies@example.com")])
        #expect(parsed.subject == "Report")
        #expect(parsed.date == "Tue, 1 Jul 2025 10:52:37 +0200")
        #expect(parsed.dateParsed == Date(timeIntervalSince1970: 1_751_359_957))
        #expect(parsed.messageID == "<m1@example.com>")
        #expect(parsed.inReplyTo == "<m0@example.com>")
        #expect(parsed.references == ["<a@example.com>", "<m0@example.com>"])
        #expect(parsed.headers.all(named: "received").count == 2)  // repeated fields are all kept, in order
        #expect(parsed.headers.first(named: "References") == "<a@example.com> <m0@example.com>")
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
    }

    @Test("text, html and attachments from a nested tree")
    func bodies() throws {
        let parsed = MIMEParser.parse(Self.rich)
        #expect(parsed.text == "Grüße,\r\nsee attached.")
        #expect(parsed.html == "<p>Grüße <img src=\"cid:logo@x\"></p>")
        #expect(parsed.attachments.count == 3)
        let logo = try #require(parsed.attachments.first)
        #expect(logo.contentType == "image/png")
        #expect(logo.disposition == "inline")
        #expect(logo.contentID == "logo@x")
        #expect(logo.content == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(logo.size == 8)
        let pdf = parsed.attachments[1]
        #expect(pdf.filename == "Bericht €.pdf")  // Content-Disposition filename wins over Content-Type name
        #expect(pdf.disposition == "attachment")
        #expect(pdf.content == Array("%PDF-1.4\n".utf8))
        let calendar = parsed.attachments[2]
        #expect(calendar.contentType == "text/calendar")
        #expect(calendar.charset == "utf-8")
        #expect(calendar.filename == nil)
        #expect(String(decoding: calendar.content, as: UTF8.self) == "BEGIN:VCALENDAR\r\nEND:VCALENDAR")
    }

    @Test("the tree: kinds, paths, preamble and epilogue, raw bodies")
    func tree() {
        let root = MIMEParser.parse(Self.rich).root
        #expect(root.kind == .multipart)
        #expect(root.parts.map(\.contentType.mimeType) == ["multipart/related", "application/pdf", "text/calendar"])
        #expect(root.parts[0].parts[0].parts.map(\.path) == [[0, 0, 0], [0, 0, 1]])
        #expect(String(decoding: root.preamble, as: UTF8.self) == "preamble text")
        #expect(String(decoding: root.epilogue, as: UTF8.self) == "epilogue\r\n")
        #expect(String(decoding: root.parts[1].body, as: UTF8.self) == "JVBERi0xLjQK")  // still encoded
        #expect(root.parts[1].transferEncoding == .base64)
    }

    @Test("LF-only input parses to the same structure")
    func lineFeeds() {
        let lf = Array(String(decoding: Self.rich, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
        let parsed = MIMEParser.parse(lf)
        #expect(parsed.text == "Grüße,\nsee attached.")
        #expect(parsed.attachments.map(\.size) == [8, 9, 29])
        #expect(parsed.defects.isEmpty)
    }

    @Test("a message without MIME headers is text/plain")
    func plain() {
        let parsed = MIMEParser.parse(message("Subject: hi", "", "Hello,", "world", ""))
        #expect(parsed.text == "Hello,\r\nworld\r\n")
        #expect(parsed.html == nil)
        #expect(parsed.attachments.isEmpty)
        #expect(parsed.root.contentType.mimeType == "text/plain")
    }

    @Test("body selection: an attachment-disposition text part is not the body; a second text part is an attachment")
    func selection() {
        let parsed = MIMEParser.parse(
            message(
                "Content-Type: multipart/mixed; boundary=b", "",
                "--b", "Content-Type: text/plain", "Content-Disposition: attachment; filename=notes.txt", "", "notes",
                "--b", "Content-Type: text/plain", "", "body",
                "--b", "Content-Type: text/plain", "", "more text",
                "--b", "Content-Type: text/plain", "", "  ",
                "--b--", ""))
        #expect(parsed.text == "body")
        #expect(parsed.attachments.map(\.filename) == ["notes.txt", nil])
        #expect(parsed.attachments.map { String(decoding: $0.content, as: UTF8.self) } == ["notes", "more text"])
    }

    @Test("message/rfc822 is an attachment and its tree is parsed, also when it is base64-encoded")
    func encapsulated() throws {
        let inner = "From: x@example.com\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\ninner body\r\n"
        for (encoding, body) in [
            ("7bit", inner), ("base64", Data(inner.utf8).base64EncodedString(options: .lineLength76Characters)),
        ] {
            let parsed = MIMEParser.parse(
                message(
                    "Content-Type: multipart/mixed; boundary=b", "",
                    "--b", "Content-Type: text/plain", "", "outer body",
                    "--b", "Content-Type: message/rfc822; name=fwd.eml", "Content-Transfer-Encoding: \(encoding)", "",
                    body,
                    "--b--", ""))
            #expect(parsed.text == "outer body")
            let attachment = try #require(parsed.attachments.first)
            #expect(attachment.contentType == "message/rfc822")
            #expect(attachment.filename == "fwd.eml")
            #expect(
                String(decoding: attachment.content, as: UTF8.self).hasPrefix("From: x@example.com\r\nSubject: inner"))
            let encapsulated = parsed.root.parts[1]
            #expect(encapsulated.kind == .message)
            #expect(encapsulated.parts.first?.headers.first(named: "Subject") == "inner")
            #expect(encapsulated.parts.first?.decodedText().hasPrefix("inner body") == true)
        }
    }

    @Test("multipart/digest parts default to message/rfc822")
    func digest() {
        let parsed = MIMEParser.parse(
            message(
                "Content-Type: multipart/digest; boundary=d", "",
                "--d", "", "Subject: one", "", "first",
                "--d", "", "Subject: two", "", "second",
                "--d--", ""))
        #expect(parsed.root.parts.map(\.contentType.mimeType) == ["message/rfc822", "message/rfc822"])
        #expect(parsed.attachments.count == 2)
        #expect(parsed.root.parts[1].parts.first?.headers.first(named: "subject") == "two")
    }

    @Test("obsolete syntax: whitespace before the colon, folded values, a leading mbox From_ line")
    func obsoleteHeaders() {
        let parsed = MIMEParser.parse(
            message(
                "From sender@example.com Tue Jul  1 10:52:37 2025",
                "Subject : folded",
                "\tsubject",
                "To: a@example.com,",
                " b@example.com",
                "", "body"))
        #expect(parsed.subject == "folded\tsubject")
        #expect(parsed.to.map(\.address) == ["a@example.com", "b@example.com"])
        #expect(parsed.defects.isEmpty)
    }

    @Test("malformed structures are repaired and reported with their location")
    func defects() {
        // Missing close delimiter, bad base64, missing blank line, unknown transfer encoding.
        let parsed = MIMEParser.parse(
            message(
                "Content-Type: multipart/mixed; boundary=b", "",
                "--b", "Content-Type: text/plain", "no blank line before this body",
                "--b", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "", "AAA*AAA",
                "--b", "Content-Type: application/x-thing", "Content-Transfer-Encoding: x-gzip64", "", "data", ""))
        #expect(parsed.text == "no blank line before this body")
        #expect(parsed.attachments.map(\.size) == [4, 6])
        let found = parsed.defects.map { "\($0.kind)@\($0.part)" }
        #expect(found.contains("missingHeaderBodySeparator@[0]"))
        #expect(found.contains("invalidBase64@[1]"))
        #expect(found.contains("unknownTransferEncoding@[2]"))
        #expect(found.contains("closeBoundaryNotFound@[]"))
    }

    @Test("a multipart without usable boundaries keeps its body as text")
    func missingBoundaries() {
        let noParameter = MIMEParser.parse(message("Content-Type: multipart/mixed", "", "just text"))
        #expect(noParameter.text == "just text")
        #expect(noParameter.defects.map(\.kind) == [.noBoundary])
        let noDelimiter = MIMEParser.parse(
            message("Content-Type: multipart/mixed; boundary=zz", "", "just text", "--other--"))
        #expect(noDelimiter.text == "just text\r\n--other--")
        #expect(noDelimiter.defects.map(\.kind) == [.startBoundaryNotFound])
        #expect(noDelimiter.root.kind == .leaf)
    }

    @Test("boundaries: prefix match, transport padding, innermost first, enclosing boundary ends an open multipart")
    func boundaries() {
        let parsed = MIMEParser.parse(
            message(
                "Content-Type: multipart/mixed; boundary=out", "",
                "--out  ", "Content-Type: multipart/alternative; boundary=in", "",
                "--in", "", "one",
                "--in trailing text is ignored", "", "two",
                "--out", "", "three",
                "--out--", ""))
        #expect(parsed.root.parts.count == 2)
        #expect(parsed.root.parts[0].parts.map { String(decoding: $0.body, as: UTF8.self) } == ["one", "two"])
        #expect(String(decoding: parsed.root.parts[1].body, as: UTF8.self) == "three")
        #expect(parsed.defects.map(\.kind) == [.closeBoundaryNotFound])
        #expect(parsed.defects.first?.part == [0])
    }

    @Test("HeaderField.parseSection still skips lines that are not fields (the server's quick read)")
    func quickHeaderRead() {
        #expect(
            HeaderField.parseSection(Array("A: 1\r\nnot a field\r\nB: 2\r\n\r\n".utf8)[...]).map(\.name) == ["A", "B"])
        #expect(MIMEParser.parse(Array("A: 1\r\nnot a field\r\nB: 2\r\n\r\n".utf8)).headers.map(\.name) == ["A"])
    }
}
