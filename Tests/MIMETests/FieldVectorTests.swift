import Foundation
import MIME
import Testing

/// The header-field vectors of Stalwart mail-parser (`Fixtures/mail-parser/fields/*.json`).
///
/// Each vector is raw header text and mail-parser's parse. The raw text goes through our header unfolding first
/// (`X: <raw>`), so a following unindented line ends the field as it would in a message. Vectors where we
/// deliberately differ are listed with the reason; the test also fails if such a vector starts to match, so the
/// list stays true.
@Suite("mail-parser header field vectors")
struct FieldVectorTests {
    struct Vector {
        var index: Int
        var header: String
        var expected: Any
    }

    func vectors(_ name: String) throws -> [Vector] {
        let list = try #require(try Fixtures.json("mail-parser/fields/\(name)") as? [[String: Any]])
        return list.enumerated().map {
            Vector(
                index: $0.offset, header: $0.element["header"] as? String ?? "", expected: $0.element["expected"] as Any
            )
        }
    }

    /// Runs `check` on every vector; a vector listed in `differences` must not match, every other one must.
    func run(_ name: String, differences: [Int: String], check: (Vector) -> (matches: Bool, got: String)) throws {
        let all = try vectors(name)
        #expect(!all.isEmpty)
        var matched = 0
        for vector in all {
            let (matches, got) = check(vector)
            if let reason = differences[vector.index] {
                #expect(!matches, "\(name)[\(vector.index)] is listed as a difference (\(reason)) but now matches")
            } else {
                #expect(
                    matches,
                    "\(name)[\(vector.index)] \(vector.header.debugDescription): got \(got), expected \(vector.expected)"
                )
                if matches { matched += 1 }
            }
        }
        print("\(name): \(matched) of \(all.count) match, \(differences.count) documented differences")
    }

    @Test("unstructured.json: RFC 2047 decoding of unstructured text")
    func unstructured() throws {
        let differences = [
            2:
                "unfolding removes only the line break (RFC 5322 §2.2.3, as Python does); mail-parser also collapses the whitespace",
            3: "same as 2",
            4: "same as 2",
            19: "same as 2",
            21: "mail-parser inserts a space between text and a glued encoded word; we join them as written",
            22: "same: mail-parser adds a space after an empty encoded word glued to the next text",
            24: "folding inside a Q word: unfolding keeps the space, which Q text preserves (\"Hello  there!\")",
            25: "same as 24 with CRLF",
            26: "same as 24 with more whitespace",
            27: "mail-parser inserts a space between text and a glued encoded word (see 21)",
            28: "same as 27",
        ]
        try run("unstructured.json", differences: differences) { vector in
            let got = EncodedWord.decode(headerValue(vector.header))
            return (got == vector.expected as? String, got.debugDescription)
        }
    }

    @Test("address.json: address lists, groups, comments, obsolete syntax")
    func addresses() throws {
        // Compared: the flattened list of (address, name). mail-parser appends comments to names; we use a comment
        // only when there is no display name. Differences:
        let differences = [
            8: "name from the phrase only: \"Pete\" (mail-parser: \"Pete (A nice ) chap his account his host)\")",
            9: "same as 8, folded",
            10: "group and member names without their comments; the comment after the group is not an address",
            11: "a group holding only a comment has no member; mail-parser makes the comment a member name",
            13:
                "the obsolete route in <@node.test:mary@example.net> is dropped (RFC 5322 §4.4) and CFWS removed from \"jdoe@test  . example\"",
            14: "CFWS removed from the address (\"jdoe@machine.example\"); the comment is not appended to the name",
            22: "a comment after a name-addr does not extend the display name",
            33: "\"  James Smythe\" is trimmed to \"James Smythe\"",
            56: "mail-parser appends the comment to the name (\"Name Doe (comment)\"); we give \"Name Doe\"",
        ]
        try run("address.json", differences: differences) { vector in
            let got = EmailAddress.parseList(headerValue(vector.header))
            let expected = Self.expectedAddresses(vector.expected)
            let pairs = got.map { [$0.address, $0.name ?? "<nil>"] }
            return (pairs == expected, pairs.description)
        }
    }

    static func expectedAddresses(_ value: Any) -> [[String]] {
        guard let dict = value as? [String: Any] else { return [] }
        func pair(_ entry: Any) -> [String]? {
            guard let entry = entry as? [String: Any] else { return nil }
            let address = entry["address"] as? String
            let name = entry["name"] as? String
            if address == nil, name == nil { return nil }
            return [address ?? "", name ?? "<nil>"]
        }
        if let list = dict["List"] as? [Any] { return list.compactMap(pair) }
        if let groups = dict["Group"] as? [[String: Any]] {
            return groups.flatMap { ($0["addresses"] as? [Any] ?? []).compactMap(pair) }
        }
        return []
    }

    @Test("content_type.json: types, parameters, RFC 2231 continuations and charsets")
    func contentTypes() throws {
        let differences = [
            34:
                "encoded words separated by spaces are joined (RFC 2047 §6.2) inside quotes too: \"áéí.jpeg\" (mail-parser: \"á é í.jpeg\")",
            55:
                "unterminated quoted value: the field value's trailing whitespace is trimmed before parsing, so it is empty",
            56: "same as 55",
            61:
                "hostile RFC 2231 names: only well-formed `name*N*` sections are kept (what matters is no crash or blow-up)",
        ]
        try run("content_type.json", differences: differences) { vector in
            let parsed = ContentType(parsing: headerValue(vector.header))
            guard let expected = vector.expected as? [String: Any] else {
                return (parsed == nil, String(describing: parsed))
            }
            guard let parsed else { return (false, "nil") }
            let expectedType = expected["c_type"] as? String ?? ""
            let expectedSubtype = expected["c_subtype"] as? String ?? ""
            var expectedParameters: [String: String] = [:]
            for attribute in expected["attributes"] as? [[String]] ?? [] where attribute.count == 2 {
                expectedParameters[attribute[0]] = attribute[1]
            }
            var gotParameters: [String: String] = [:]
            for parameter in parsed.parameters {
                gotParameters[parameter.name] = parameter.value
                if let language = parameter.language { gotParameters[parameter.name + "-language"] = language }
            }
            let matches =
                parsed.type == expectedType.lowercased() && parsed.subtype == expectedSubtype.lowercased()
                && gotParameters == expectedParameters
            return (matches, "\(parsed.type)/\(parsed.subtype) \(gotParameters)")
        }
    }

    @Test("id.json: Message-ID lists")
    func messageIDs() throws {
        try run("id.json", differences: [:]) { vector in
            let got = MessageID.parseList(headerValue(vector.header)).map { String($0.dropFirst().dropLast()) }
            let expected = vector.expected as? [String] ?? []
            return (got == expected, got.description)
        }
    }

    @Test("date.json: RFC 5322 dates including obsolete forms")
    func dates() throws {
        let differences = [
            12: "\"4 8 15 16 23 42\" has no month name; we do not guess a date from bare numbers",
            10: "numeric month \"20 11 … 79\" is not RFC 5322; we need a month name",
        ]
        try run("date.json", differences: differences) { vector in
            let got = MailDate(parsing: headerValue(vector.header))
            guard let expected = vector.expected as? [String: Any] else { return (got == nil, String(describing: got)) }
            guard let got else { return (false, "nil") }
            let sign = (expected["tz_before_gmt"] as? Bool ?? false) ? -1 : 1
            let zone = sign * ((expected["tz_hour"] as? Int ?? 0) * 60 + (expected["tz_minute"] as? Int ?? 0))
            let want = MailDate(
                year: expected["year"] as? Int ?? 0, month: expected["month"] as? Int ?? 0,
                day: expected["day"] as? Int ?? 0,
                hour: expected["hour"] as? Int ?? 0, minute: expected["minute"] as? Int ?? 0,
                second: expected["second"] as? Int ?? 0, zoneOffsetMinutes: zone)
            return (got == want, String(describing: got))
        }
    }
}
