import Foundation
import MIME
import Testing

@testable import Rules

/// Every field × every operator × case_sensitive × negate, against one message whose values are known.
@Suite("Rule conditions")
struct RuleConditionTests {
    static let facts = MailFacts(
        from: ["Alice@Example.COM", "bob@example.org"], to: ["support@example.com"], cc: ["CC@Example.net"],
        subject: "Hello World from Zürich",
        headers: [
            HeaderField(name: "X-Priority", value: "1"), HeaderField(name: "x-tag", value: "alpha"),
            HeaderField(name: "X-Tag", value: "Beta"),
        ],
        body: "Please find the INVOICE attached.", attachmentNames: ["Invoice.PDF", "notes.txt"],
        attachmentTypes: ["application/pdf", "text/plain"], size: 2048, clientIP: "192.0.2.10",
        helo: "mail.Example.net", mailFrom: "bounce@Example.net", tls: true, dkimResult: "pass", spfResult: "fail")
    static let recipient = "Support@example.com"

    /// A message with nothing optional: no subject, body, attachments, headers, verdicts or sender.
    static let bare = MailFacts(size: 10, clientIP: "2001:db8::1", helo: "h")

    /// Each string field and one of its values (the last, so that multi-valued fields test "any value").
    static let textFields: [(String, String)] = [
        ("from", "bob@example.org"), ("to", "support@example.com"), ("cc", "CC@Example.net"),
        ("subject", "Hello World from Zürich"), ("header:X-Tag", "Beta"), ("header:x-priority", "1"),
        ("body", "Please find the INVOICE attached."), ("has_attachment", "true"), ("dkim_result", "pass"),
        ("spf_result", "fail"), ("attachment_name", "notes.txt"), ("attachment_type", "text/plain"),
        ("size", "2048"), ("client_ip", "192.0.2.10"), ("helo", "mail.Example.net"),
        ("mail_from", "bounce@Example.net"), ("rcpt_to", "Support@example.com"), ("tls", "true"),
    ]

