import DNSClient
import Testing

@testable import MailAuth

/// Record selection and the RFC 7208 §12 grammar, term by term.
@Suite("SPFRecordParser")
struct SPFRecordParserTests {
    @Test(
        "record selection: v=spf1 then a space or the end (RFC 7208 §4.5)",
        arguments: [
            ("v=spf1", true), ("v=spf1 -all", true), ("V=SpF1 ~all", true), ("v=spf1 ", true),
            ("v=spf10", false), ("v=spf1mx", false), ("v=spf1\t-all", false), (" v=spf1 -all", false),
            ("spf2.0/pra -all", false), ("", false), ("v=spf", false),
        ] as [(String, Bool)])
    func selection(text: String, isSPF: Bool) {
        #expect(SPFRecordParser.isSPFRecord(text) == isSPF)
    }

    @Test("mechanisms, qualifiers and CIDR lengths")
    func mechanisms() throws {
        let record = try SPFRecordParser.parse(
            "v=spf1 +a -mx:example.org/24 ~ptr ?ip4:192.0.2.0/24 ip6:2001:db8::/32 a:%{d}.example.com/24//64 "
                + "exists:%{ir}.bl.example.org include:_spf.example.net ALL")
        let mechanisms = record.directives.map(\.mechanism)
        #expect(
            record.directives.map(\.qualifier) == [
                .pass, .fail, .softfail, .neutral, .pass, .pass, .pass, .pass, .pass,
            ])
        guard mechanisms.count == 9 else {
            Issue.record("got \(mechanisms)")
            return
        }
        #expect(mechanisms[0] == .a(nil, SPFDualCIDR()))
        guard case .mx(let target?, let cidr) = mechanisms[1] else {
            Issue.record("mx: \(mechanisms[1])")
            return
        }
        #expect(target.tokens == [.literal("example.org")])
        #expect(cidr == SPFDualCIDR(ip4: 24, ip6: 128))
        #expect(mechanisms[2] == .ptr(nil))
        #expect(mechanisms[3] == .ip4(IPAddress("192.0.2.0")!, prefixLength: 24))
        #expect(mechanisms[4] == .ip6(IPAddress("2001:db8::")!, prefixLength: 32))
        guard case .a(_, let dual) = mechanisms[5] else {
            Issue.record("a: \(mechanisms[5])")
            return
        }
        #expect(dual == SPFDualCIDR(ip4: 24, ip6: 64))
        #expect(mechanisms[8] == .all)
        #expect(record.directives[1].text == "-mx:example.org/24")
    }

    @Test("modifiers: redirect, exp, unknown ones ignored")
    func modifiers() throws {
        let record = try SPFRecordParser.parse(
            "v=spf1 -all moo.cow-far_out=man:dog/cat exp=explain.%{d} redirect=_spf.example.com")
        #expect(record.directives.count == 1)
        #expect(record.redirect?.tokens == [.literal("_spf.example.com")])
        #expect(record.explanation?.tokens.count == 2)
        #expect(try SPFRecordParser.parse("v=spf1  a   -all  ").directives.count == 2)
    }

    @Test(
        "syntax errors anywhere are permerrors",
        arguments: [
            "v=spf1 ip4:1.2.3.4 -all moo", "v=spf1 -all.", "v=spf1 -all:foobar", "v=spf1 -all/8",
            "v=spf1 ptr/0", "v=spf1 ptr:", "v=spf1 a:", "v=spf1 a/33", "v=spf1 a//129", "v=spf1 a/24/64",
            "v=spf1 a/032", "v=spf1 a:foo-bar", "v=spf1 a:museum", "v=spf1 a:museum.", "v=spf1 a:abc.123",
            "v=spf1 a:example.-com", "v=spf1 a:example.com:8080", "v=spf1 a:foo.example.com\0",
            "v=spf1 include", "v=spf1 include:", "v=spf1 include:example.com/24", "v=spf1 exists",
            "v=spf1 exists:mail.example.com/24", "v=spf1 ip4", "v=spf1 ip4:1.2.3.4/33", "v=spf1 ip4:1.2.3.4/032",
            "v=spf1 ip4:1.2.3.4//32", "v=spf1 ip4:1.2.3", "v=spf1 ip4:1.2.3.4:8080", "v=spf1 ip4:01.2.3.4",
            "v=spf1 ip6", "v=spf1 ip6:::1/129", "v=spf1 ip6:::1//33", "v=spf1 ip6::CAFE::BABE", "v=spf1 ip6:1.2.3.4",
            "v=spf1 redirect:example.com", "v=spf1 1up=foo", "v=spf1 =all", "v=spf1 moo.cow/far_out=x",
            "v=spf1 redirect=", "v=spf1 redirect=-all", "v=spf1 exp=", "v=spf1 exp=-all",
            "v=spf1 exp=a.example.com exp=b.example.com", "v=spf1 redirect=a.example.com redirect=a.example.com",
            "v=spf1 foo=%abc", "v=spf1 exists:%(ir).sbl.example.com", "v=spf1 exists:foo%.sbl.example.com",
            "v=spf1 exists:%{a}.example.com", "v=spf1 exp=%{r}.example.com", "v=spf1 exists:%{d0}.example.com",
            "v=spf1 exists:%{d2r+}example", "v=spf1 exists:%{d", "v=spf1 exists:%{d*}.example.com",
            "v=spf1 a:ctrl.example.com\rptr", "v=spf1 \u{80}a", "v=spf1 a:\u{EF}garbage.example.net", "v=spf1 -",
        ])
    func syntaxErrors(text: String) {
        #expect(throws: SPFSyntaxError.self) { try SPFRecordParser.parse(text) }
    }

    @Test(
        "valid edge cases",
        arguments: [
            "v=spf1 a:foo:bar/baz.example.com", "v=spf1 a:foo.example.xn--zckzah", "v=spf1 a:%{H}",
            "v=spf1 a:macro%%percent%_%_space%-url-space.example.com", "v=spf1 default=+", "v=spf1 foo=",
            "v=spf1 include:o.spf.example.com.", "v=spf1 ip6:::FFFF:1.2.3.4", "v=spf1 ip4:1.1.1.1/0",
            "v=spf1 a//0 mx/0", "v=spf1 exists:%{l2r+-}.user.%{d2}", "v=spf1 exp=foo.%{o}.example.com",
            "v=spf1 unknown=%{c}%{r}%{t}", "v=spf1 exists:%{d999}.example.com", "v=spf1 a:123-456.example.123-456",
        ])
    func validEdgeCases(text: String) throws {
        _ = try SPFRecordParser.parse(text)
    }

    @Test("macro strings parse transformers and delimiters")
    func macroTokens() throws {
        let string = try SPFMacroString(parsing: Array("%{L2r+-}.x.%{ir}%%%_%-".utf8), context: .explanation)
        #expect(
            string.tokens == [
                .macro(
                    SPFMacro(
                        letter: .localPart, urlEscape: true, rightParts: 2, reverse: true, delimiters: Array("+-".utf8))
                ),
                .literal(".x."),
                .macro(SPFMacro(letter: .ip, urlEscape: false, rightParts: nil, reverse: true, delimiters: [])),
                .literal("% %20"),
            ])
        #expect(throws: SPFSyntaxError.self) {
            try SPFMacroString(parsing: Array("two words".utf8), context: .modifierValue)
        }
        _ = try SPFMacroString(parsing: Array("The %{c} test. ".utf8), context: .explanation)
    }
}
