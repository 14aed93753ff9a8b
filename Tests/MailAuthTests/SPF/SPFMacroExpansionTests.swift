import DNSClient
import Foundation
import Testing

@testable import MailAuth

/// Macro expansion (RFC 7208 §7), mostly the worked examples of §7.4.
@Suite("SPF macro expansion")
struct SPFMacroExpansionTests {
    /// §7.4: sender strong-bad@email.example.com, IPv4 192.0.2.3 / IPv6 2001:db8::cb01, PTR mx.example.org.
    static var zone: DNSZone {
        var zone = DNSZone()
        zone.add("3.2.0.192.in-addr.arpa", .ptr("mx.example.org"))
        zone.add("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", .ptr("mx.example.org"))
        zone.add("mx.example.org", .a("192.0.2.3"))
        zone.add("mx.example.org", .aaaa("2001:db8::cb01"))
        return zone
    }

    static func check(ip: String, resolver: ZoneResolver = ZoneResolver(zone)) -> SPFCheck {
        SPFCheck(
            resolver: resolver, limits: .rfc7208, ip: IPAddress(ip)!, domain: "email.example.com",
            sender: "strong-bad@email.example.com", helo: "mx.example.org", receivingHost: "mx.example.net",
            now: Date(timeIntervalSince1970: 1_700_000_000))
    }

    static func expand(
        _ text: String, ip: String = "192.0.2.3", context: SPFMacroString.Context = .explanation
    )
        async throws -> String
    {
        let string = try SPFMacroString(parsing: Array(text.utf8), context: context)
        return try await check(ip: ip).expand(string, domain: "email.example.com")
    }

    @Test(
        "RFC 7208 §7.4 single macros",
        arguments: [
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
        ])
    func singleMacros(macro: String, expansion: String) async throws {
        #expect(try await Self.expand(macro) == expansion)
    }

    @Test(
        "RFC 7208 §7.4 macro strings",
        arguments: [
            ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
            ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
            ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
            ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
            ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
        ])
    func macroStrings(string: String, expansion: String) async throws {
        #expect(try await Self.expand(string, context: .domainSpec) == expansion)
    }

    @Test("IPv6: %{i} is dotted nibbles, %{c} RFC 5952 text, %{v} ip6")
    func ipv6() async throws {
        // §7.4 prints the nibbles in lower case; they are emitted in upper case like pyspf (the openspf suite's
        // expected explanations depend on it), which DNS treats as the same name.
        let expanded = try await Self.expand("%{ir}.%{v}._spf.%{d2}", ip: "2001:db8::cb01")
        #expect(
            expanded.lowercased()
                == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com")
        #expect(try await Self.expand("%{c}", ip: "2001:db8::cb01") == "2001:db8::cb01")
        #expect(
            try await Self.expand("%{i}", ip: "2001:db8::cb01")
                == "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1")
    }

    @Test("explanation-only letters, URL escaping and the escapes %% %_ %-")
    func explanationLetters() async throws {
        #expect(try await Self.expand("%{c} %{r} %{t} %{h}") == "192.0.2.3 mx.example.net 1700000000 mx.example.org")
        #expect(try await Self.expand("%{L}=%{S}") == "strong-bad=strong-bad%40email.example.com")
        #expect(try await Self.expand("100%% %_%-") == "100%  %20")
    }

    @Test("%{p} is the validated name of the client, looked up once")
    func validatedName() async throws {
        let resolver = ZoneResolver(Self.zone)
        let check = Self.check(ip: "192.0.2.3", resolver: resolver)
        let string = try SPFMacroString(parsing: Array("%{p} %{p2}".utf8), context: .explanation)
        #expect(try await check.expand(string, domain: "email.example.com") == "mx.example.org example.org")
        #expect(resolver.queryCount(of: .ptr) == 1)
        let unknown = Self.check(ip: "192.0.2.4")
        #expect(try await unknown.expand(string, domain: "email.example.com") == "unknown unknown")
    }

    @Test("target names over 253 characters lose labels on the left (§7.3)")
    func truncation() {
        let label = String(repeating: "a", count: 59)  // 4 labels + "example.com" = 251 characters
        let long = ([label, label, label, label, label] + ["example", "com"]).joined(separator: ".")
        let truncated = SPFDomainName.queryName(long)
        #expect(truncated == ([label, label, label, label] + ["example", "com"]).joined(separator: "."))
        #expect(SPFDomainName.queryName("example.com.") == "example.com")
        #expect(SPFDomainName.queryName("mail.example...com") == nil)
        #expect(SPFDomainName.queryName(String(repeating: "b", count: 64) + ".example.com") == nil)
    }
}