    static func swapCase(_ text: String) -> String {
        String(text.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) })
    }

    static func escaped(_ text: String) -> String {
        text.unicodeScalars.map { ".*+?()[]{}|^$\\/-".unicodeScalars.contains($0) ? "\\\($0)" : "\($0)" }.joined()
    }

    static func holds(
        _ field: String, _ op: String, _ value: String, caseSensitive: Bool = false, negate: Bool = false,
        facts: MailFacts = facts
    ) throws -> Bool {
        let condition = try RuleCondition(
            field: field, operator: op, value: value, caseSensitive: caseSensitive, negate: negate)
        var values = FieldValues(facts.values(of: condition.field, recipient: recipient))
        return condition.holds(for: &values)
    }

    struct TextCase: CustomTestStringConvertible, Sendable {
        var field: String
        var op: String
        var needle: String
        /// Whether the needle has letters whose case differs from the value's (then a case-sensitive rule fails).
        var caseDiffers: Bool
        var testDescription: String { "\(field) \(op) '\(needle)'" }
    }

    /// For each field: the value itself, its start, its end, a middle piece and a regex, all with swapped case.
    static let textCases: [TextCase] = textFields.flatMap { field, value -> [TextCase] in
        let scalars = Array(value)
        let half = max(1, scalars.count / 2)
        let prefix = String(scalars.prefix(half))
        let suffix = String(scalars.suffix(half))
        let middle = String(scalars.dropFirst(scalars.count / 4).prefix(max(1, scalars.count / 2)))
        func make(_ op: String, _ piece: String, regex: Bool = false) -> TextCase {
            let swapped = swapCase(piece)
            return TextCase(
                field: field, op: op, needle: regex ? escaped(swapped) : swapped, caseDiffers: swapped != piece)
        }
        return [
            make("equals", value), make("starts_with", prefix), make("ends_with", suffix),
            make("contains", middle), make("regex", middle, regex: true),
        ]
    }

    @Test(
        "text operators on every field: case folding by default, exact with case_sensitive, negate flips",
        arguments: textCases)
    func textOperators(_ c: TextCase) throws {
        #expect(try Self.holds(c.field, c.op, c.needle) == true)
        #expect(try Self.holds(c.field, c.op, c.needle, negate: true) == false)
        #expect(try Self.holds(c.field, c.op, c.needle, caseSensitive: true) == !c.caseDiffers)
        #expect(try Self.holds(c.field, c.op, c.needle, caseSensitive: true, negate: true) == c.caseDiffers)
    }

    @Test("a value no field has matches nowhere (and negated, everywhere)", arguments: textFields.map(\.0))
    func noMatch(_ field: String) throws {
        for op in ["equals", "contains", "starts_with", "ends_with", "regex"] {
            #expect(try Self.holds(field, op, "qqxyzzy") == false, "\(op)")
            #expect(try Self.holds(field, op, "qqxyzzy", negate: true) == true, "\(op)")
        }
    }

    @Test("exists: at least one value", arguments: textFields.map(\.0))
    func exists(_ field: String) throws {
        #expect(try Self.holds(field, "exists", ""))
        #expect(try !Self.holds(field, "exists", "", negate: true))
        let alwaysThere = ["has_attachment", "size", "client_ip", "helo", "rcpt_to", "tls"]
        #expect(try Self.holds(field, "exists", "", facts: Self.bare) == alwaysThere.contains(field))
    }

    @Test("multi-valued fields match when any value matches")
    func anyValue() throws {
        #expect(try Self.holds("from", "equals", "alice@example.com"))
        #expect(try Self.holds("from", "equals", "BOB@example.org"))
        #expect(try Self.holds("header:X-Tag", "equals", "alpha"))
        #expect(try Self.holds("header:X-TAG", "equals", "beta"))
        #expect(try !Self.holds("header:X-Tag", "equals", "gamma"))
        #expect(try Self.holds("attachment_type", "equals", "application/pdf"))
        #expect(try Self.holds("attachment_name", "ends_with", ".pdf"))
        #expect(try !Self.holds("attachment_name", "ends_with", ".pdf", caseSensitive: true))
        // negate of "any value matches" is "no value matches".
        #expect(try !Self.holds("from", "contains", "example.org", negate: true))
        #expect(try Self.holds("from", "contains", "example.net", negate: true))
    }

    @Test("gt and lt compare the size in bytes")
    func sizes() throws {
        #expect(try Self.holds("size", "gt", "2047"))
        #expect(try !Self.holds("size", "gt", "2048"))
        #expect(try Self.holds("size", "lt", "2049"))
        #expect(try !Self.holds("size", "lt", "2048"))
        #expect(try Self.holds("size", "lt", "2048", negate: true))
        #expect(try Self.holds("size", "equals", "2048"))
    }

    @Test("in_cidr: IPv4, IPv6, lists, v4-mapped clients")
    func networks() throws {
        #expect(try Self.holds("client_ip", "in_cidr", "192.0.2.0/24"))
        #expect(try Self.holds("client_ip", "in_cidr", "192.0.2.10"))
        #expect(try !Self.holds("client_ip", "in_cidr", "192.0.2.11/32"))
        #expect(try Self.holds("client_ip", "in_cidr", "10.0.0.0/8, 192.0.0.0/16"))
        #expect(try !Self.holds("client_ip", "in_cidr", "198.51.100.0/24"))
        #expect(try Self.holds("client_ip", "in_cidr", "198.51.100.0/24", negate: true))
        #expect(try Self.holds("client_ip", "in_cidr", "0.0.0.0/0"))
        #expect(try Self.holds("client_ip", "in_cidr", "2001:db8::/32", facts: Self.bare))
        #expect(try !Self.holds("client_ip", "in_cidr", "2001:db9::/32", facts: Self.bare))
        #expect(try !Self.holds("client_ip", "in_cidr", "192.0.2.0/24", facts: Self.bare))
        var mapped = Self.facts
        mapped.clientIP = "::ffff:192.0.2.10"
        #expect(try Self.holds("client_ip", "in_cidr", "192.0.2.0/24", facts: mapped))
    }

    @Test("Unicode case folding")
    func unicodeFolding() throws {
        #expect(try Self.holds("subject", "contains", "ZÜRICH"))
        #expect(try !Self.holds("subject", "contains", "ZÜRICH", caseSensitive: true))
        #expect(try Self.holds("subject", "regex", "z(ü|ue)rich$"))
        var greek = Self.facts
        greek.subject = "ΟΔΥΣΣΕΥΣ"
        #expect(try Self.holds("subject", "equals", "οδυσσευς", facts: greek))
        #expect(try Self.holds("subject", "equals", "οδυσσευσ", facts: greek))
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var field, op, value, attribute: String
        var testDescription: String { "\(field) \(op) '\(value)' → \(attribute)" }
    }

    @Test(
        "combinations that make no sense are refused with the attribute at fault",
        arguments: [
            Refusal(field: "subjekt", op: "equals", value: "x", attribute: "field"),
            Refusal(field: "header:", op: "equals", value: "x", attribute: "field"),
            Refusal(field: "header:Bad Name", op: "equals", value: "x", attribute: "field"),
            Refusal(field: "subject", op: "like", value: "x", attribute: "operator"),
            Refusal(field: "subject", op: "gt", value: "5", attribute: "operator"),
            Refusal(field: "size", op: "gt", value: "five", attribute: "value"),
            Refusal(field: "size", op: "lt", value: "-1", attribute: "value"),
            Refusal(field: "from", op: "in_cidr", value: "10.0.0.0/8", attribute: "operator"),
            Refusal(field: "client_ip", op: "in_cidr", value: "10.0.0.0/33", attribute: "value"),
            Refusal(field: "client_ip", op: "in_cidr", value: "10.0.0.0/+8", attribute: "value"),
            Refusal(field: "client_ip", op: "in_cidr", value: "", attribute: "value"),
            Refusal(field: "subject", op: "contains", value: "", attribute: "value"),
            Refusal(field: "subject", op: "equals", value: String(repeating: "x", count: 1001), attribute: "value"),
        ])
    func refused(_ r: Refusal) {
        #expect(throws: RuleDefinitionError.self) {
            try RuleCondition(field: r.field, operator: r.op, value: r.value)
        }
        do {
            _ = try RuleCondition(field: r.field, operator: r.op, value: r.value)
        } catch {
            #expect(error.attribute == r.attribute, "\(error)")
        }
    }

    @Test("field names round-trip")
    func fieldNames() {
        for (name, field) in RuleField.named {
            #expect(RuleField(parsing: name) == field)
            #expect(field.description == name)
        }
        #expect(RuleField(parsing: "header:X-Spam-Flag") == .header("X-Spam-Flag"))
        #expect(RuleField.header("X-Spam-Flag").description == "header:X-Spam-Flag")
    }

    @Test("the body is the text part, else the HTML's text; long values are capped")
    func bodySelection() {
        let html = MIMEParser.parse(
            Array(
                "From: a@example.org\r\nContent-Type: text/html\r\n\r\n<html><style>p{}</style><p>Win a&nbsp;<b>PRIZE</b> &amp; more</p><script>x()</script></html>\r\n"
                    .utf8))
        let facts = MailFacts(
            message: html, size: 10, clientIP: "192.0.2.1", helo: "h", mailFrom: "", tls: false, dkimResult: nil,
            spfResult: nil)
        #expect(facts.body == "Win a PRIZE & more")
        let long = String(repeating: "é", count: RulesDefaults.maxInputBytes)
        let capped = MailFacts(body: long).body ?? ""
        #expect(capped.utf8.count == RulesDefaults.maxInputBytes)
        #expect(capped.allSatisfy { $0 == "é" })
    }
}
