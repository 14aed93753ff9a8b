import FastSMTPAPITypes
import Foundation
import Testing

@testable import API

/// What openapi.yaml states is what the server accepts (#17.2): cursors of the documented shape always name a
/// position, patterns are matched as JSON Schema reads them, `null` only where the schema allows it, RFC 3339 dates
/// in all their forms.
@Suite("API contract")
struct APIContractTests {
    static let bounds = Result { try RequestBounds(document: APIServer.openAPIDocument) }

    @Test func idCursorsOfTheDocumentedShapeAreAllPositions() throws {
        let id = UUID()
        let cursor = Paging.encode(id)
        #expect(cursor.count == 22)
        #expect(try Paging.decodeUUID(cursor) == id)
        // Every string the IDCursor pattern admits decodes to some 16 bytes: random ones of that shape.
        let pattern = try #require(
            try Self.bounds.get().operation(method: "GET", path: "/api/v1/auth/keys")?
                .query["cursor"])
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let text =
                String((0..<21).map { _ in alphabet.randomElement(using: &generator)! })
                + String("AQgw".randomElement(using: &generator)!)
            #expect(pattern.stringProblem(text, at: "cursor") == nil, "\(text)")
            #expect(try Paging.decodeUUID(text) != nil, "\(text)")
        }
        #expect(pattern.stringProblem(String(cursor.dropLast()) + "B", at: "cursor") != nil, "bits past the 16 bytes")
        #expect(pattern.stringProblem(Paging.encode("alice"), at: "cursor") != nil, "a name cursor is not an id's")
    }

    @Test func nameCursorsRoundTripAndAnyBase64urlIsAPosition() throws {
        for name in ["alice", "example.com", "a", "xn--bcher-kva.example", String(repeating: "z", count: 140)] {
            #expect(try Paging.decode(Paging.encode(name)) == name)
        }
        let pattern = try #require(
            try Self.bounds.get().operation(method: "GET", path: "/api/v1/users")?
                .query["cursor"])
        for text in ["", "AA", "AAA", "AAAA", "_-_-_-", "zzzzzz", "0000000000"] {
            #expect(pattern.stringProblem(text, at: "cursor") == nil, "\(text)")
            #expect(try Paging.decode(text) != nil, "\(text)")
        }
        for text in ["A", "AAAAA", "a+b", "a=b", "é"] {
            #expect(pattern.stringProblem(text, at: "cursor") != nil, "\(text)")
        }
    }

    @Test func patternsEndAtTheEndOfTheInput() throws {
        let pattern = try RequestBounds.Pattern("^[a-z]+$", message: nil)
        #expect(pattern.matches("abc"))
        #expect(!pattern.matches("abc\n"), "ICU's $ would match before a final line break; JSON Schema's does not")
        #expect(RequestBounds.Pattern.icu("^[$a]+(x|y)$") == "^[$a]+(x|y)\\z")
        #expect(RequestBounds.Pattern.icu("^a\\$$") == "^a\\$\\z")
    }

    @Test func lengthsCountCodePointsAsJSONSchemaDoes() throws {
        let create = try #require(try Self.bounds.get().operation(method: "POST", path: "/api/v1/domains/x/rulesets"))
        // One grapheme cluster, 256 code points: too long for a 255-character name.
        let zalgo = "Z" + String(repeating: "\u{0301}", count: 255)
        #expect(zalgo.count == 1)
        #expect(create.body?.problem(["name": zalgo], at: "")?.field == "name")
    }

    @Test func nullOnlyWhereTheSchemaSaysNullable() throws {
        let bounds = try Self.bounds.get()
        let updateDomain = try #require(bounds.operation(method: "PUT", path: "/api/v1/domains/x"))
        #expect(updateDomain.body?.problem(["verify_spf": NSNull()], at: "") == nil)
        #expect(updateDomain.body?.problem(["is_enabled": NSNull()], at: "")?.field == "is_enabled")
        let updateUser = try #require(bounds.operation(method: "PUT", path: "/api/v1/users/x"))
        #expect(updateUser.body?.problem(["email": NSNull()], at: "") == nil)
        #expect(updateUser.body?.problem(["is_superuser": NSNull()], at: "")?.message == "must not be null")
    }

    @Test func headerNamesAndValuesFollowTheSchema() throws {
        let create = try #require(
            try Self.bounds.get().operation(method: "POST", path: "/api/v1/domains/x/recipients"))
        func problem(_ headers: [String: String]) -> String? {
            create.body?.problem(["webhook_url": "https://h.test/x", "webhook_headers": headers], at: "")?.message
        }
        #expect(problem(["Authorization": "Bearer x", "X-Trace_1": "a"]) == nil)
        #expect(problem(["Bad Name": "x"]) != nil)
        #expect(problem(["": "x"]) != nil)
        #expect(problem(["content-TYPE": "x"]) != nil, "set by FastSMTP")
        #expect(problem(["X-A": "a\r\nInjected: 1"]) != nil)
        #expect(problem(["X-A": "********"]) != nil, "how responses hide a value")
    }

    @Test func webhookURLsAreRFC3986() throws {
        let create = try #require(
            try Self.bounds.get().operation(method: "POST", path: "/api/v1/domains/x/recipients"))
        func refused(_ url: String) -> Bool { create.body?.problem(["webhook_url": url], at: "") != nil }
        for url in [
            "https://n8n.example.com/webhook/abc?x=1#f", "HTTP://h:65535", "http://[::1]:8080/x", "http://[fd00::5]/",
            "http://[::ffff:192.0.2.1]/", "http://h/%41",
        ] {
            #expect(!refused(url), "\(url)")
        }
        // Found by schemathesis: "[4Cb]" passed a looser host rule and broke clients that parse the stored URL.
        for url in [
            "http://[4Cb]/", "http://[1::2::3]/", "http://h:65536/", "http://u@h/", "http://h/a b", "http://h/%zz",
            "ftp://h/", "http://", "http://h/\n",
        ] {
            #expect(refused(url), "\(url)")
        }
    }

    /// Found by schemathesis: `uniqueItems` through NSSet crashed the server on an array of large doubles.
    @Test func uniqueItemsOfAnyJSONValues() throws {
        let reorder = try #require(
            try Self.bounds.get().operation(method: "POST", path: "/api/v1/domains/x/rulesets/y/reorder"))
        let numbers: [Any] = [9.700221890073437e+123, -8.782596980859616e-173, -2.0806659648684628e+223, -10000000.0]
        #expect(reorder.body?.problem(["rule_ids": numbers], at: "") == nil)  // the type is the decoder's to refuse
        let id = UUID().uuidString
        #expect(reorder.body?.problem(["rule_ids": [id, id]], at: "")?.message == "must not repeat an item")
    }

    @Test(
        "RFC 3339 date-times",
        arguments: [
            ("2026-12-02T10:00:00Z", 1_796_205_600.0),
            ("2026-12-02t10:00:00z", 1_796_205_600.0),
            ("2026-12-02T10:00:00.5Z", 1_796_205_600.5),
            ("2026-12-02T11:30:00+01:30", 1_796_205_600.0),
            ("2026-12-01T10:57:00-23:03", 1_796_205_600.0),
            ("1970-01-01T00:00:00Z", 0),
            ("0035-10-12T02:19:21-23:03", -61_038_052_659),
            ("2016-12-31T23:59:60Z", 1_483_228_799.999_999),
        ])
    func dates(text: String, seconds: Double) throws {
        let date = try RFC3339DateTranscoder().decode(text)
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_01, "\(text)")
    }

    @Test func malformedDatesAreRefused() {
        for text in [
            "2026-12-02", "2026-12-02T10:00:00", "2026-13-02T10:00:00Z", "2026-02-30T10:00:00Z",
            "2026-12-02T24:00:00Z", "2026-12-02T10:00:00.Z", "2026-12-02T10:00:00+1:00", "2026-12-02 10:00:00Z",
            "2026-12-02T10:00:00Zjunk",
        ] {
            #expect(throws: (any Error).self, "\(text)") { try RFC3339DateTranscoder().decode(text) }
        }
    }

    @Test("a cursor of the documented shape is answered, any other refused", arguments: TestDatabase.available)
    func cursors(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let made = "AAAAAAAAAAAAAAAAAAAAAA"
            #expect(
                try await api.call(.GET, "/api/v1/domains/a.test/recipients?cursor=\(made)", key: api.aliceKey)
                    .status == 200)
            #expect(try await api.call(.GET, "/api/v1/users?cursor=zzzz", key: api.rootKey).status == 200)
            let refused = try await api.call(.GET, "/api/v1/users?cursor=A", key: api.rootKey)
            #expect(refused.status == 422)
            #expect((refused.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "cursor")
        }
    }
}
