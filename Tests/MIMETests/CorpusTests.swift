import Foundation
import MIME
import Testing

/// The message corpora in `Fixtures/` (provenance in `Fixtures/README.md`).
///
/// Every case is compared field by field; a case that differs must be listed with the fields that differ and why,
/// and a listed case must still differ in exactly those fields (so the list cannot go stale).
@Suite("Message corpora")
struct CorpusTests {
    /// Reads a corpus message as SMTP would deliver it: CRLF line endings. Files with NUL bytes hold raw binary
    /// (`Content-Transfer-Encoding: binary` UTF-16) that a line-ending conversion would corrupt; they are read as stored.
    static func load(_ path: String) throws -> [UInt8] {
        let bytes = try Fixtures.data(path)
        return bytes.contains(0) ? bytes : bytes.crlfNormalised
    }

    // MARK: - mail-parser (Stalwart; messages from RFCs and the Dovecot test suite)

    /// Compared per message: subject, From and To addresses, `text`, `html`, and the attachments (content type, file
    /// name, decoded content; for message/rfc822 type and name only) — the expected values are derived from
    /// mail-parser's JSON part tree by *our* selection rules (`ParsedMessage`), so the comparison checks the parse
    /// (structure, transfer and charset decoding) rather than the two libraries' different body-selection policies.
    /// Also the part tree: kind and content type of every part. Texts are compared without CR.
    static let mailParserDifferences: [String: (fields: Set<String>, reason: String)] = [
        "malformed/000.eml": (
            ["tree", "text", "html"],
            "parts whose header lines run straight into the next delimiter: we keep them as empty parts (so text and html are \"\"); mail-parser drops them"
        ),
        "malformed/009.eml": (
            ["tree", "attachments"],
            "an enclosing boundary (\"--1\") ends the unclosed inner multipart (RFC 2046 §5.1.2, as CPython does); mail-parser keeps it inside the inner part"
        ),
        "malformed/011.eml": (["tree", "attachments"], "same as malformed/009"),
        "malformed/012.eml": (["tree", "attachments"], "same as malformed/009, with message/rfc822 parts"),
        "malformed/017.eml": (
            ["attachments"],
            "`Content-Disposition: ;` with a filename parameter: we keep the file name (image001.png); mail-parser drops the field"
        ),
        "malformed/022.eml": (
            ["tree"],
            "a message/rfc822 body with no header: we still parse it as a message (all body, with a defect); mail-parser keeps a text leaf. The attachment is the same"
        ),
        "malformed/019.eml": (
            ["tree", "text", "attachments"],
            "a garbled (fuzzed) message: at a line that is not a header we start the body (RFC 5322 §2.1, CPython); mail-parser skips such lines"
        ),
        "malformed/020.eml": (
            ["tree", "text", "html"],
            "a part with two Content-Type fields: the first (multipart/alternative) wins as in CPython, and we find its delimiters; mail-parser uses the last (text/plain)"
        ),
        "malformed/021.eml": (["tree", "text", "html"], "same as malformed/020"),
        "rfc/000.eml": (
            ["attachments"],
            "\"base64\" bodies that are placeholder prose: we decode leniently (garbage plus an invalidBase64 defect, as Python does); mail-parser falls back to the raw text"
        ),
        "rfc/001.eml": (
            ["from", "to"],
            "\"From: Whomever\": a single word is a local-part address (as Python reads it); mail-parser makes it a name without address"
        ),
        "rfc/004.eml": (["from", "to"], "same as rfc/001 (\"Moderator-Address\")"),
        "thirdparty/002.eml": (
            ["attachments"],
            "invalid UTF-8 and invalid base64 in text attachments: replacement characters differ (lenient base64 decodes the garbage)"
        ),
        "thirdparty/005.eml": (
            ["attachments"],
            "\"invalid--1--\": a boundary in the middle of a line is content for us (RFC 2046 requires it at a line start); mail-parser ends the part there"
        ),
        "thirdparty/015.eml": (
            ["tree", "attachments"],
            "encapsulated messages whose header section runs into the outer delimiter: the delimiter ends them, giving three message/rfc822 attachments; mail-parser lets the first swallow the rest"
        ),
    ]

    static var mailParserCases: [String] {
        (try? ["rfc", "malformed", "thirdparty"].flatMap { try Fixtures.files(in: "mail-parser/\($0)", ext: "eml") })
            ?? []
    }

