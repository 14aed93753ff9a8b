import NIOCore
import NIOPosix
import Testing

@testable import DNSClient

/// The real resolver against a real DNS server on 127.0.0.1 (``TestDNSServer``), over real UDP and TCP sockets.
@Suite("StubResolver on loopback")
struct StubResolverIntegrationTests {
    static func resolver(
        _ servers: [DNSServerAddress], timeout: Duration = .seconds(2), attempts: Int = 1,
        clock: ManualClock = ManualClock()
    ) throws -> StubResolver {
        try StubResolver(
            configuration: .init(servers: servers, timeout: timeout, attempts: attempts, cacheSize: 100), clock: clock)
    }

    static func ip(_ text: String) -> IPAddress {
        guard let address = IPAddress(text) else { preconditionFailure("bad address \(text)") }
        return address
    }

    /// Seconds taken by `body`.
    static func seconds(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test func answersEveryTypeOverUDP() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            #expect(try await dns.a("a.test") == [Self.ip("192.0.2.1"), Self.ip("192.0.2.2")])
            #expect(try await dns.aaaa("A.Test.") == [Self.ip("2001:db8::1")])
            #expect(try await dns.txt("a.test") == ["v=spf1 ip4:192.0.2.0/24 -all"])
            #expect(
                try await dns.mx("a.test") == [
                    MXRecord(preference: 10, exchange: "mx1.test"), MXRecord(preference: 20, exchange: "mx2.test"),
                ])
            #expect(try await dns.ptr(Self.ip("192.0.2.1").reverseName) == ["a.test"])
            #expect(try await dns.mx("nullmx.test") == [MXRecord(preference: 0, exchange: "")])
            #expect(server.seen.allSatisfy { !$0.overTCP && $0.hadEDNS })
            #expect(server.seen.count == 6)
        }
    }

    @Test func truncatedAnswerIsFetchedOverTCP() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            let records = try await dns.txt("big.test")
            #expect(records.count == TestZone.bigTXT.count)
            #expect(records.first == "record 0 " + String(repeating: "x", count: 90))
            #expect(server.seen.map(\.overTCP) == [false, true])
        }
    }

    @Test func nxdomainNoDataAndServfailStayApart() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            await #expect(throws: DNSError.nameDoesNotExist("nx.test")) { try await dns.txt("nx.test") }
            #expect(try await dns.a("nodata.test") == [])
            #expect(try await dns.txt("sub.test") == [])
            let failure = await #expect(throws: DNSError.self) { try await dns.txt("fail.test") }
            guard case .temporaryFailure(let reason) = failure else {
                Issue.record("SERVFAIL gave \(String(describing: failure))")
                return
            }
            #expect(reason.contains("SERVFAIL"))
            let refused = await #expect(throws: DNSError.self) { try await dns.txt("refused.test") }
            guard case .temporaryFailure(let refusedReason) = refused else {
                Issue.record("REFUSED gave \(String(describing: refused))")
                return
            }
            #expect(refusedReason.contains("REFUSED"))
        }
    }

    @Test func serverFailureTriesTheNextServer() async throws {
        try await TestDNSServer.with(mode: .rcode(.serverFailure)) { failing in
            try await TestDNSServer.with { good in
                let dns = try Self.resolver([failing.address, good.address])
                #expect(try await dns.a("a.test") == [Self.ip("192.0.2.1"), Self.ip("192.0.2.2")])
                #expect(failing.seen.count == 1)
                #expect(good.seen.count == 1)
            }
        }
    }

    /// Polls `condition` for up to a second: the test server logs a query on its own event loop, a moment after
    /// the resolver has sent it.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<250 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func silentServerTimesOutWithinBound() async throws {
        try await TestDNSServer.with(mode: .blackhole) { silent in
            // Timeouts long enough that a loaded CI machine still sends both queries within them.
            let dns = try Self.resolver([silent.address], timeout: .milliseconds(800), attempts: 2)
            var failure: DNSError?
            let elapsed = try await Self.seconds {
                failure = await #expect(throws: DNSError.self) { try await dns.a("a.test") }
            }
            guard case .temporaryFailure(let reason) = failure else {
                Issue.record("timeout gave \(String(describing: failure))")
                return
            }
            #expect(reason.contains("timed out"), "\(reason)")
            #expect(try await Self.eventually { silent.seen.count == 2 }, "seen \(silent.seen.count)")
            #expect(elapsed >= 1.55 && elapsed < 5, "took \(elapsed) s")
        }
    }

    @Test func timeoutFailsOverToTheNextServer() async throws {
        try await TestDNSServer.with(mode: .blackhole) { silent in
            try await TestDNSServer.with { good in
                // 1 s per server: on a loaded 2-core machine the good server's answer once took longer than 300 ms.
                let dns = try Self.resolver([silent.address, good.address], timeout: .seconds(1))
                var count = 0
                let elapsed = try await Self.seconds { count = try await dns.a("a.test").count }
                #expect(count == 2)
                #expect(elapsed >= 0.95 && elapsed < 5, "took \(elapsed) s")
            }
        }
    }

    @Test func unansweredNameTimesOut() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address], timeout: .milliseconds(800), attempts: 2)
            let failure = await #expect(throws: DNSError.self) { try await dns.a("silent.test") }
            guard case .temporaryFailure(let reason) = failure else {
                Issue.record("an unanswered query gave \(String(describing: failure))")
                return
            }
            #expect(reason.contains("timed out"), "\(reason)")
            #expect(try await Self.eventually { server.seen.count == 2 }, "seen \(server.seen.count)")
        }
    }

    @Test func closedPortFailsOver() async throws {
        // A UDP port with nothing behind it: ICMP port unreachable, or a timeout, then the next server.
        let probe = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(
            host: "127.0.0.1", port: 0
        ).get()
        let closedPort = try #require(probe.localAddress?.port)
        try await probe.close().get()
        try await TestDNSServer.with { good in
            let dns = try Self.resolver(
                [DNSServerAddress(ip: Self.ip("127.0.0.1"), port: closedPort), good.address],
                // The closed port fails at once (ICMP); the bound is the good server's, on a loaded 2-core machine.
                timeout: .seconds(2))
            #expect(try await dns.a("a.test").count == 2)
        }
    }

    @Test func mismatchedAnswersAreIgnored() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            // The server first sends a wrong id, a wrong question, a query and a wrong type, then the answer.
            #expect(try await dns.a("badid.test") == [Self.ip("192.0.2.7")])
            // A truncated (undecodable) copy of the answer comes first and is ignored.
            #expect(try await dns.a("malformed.test") == [Self.ip("192.0.2.13")])
        }
    }

    @Test func answerFromAnotherPortIsIgnored() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            // A forged answer with the right id and question arrives first, from another source port.
            #expect(try await dns.a("spoofed.test") == [Self.ip("192.0.2.8")])
        }
    }

    @Test func idsAndSourcePortsVary() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            for index in 0..<6 {
                _ = try? await dns.a("n\(index).test")
            }
            let seen = server.seen
            #expect(seen.count == 6)
            #expect(Set(seen.map(\.id)).count > 1)
            #expect(Set(seen.map(\.sourcePort)).count > 1)
        }
    }

    @Test func cnameChainsAreFollowed() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            // Inside one answer.
            #expect(try await dns.a("cname.test").count == 2)
            #expect(server.seen.count == 1)
            // Leaving the answer: the resolver asks again for the target.
            #expect(try await dns.txt("out.test") == ["v=spf1 ip4:192.0.2.0/24 -all"])
            #expect(server.seen.map(\.name) == ["cname.test", "out.test", "a.test"])
            // A loop across answers is a temporary failure, after a bounded number of queries.
            await #expect(throws: DNSError.temporaryFailure("CNAME loop at loop1.test")) {
                try await dns.a("loop1.test")
            }
            #expect(server.seen.count == 5)
        }
    }

    @Test func formatErrorToEDNSIsRetriedWithoutIt() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            #expect(try await dns.a("noedns.test") == [Self.ip("192.0.2.9")])
            #expect(server.seen.map(\.hadEDNS) == [true, false])
        }
    }

    @Test func cacheHonoursTTLs() async throws {
        try await TestDNSServer.with { server in
            let clock = ManualClock()
            let dns = try Self.resolver([server.address], clock: clock)
            func queries(_ name: String) -> Int { server.seen.filter { $0.name == name }.count }

            // Positive: TTL 30.
            #expect(try await dns.a("ttl.test") == [Self.ip("192.0.2.10")])
            clock.advance(by: .seconds(29))
            #expect(try await dns.a("TTL.test") == [Self.ip("192.0.2.10")])
            #expect(queries("ttl.test") == 1)
            clock.advance(by: .seconds(1))
            _ = try await dns.a("ttl.test")
            #expect(queries("ttl.test") == 2)

            // Negative, RFC 2308: min(SOA TTL 300, MINIMUM 60) = 60 s, NXDOMAIN and NODATA alike.
            await #expect(throws: DNSError.nameDoesNotExist("nx.test")) { try await dns.a("nx.test") }
            #expect(try await dns.a("nodata.test") == [])
            clock.advance(by: .seconds(59))
            await #expect(throws: DNSError.nameDoesNotExist("NX.test")) { try await dns.a("NX.test") }
            #expect(try await dns.a("nodata.test") == [])
            #expect(queries("nx.test") == 1 && queries("nodata.test") == 1)
            clock.advance(by: .seconds(1))
            await #expect(throws: DNSError.nameDoesNotExist("nx.test")) { try await dns.a("nx.test") }
            #expect(queries("nx.test") == 2)

            // Not cached: TTL 0, NODATA without SOA, failures.
            _ = try await dns.a("zerottl.test")
            _ = try await dns.a("zerottl.test")
            #expect(try await dns.a("nosoa.test") == [])
            #expect(try await dns.a("nosoa.test") == [])
            _ = try? await dns.a("fail.test")
            _ = try? await dns.a("fail.test")
            #expect(queries("zerottl.test") == 2 && queries("nosoa.test") == 2 && queries("fail.test") == 2)

            // The chain's TTL is the smallest: cname.test (120) → a.test (3600).
            _ = try await dns.a("cname.test")
            clock.advance(by: .seconds(119))
            _ = try await dns.a("cname.test")
            #expect(queries("cname.test") == 1)
            clock.advance(by: .seconds(1))
            _ = try await dns.a("cname.test")
            #expect(queries("cname.test") == 2)

            dns.removeAllCachedAnswers()
            _ = try await dns.a("cname.test")
            #expect(queries("cname.test") == 3)
        }
    }

    @Test func invalidNamesDoNotReachTheNetwork() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            await #expect(throws: DNSError.nameDoesNotExist("")) { try await dns.a("") }
            await #expect(throws: DNSError.nameDoesNotExist("a..test")) { try await dns.a("a..test") }
            let long = String(repeating: "x", count: 64) + ".test"
            await #expect(throws: DNSError.nameDoesNotExist(long)) { try await dns.txt(long) }
            #expect(server.seen.isEmpty)
        }
    }

    @Test func concurrentLookupsAllComplete() async throws {
        try await TestDNSServer.with { server in
            let dns = try Self.resolver([server.address])
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let name = index % 2 == 0 ? "a.test" : "cname.test"
                        return try await dns.a(name).count
                    }
                }
                for try await count in group {
                    #expect(count == 2)
                }
            }
        }
    }
}
