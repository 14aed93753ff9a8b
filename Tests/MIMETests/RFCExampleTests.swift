import MIME
import Testing

/// The examples printed in RFC 2047 §8 and RFC 2231 §3-5, with the results the RFCs give.
@Suite("RFC 2047 and RFC 2231 examples")
struct RFCExampleTests {
    @Test(
        "RFC 2047 §8: encoded words in comments and unstructured text",
        arguments: [
            ("(=?ISO-8859-1?Q?a?=)", "(a)"),
            ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
            ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
            ("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"),
            ("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"),
            ("(=?ISO-8859-1?Q?a_b?=)", "(a b)"),
            ("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"),
        ])
    func rfc2047Section8Display(encoded: String, displayed: String) {
        #expect(EncodedWord.decode(headerValue(encoded)) == displayed)
    }

    @Test("RFC 2047 §8: the example message headers")
    func rfc2047Section8Headers() {
        let parsed = MIMEParser.parse(
            message(
                "From: =?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
                "To: =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
                "CC: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
                "Subject: =?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=",
                "  =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
                "", ""))
        #expect(parsed.from == [EmailAddress(address: "moore@cs.utk.edu", name: "Keith Moore")])
        #expect(parsed.to == [EmailAddress(address: "keld@dkuug.dk", name: "Keld Jørn Simonsen")])
        #expect(parsed.cc == [EmailAddress(address: "PIRARD@vm1.ulg.ac.be", name: "André Pirard")])
        #expect(parsed.subject == "If you can read this you understand the example.")

        #expect(
            EmailAddress.parseList("=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>")
                == [EmailAddress(address: "ojarnef@admin.kth.se", name: "Olle Järnefors")])
        // The Hebrew comment is the only name text when the phrase is empty.
        #expect(
            EmailAddress.parseList("<nsb@thumper.bellcore.com> (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)")
                == [EmailAddress(address: "nsb@thumper.bellcore.com", name: "םולש ןב ילטפנ")])
        #expect(
            EmailAddress.parseList(
                "Nathaniel Borenstein <nsb@thumper.bellcore.com> (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)")
                == [EmailAddress(address: "nsb@thumper.bellcore.com", name: "Nathaniel Borenstein")])
    }

    @Test("RFC 2047 §6.2: words in the same charset are joined before decoding, so split UTF-8 survives")
    func splitMultibyte() {
        // "€" is E2 82 AC; the first word carries E2 82, the second AC.
        #expect(EncodedWord.decode("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=") == "€")
        #expect(EncodedWord.decode("=?utf-8?q?=E2=82?= =?utf-8?q?=AC_and_more?=") == "€ and more")
    }

    @Test("RFC 2231 §5: language in an encoded word charset")
    func rfc2231EncodedWordLanguage() {
        #expect(EncodedWord.decode("=?US-ASCII*EN?Q?Keith_Moore?=") == "Keith Moore")
    }

    @Test("RFC 2231 §3: parameter value continuations")
    func rfc2231Continuations() throws {
        let type = try #require(
            ContentType(
                parsing: headerValue(
                    "message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\""
                )))
        #expect(type.mimeType == "message/external-body")
        #expect(type.parameter("access-type") == "URL")
        #expect(type.parameter("url") == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")
    }

    @Test("RFC 2231 §4: charset and language")
    func rfc2231CharsetAndLanguage() throws {
        let type = try #require(
            ContentType(parsing: "application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A"))
        #expect(type.parameters == [MIMEParameter(name: "title", value: "This is ***fun***", language: "en-us")])
    }

    @Test("RFC 2231 §4.1: charset and language with continuations, mixing encoded and plain sections")
    func rfc2231Combined() throws {
        let type = try #require(
            ContentType(
                parsing: headerValue(
                    """
                    application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2="isn't it!"
                    """)))
        #expect(
            type.parameters == [
                MIMEParameter(name: "title", value: "This is even more ***fun*** isn't it!", language: "en")
            ])
    }

    @Test("RFC 2231 file names in other charsets, and a plain fallback that the RFC 2231 value overrides")
    func rfc2231FileNames() {
        let disposition = ContentDisposition(
            parsing: "attachment; filename=\"fallback.txt\"; filename*=iso-8859-1''%E9t%E9.txt")
        #expect(disposition.type == "attachment")
        #expect(disposition.filename == "été.txt")
        let split = ContentDisposition(parsing: "attachment; filename*1*=%E2%82%AC.pdf; filename*0*=UTF-8''Preis%20")
        #expect(split.filename == "Preis €.pdf")
    }
}