    @Test("mail-parser corpus", arguments: mailParserCases)
    func mailParser(path: String) throws {
        let message = MIMEParser.parse(try Self.load(path))
        let json = try #require(try Fixtures.json(String(path.dropLast(4)) + ".json") as? [String: Any])
        let expected = try #require(MailParserExpectation(json))
        var differing: Set<String> = []
        var notes: [String] = []
        func compare<T: Equatable>(_ field: String, _ got: T, _ want: T) {
            if got != want {
                differing.insert(field)
                notes.append("\(field): got \(got), expected \(want)")
            }
        }
        compare("subject", message.subject, expected.subject)
        compare("from", message.from.map(\.address), expected.from)
        compare("to", message.to.map(\.address), expected.to)
        compare("text", message.text?.withoutCR, expected.text?.withoutCR)
        compare("html", message.html?.withoutCR, expected.html?.withoutCR)
        compare("attachments", message.attachments.map(AttachmentSummary.init), expected.attachments)
        compare("tree", TreeNode(message.root), expected.tree)

        let key = String(path.dropFirst("mail-parser/".count))
        let listed = Self.mailParserDifferences[key]
        #expect(
            differing == listed?.fields ?? [],
            "\(key): \(listed?.reason ?? "no documented difference")\n\(notes.joined(separator: "\n"))")
    }

    @Test("mail-parser corpus: the list of differences names only existing cases")
    func mailParserListIsCurrent() {
        let cases = Set(Self.mailParserCases.map { String($0.dropFirst("mail-parser/".count)) })
        #expect(cases.count == 53)
        #expect(Set(Self.mailParserDifferences.keys).isSubset(of: cases))
        print(
            "mail-parser corpus: \(cases.count) messages compared, \(cases.count - Self.mailParserDifferences.count) match in every field, \(Self.mailParserDifferences.count) documented differences"
        )
    }

    // MARK: - CPython

    /// CPython's own parse (`structure.json`, compat32) of its test messages. Compared per message: the part tree
    /// (content type, parameters, file name, number of children) and, for leaves, the SHA-256 of the decoded body.
    /// The files are parsed as stored (LF), as the hashes were made from them; the tree must be the same for the
    /// CRLF form. CPython's defects must appear among ours (MultipartInvariantViolationDefect has no counterpart).
    /// Parameters CPython keeps with an empty value (`bo=""`) are malformed and we drop them; they are ignored.
    static let cpythonDifferences: [String: (fields: Set<String>, reason: String)] = [
        "msg_15.txt": (
            ["tree", "body", "defects"],
            "an inner multipart reusing its parent's boundary: the innermost multipart owns the delimiters (as Dovecot and mail-parser do), giving the tree the sender meant; CPython ends the inner one at once (StartBoundaryNotFound) and flattens the rest"
        ),
        "msg_39.txt": (["tree", "body", "defects"], "same as msg_15: alternatives that reuse the enclosing boundary"),
        "msg_16.txt": (
            ["tree", "body"],
            "message/delivery-status is one leaf for us (RFC 3464 status fields, delivered as an attachment); CPython splits it into header blocks"
        ),
        "msg_43.txt": (["tree", "body"], "same as msg_16"),
        "msg_36.txt": (
            ["tree", "body"],
            "message/external-body is a leaf (its body is only the phantom header, RFC 2046 §5.2.3); CPython parses every message/* as a message"
        ),
    ]

    static var cpythonCases: [String] {
        (try? Fixtures.files(in: "cpython", ext: "txt").filter { $0.contains("msg_") }) ?? []
    }

    @Test("CPython corpus", arguments: cpythonCases)
    func cpython(path: String) throws {
        let name = String(path.dropFirst("cpython/".count))
        let structure = try #require(try Fixtures.json("cpython/structure.json") as? [String: Any])
        let expected = try #require((structure["messages"] as? [String: Any])?[name] as? [String: Any])
        let raw = try Fixtures.data(path)
        let message = MIMEParser.parse(raw)
        let crlf = MIMEParser.parse(raw.crlfNormalised)
        #expect(
            CPythonNode(message.root, hashes: false) == CPythonNode(crlf.root, hashes: false),
            "\(name): tree depends on line endings")

        var differing: Set<String> = []
        var notes: [String] = []
        let want = CPythonNode(expected)
        let got = CPythonNode(message.root, hashes: true)
        if want.withoutHashes != got.withoutHashes {
            differing.insert("tree")
            notes.append("tree: got \(got.withoutHashes)\nexpected \(want.withoutHashes)")
        }
        if want.hashes != got.hashes {
            differing.insert("body")
            notes.append("bodies: got \(got.hashes) expected \(want.hashes)")
        }
        let ours = Set(message.defects.map(\.kind))
        let mapped: [String: MIMEDefect.Kind] = [
            "StartBoundaryNotFoundDefect": .startBoundaryNotFound,
            "CloseBoundaryNotFoundDefect": .closeBoundaryNotFound,
            "NoBoundaryInMultipartDefect": .noBoundary, "MissingHeaderBodySeparatorDefect": .missingHeaderBodySeparator,
        ]
        let missing = Self.defectNames(expected).compactMap { mapped[$0] }.filter { !ours.contains($0) }
        if !missing.isEmpty {
            differing.insert("defects")
            notes.append("defects missing: \(missing); ours: \(message.defects)")
        }

        let listed = Self.cpythonDifferences[name]
        #expect(
            differing == listed?.fields ?? [],
            "\(name): \(listed?.reason ?? "no documented difference")\n\(notes.joined(separator: "\n"))")
    }

    @Test("CPython corpus: the list of differences names only existing cases")
    func cpythonListIsCurrent() {
        let cases = Set(Self.cpythonCases.map { String($0.dropFirst("cpython/".count)) })
        #expect(cases.count == 48)
        #expect(Set(Self.cpythonDifferences.keys).isSubset(of: cases))
        print(
            "CPython corpus: \(cases.count) messages compared, \(cases.count - Self.cpythonDifferences.count) match, \(Self.cpythonDifferences.count) documented differences"
        )
    }

    static func defectNames(_ node: [String: Any]) -> [String] {
        (node["defects"] as? [String] ?? []) + (node["parts"] as? [[String: Any]] ?? []).flatMap(defectNames)
    }
}
