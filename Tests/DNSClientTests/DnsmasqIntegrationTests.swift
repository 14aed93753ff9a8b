import DNSClient
import Foundation
import Testing

/// The resolver against dnsmasq, a DNS implementation we did not write. Runs when `dnsmasq-base` is installed;
/// with `FASTSMTP_TEST_REQUIRE_DNSMASQ=1` (set by .ci/run) its absence is a failure instead of a skip.
@Suite("StubResolver against dnsmasq", .enabled(if: Dnsmasq.binary != nil, "dnsmasq-base is not installed"))
struct DnsmasqIntegrationTests {
    static func resolver(_ server: Dnsmasq) throws -> StubResolver {
        try StubResolver(configuration: .init(servers: [server.address], timeout: .seconds(2), attempts: 1))
    }

    @Test func answersEveryType() async throws {
        try await Dnsmasq.with { server in
            let dns = try Self.resolver(server)
            #expect(try await dns.a("HOST.test") == [IPAddress("192.0.2.1")].compactMap { $0 })
            #expect(try await dns.aaaa("host.test") == [IPAddress("2001:db8::1")].compactMap { $0 })
            #expect(try await dns.txt("host.test") == ["v=spf1 ip4:192.0.2.0/24 -all"])
            #expect(try await dns.mx("host.test") == [MXRecord(preference: 10, exchange: "mx.host.test")])
            #expect(try await dns.ptr(IPAddress("192.0.2.1")?.reverseName ?? "") == ["host.test"])
            #expect(try await dns.a("alias.test") == [IPAddress("192.0.2.1")].compactMap { $0 })
        }
    }

    @Test func truncatedAnswerIsFetchedOverTCP() async throws {
        try await Dnsmasq.with { server in
            let records = try await Self.resolver(server).txt("big.test")
            #expect(records.count == Dnsmasq.bigTXTCount)
            #expect(Set(records).count == Dnsmasq.bigTXTCount)
        }
    }

    @Test func nxdomainNoDataAndRefusedStayApart() async throws {
        try await Dnsmasq.with { server in
            let dns = try Self.resolver(server)
            await #expect(throws: DNSError.nameDoesNotExist("missing.test")) { try await dns.a("missing.test") }
            #expect(try await dns.ptr("host.test") == [])
            let refused = await #expect(throws: DNSError.self) { try await dns.a("elsewhere.example") }
            guard case .temporaryFailure(let reason) = refused else {
                Issue.record("REFUSED gave \(String(describing: refused))")
                return
            }
            #expect(reason.contains("REFUSED"))
        }
    }
}

@Test(
    "dnsmasq is installed when the environment requires it",
    .enabled(if: ProcessInfo.processInfo.environment["FASTSMTP_TEST_REQUIRE_DNSMASQ"] == "1"))
func dnsmasqIsInstalledWhenRequired() {
    #expect(
        Dnsmasq.binary != nil,
        "FASTSMTP_TEST_REQUIRE_DNSMASQ=1 but dnsmasq is not installed (apt-get install dnsmasq-base)")
}
