import Foundation
import MIME
import Testing

/// One message per charset: the sample texts in `Fixtures/charsets.json` were encoded by Python's codecs
/// (`Fixtures/make_charsets.py`), an encoder independent of ours.
@Suite("Charsets")
struct CharsetTests {
    struct Sample: CustomTestStringConvertible {
        var label: String
        var text: String
        var base64: String
        var testDescription: String { label }
    }

    static var samples: [Sample] {
        guard let list = try? Fixtures.json("charsets.json") as? [[String: String]] else { return [] }
        return list.map { Sample(label: $0["label"] ?? "", text: $0["text"] ?? "", base64: $0["base64"] ?? "") }
    }

    @Test("the fixture covers every charset of the issue")
    func coverage() {
        let labels = Set(Self.samples.map { $0.label.lowercased() })
        let required =
            [
                "utf-8", "us-ascii", "koi8-r", "koi8-u", "gb2312", "gbk", "gb18030", "big5", "shift_jis", "euc-jp",
                "iso-2022-jp", "euc-kr", "utf-16",
            ]
            + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16].map { "iso-8859-\($0)" }
            + (1250...1258).map { "windows-\($0)" }
        #expect(Set(required).isSubset(of: labels), "missing: \(Set(required).subtracting(labels))")
    }

    @Test("a base64 text/plain body and an RFC 2047 Subject in the charset", arguments: samples)
    func decodes(sample: Sample) {
        let parsed = MIMEParser.parse(
            message(
                "Subject: =?\(sample.label)?B?\(sample.base64)?=",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=\"\(sample.label)\"",
                "Content-Transfer-Encoding: base64",
                "",
                sample.base64,
                ""))
        #expect(parsed.text?.trimmingCharacters(in: .newlines) == sample.text)
        #expect(parsed.subject == sample.text)
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
    }

    @Test("raw 8-bit bodies and headers")
    func eightBit() {
        var bytes = message(
            "Subject: Grüße aus Köln", "Content-Type: text/plain; charset=windows-1252",
            "Content-Transfer-Encoding: 8bit", "", "")
        // "Grüße" in UTF-8 in the header (RFC 6532), "“Zürich” – €" in Windows-1252 in the body.
        bytes += [0x93, 0x5A, 0xFC, 0x72, 0x69, 0x63, 0x68, 0x94, 0x20, 0x96, 0x20, 0x80]
        let parsed = MIMEParser.parse(bytes)
        #expect(parsed.subject == "Grüße aus Köln")
        #expect(parsed.text == "“Zürich” – €")
    }

    @Test("US-ASCII and missing charsets: UTF-8 when valid, else Windows-1252, with a defect")
    func asciiFallback() {
        let utf8 = MIMEParser.parse(message("Content-Type: text/plain", "", "naïve"))
        #expect(utf8.text == "naïve")
        var latin = message("Content-Type: text/plain; charset=us-ascii", "", "")
        latin += [0x6E, 0x61, 0xEF, 0x76, 0x65]
        let parsed = MIMEParser.parse(latin)
        #expect(parsed.text == "naïve")
        #expect(parsed.defects.map(\.kind) == [.invalidCharsetData])
    }

    @Test("an unknown charset decodes best-effort with replacement characters and a defect")
    func unknownCharset() {
        var bytes = message("Subject: =?x-martian?Q?caf=E9?=", "Content-Type: text/plain; charset=x-martian", "", "")
        bytes += [0x63, 0x61, 0x66, 0xE9, 0x00, 0xFF]
        let parsed = MIMEParser.parse(bytes)
        #expect(parsed.text == "caf\u{FFFD}\u{0}\u{FFFD}")
        #expect(parsed.subject == "caf\u{FFFD}")
        #expect(parsed.defects.map(\.kind) == [.unknownCharset])
        #expect(Charset(label: "x-martian") == nil)
    }

    @Test("invalid bytes in a known charset become U+FFFD and decoding continues")
    func invalidSequences() {
        let shiftJIS = Charset(label: "Shift_JIS")
        let (text, lossless) = shiftJIS?.decode([0x93, 0xFA, 0xFF, 0x96, 0x7B]) ?? ("", true)  // 日 <invalid> 本
        #expect(text == "日\u{FFFD}本")
        #expect(!lossless)
        let truncated = Charset(label: "utf-16le")?.decode([0x41, 0x00, 0x42])
        #expect(truncated?.string == "A\u{FFFD}")
        #expect(Charset(label: "EUC-KR")?.decode([]).string == "")
    }

    @Test("labels are matched case-insensitively, with quotes, aliases and RFC 2231 language suffixes")
    func labels() {
        #expect(Charset(label: " \"UTF8\" ")?.description == "UTF-8")
        #expect(Charset(label: "ks_c_5601-1987")?.description == "CP949")
        #expect(Charset(label: "Latin1")?.description == "windows-1252")
        #expect(Charset(label: "us-ascii*en")?.description == "US-ASCII")
    }
}

extension CharsetTests {
    @Test(
        "UTF-8 validation rejects overlongs, surrogates, values above U+10FFFF and truncation",
        arguments: [
            ([0xC0, 0x80], false), ([0xE0, 0x80, 0x80], false), ([0xED, 0xA0, 0x80], false),
            ([0xF4, 0x90, 0x80, 0x80], false),
            ([0xE2, 0x82], false), ([0x80], false), ([0xF8, 0x88, 0x80, 0x80, 0x80], false),
            ([0xF0, 0x9F, 0x8C, 0x8D], true), ([0xE2, 0x82, 0xAC], true), ([0xC3, 0xA9], true), ([0x41], true),
            ([], true),
        ] as [([UInt8], Bool)])
    func utf8Validation(bytes: [UInt8], valid: Bool) {
        #expect(Charset.utf8.decode(bytes).isLossless == valid)
    }
}
