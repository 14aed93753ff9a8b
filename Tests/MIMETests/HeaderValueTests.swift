import Foundation
import MIME
import Testing

@Suite("Structured header values")
struct HeaderValueTests {
    @Test("address lists: display names, quoted strings, comments, groups, UTF-8")
    func addresses() {
        #expect(
            EmailAddress.parseList("\"Doe, Jane\" <jane@example.com>, bob@example.com (Bob B.)") == [
                EmailAddress(address: "jane@example.com", name: "Doe, Jane"),
                EmailAddress(address: "bob@example.com", name: "Bob B."),
            ])
        #expect(
            AddressList.parse("team: a@x.test, B <b@x.test>; c@x.test") == [
                .group(
                    name: "team",
                    members: [EmailAddress(address: "a@x.test"), EmailAddress(address: "b@x.test", name: "B")]),
                .mailbox(EmailAddress(address: "c@x.test")),
            ])
        #expect(AddressList.parse("Undisclosed recipients:;") == [.group(name: "Undisclosed recipients", members: [])])
        // RFC 6532: raw UTF-8 in names and addresses.
        #expect(
            EmailAddress.parseList("Jürgen Müller <jürgen@bücher.example>") == [
                EmailAddress(address: "jürgen@bücher.example", name: "Jürgen Müller")
            ])
        // A quoted local part stays as written, escapes included.
        #expect(
            EmailAddress.parseList(#""quoted \"local\""@example.com"#) == [
                EmailAddress(address: #""quoted \"local\""@example.com"#)
            ])
        #expect(
            EmailAddress.parseList(#"Name <"a b"@example.com>"#) == [
                EmailAddress(address: #""a b"@example.com"#, name: "Name")
            ])
        #expect(EmailAddress.parseList("root") == [EmailAddress(address: "root")])
        // No angle brackets: the words around the addr-spec are the name; CFWS around "." and "@" is obsolete syntax.
        #expect(
            EmailAddress.parseList("John Doe john@example.com, jdoe @ test . example")
                == [
                    EmailAddress(address: "john@example.com", name: "John Doe"),
                    EmailAddress(address: "jdoe@test.example"),
                ])
        #expect(EmailAddress.parseList("") == [])
        #expect(EmailAddress.parseList(", ,") == [])
        #expect(
            EmailAddress.parseList("<unterminated@example.com") == [EmailAddress(address: "unterminated@example.com")])
    }

    @Test("decodedValue decodes RFC 2047 and leaves the raw value alone")
    func decodedValue() {
        let field = HeaderField(name: "Subject", value: "Re: =?utf-8?q?Gr=C3=BC=C3=9Fe?= =?utf-8?b?IOKCrA==?=")
        #expect(field.decodedValue == "Re: Grüße €")
        #expect(field.value.hasPrefix("Re: =?utf-8?q?"))
        #expect(HeaderField(name: "Subject", value: "=?x-unknown?q?caf=E9?=").decodedValue == "caf\u{FFFD}")
        #expect(HeaderField(name: "Subject", value: "=?utf-8?x?not a word?=").decodedValue == "=?utf-8?x?not a word?=")
        #expect(
            HeaderField(name: "Subject", value: "a =?utf-8?q?unterminated").decodedValue == "a =?utf-8?q?unterminated")
    }

    @Test("Content-Type: defaults, case, parameters")
    func contentType() throws {
        let type = try #require(ContentType(parsing: "Text/HTML; Charset=\"UTF-8\"; format=flowed (comment)"))
        #expect(type.mimeType == "text/html")
        #expect(type.charset == "UTF-8")
        #expect(type.parameter("FORMAT") == "flowed")
        #expect(ContentType(parsing: "") == nil)
        #expect(ContentType(parsing: "/plain") == nil)
        #expect(ContentType(parsing: "multipart/mixed boundary=abc")?.boundary == "abc")  // missing ";"
        // not 2047-decoded
        #expect(ContentType(parsing: "multipart/mixed; boundary==_Part_1_=?x")?.boundary == "=_Part_1_=?x")
    }

    @Test("Message-ID, In-Reply-To and References")
    func messageIDs() {
        #expect(MessageID.parseList("<a@x> (comment) <b@y>\r\n <c@z>") == ["<a@x>", "<b@y>", "<c@z>"])
        #expect(MessageID.parse("  bare@id  ") == "<bare@id>")
        #expect(MessageID.parseList("<>") == [])
    }

    @Test("dates: RFC 5322 and obsolete forms")
    func dates() throws {
        let date = try #require(MailDate(parsing: "Tue, 1 Jul 2003 10:52:37 +0200"))
        #expect(date.date == Date(timeIntervalSince1970: 1_057_049_557))
        // asctime
        #expect(MailDate(parsing: "Mon Jan 12 10:00:00 2004")?.date == Date(timeIntervalSince1970: 1_073_901_600))
        #expect(MailDate(parsing: "21 Nov 97 09:55:06 GMT")?.year == 1997)
        #expect(MailDate(parsing: "1 Jan 2001 00:00 PST")?.zoneOffsetMinutes == -480)
        #expect(MailDate(parsing: "garbage") == nil)
    }
}
