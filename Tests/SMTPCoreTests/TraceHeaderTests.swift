import Foundation
import Testing

@testable import SMTPCore

@Suite("Received trace field")
struct TraceHeaderTests {
    static let date = Date(timeIntervalSince1970: 1_796_157_775)  // Tue, 01 Dec 2026 20:42:55 UTC

    @Test("RFC 5321 §4.4 form: from, by, with, id, for, date")
    func oneRecipient() {
        let field = TraceHeader.received(
            helo: "client.example.org", clientIP: "192.0.2.10", hostname: "mx.example.com", usedEHLO: true, tls: true,
            smtpUTF8: false, id: "0f6c", recipients: ["alice@example.com"], date: Self.date)
        #expect(
            field
                == "Received: from client.example.org ([192.0.2.10])\r\n\tby mx.example.com with ESMTPS id 0f6c\r\n"
                + "\tfor <alice@example.com>; Tue, 01 Dec 2026 20:42:55 +0000\r\n")
    }

    @Test("protocols, IPv6 literals, and no for clause with several recipients")
    func variants() {
        func received(
            ehlo: Bool, tls: Bool, utf8: Bool, ip: String = "192.0.2.1", to: [String] = ["a@b.test"]
        ) -> String {
            TraceHeader.received(
                helo: "h.test", clientIP: ip, hostname: "mx.test", usedEHLO: ehlo, tls: tls, smtpUTF8: utf8, id: "1",
                recipients: to, date: Self.date)
        }
        #expect(received(ehlo: false, tls: false, utf8: false).contains(" with SMTP id "))
        #expect(received(ehlo: true, tls: false, utf8: false).contains(" with ESMTP id "))
        #expect(received(ehlo: true, tls: true, utf8: false).contains(" with ESMTPS id "))
        #expect(received(ehlo: true, tls: true, utf8: true).contains(" with UTF8SMTPS id "))
        #expect(received(ehlo: true, tls: false, utf8: false, ip: "2001:db8::1").contains("([IPv6:2001:db8::1])"))
        let two = received(ehlo: true, tls: false, utf8: false, to: ["a@b.test", "secret-bcc@b.test"])
        #expect(!two.contains("for <"), "several recipients: none is named")
        #expect(!two.contains("secret-bcc"))
    }

    @Test("a value cannot break out of the field")
    func sanitized() {
        let field = TraceHeader.received(
            helo: "evil\r\nA: 1\nB: 2\rC: 3", clientIP: "192.0.2.1", hostname: "mx.test", usedEHLO: true,
            tls: false, smtpUTF8: false, id: "1\n", recipients: ["x@y.test\r\nD: 4"], date: Self.date)
        // Only the field's own folds (CRLF + tab) and its final CRLF are line breaks; no other control survives.
        #expect(field.hasSuffix("\r\n"))
        let body = field.replacingOccurrences(of: "\r\n\t", with: "").dropLast(2)
        #expect(body.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }, "\(body.debugDescription)")
        #expect(field.contains("from evilA: 1B: 2C: 3 "))
    }

    @Test(
        "dates are RFC 5322, in UTC",
        arguments: [(0.0, "Thu, 01 Jan 1970 00:00:00 +0000"), (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000")])
    func dates(_ seconds: Double, _ expected: String) {
        #expect(TraceHeader.rfc5322Date(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
