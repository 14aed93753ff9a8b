import DNSClient
import Delivery
import FastSMTPApp
import FastSMTPModels
import Foundation
import NIOConcurrencyHelpers
import Storage
import Testing

/// The SSRF guard: every spelling of a denied address is refused at send time, on the address actually connected to.
@Suite("Webhook guard")
struct WebhookGuardTests {
    /// Spellings that all mean 169.254.169.254 (the cloud metadata service) or another always-denied address.
    static let deniedHosts = [
        "169.254.169.254", "2852039166", "0xa9fea9fe", "0XA9FEA9FE", "0251.0376.0251.0376", "169.254.43518",
        "169.16689662", "0xa9.0xfe.0xa9.0xfe", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]",
        "[::169.254.169.254]", "169.254.169.254.", "[fe80::1]", "0.0.0.0", "0", "224.0.0.1", "[fd00:ec2::254]",
        "100.100.100.200", "metadata.google.internal", "Metadata.Google.Internal.", "instance-data",
    ]

    @Test("every numeric spelling of a denied address, and the metadata names, are refused", arguments: deniedHosts)
    func deniedSpellings(host: String) {
        #expect(WebhookTarget().refusal(forHost: host) != nil, "\(host) was allowed")
    }

    @Test("numeric forms mean what inet_aton makes of them")
    func literalForms() {
        let loopback = IPAddress("127.0.0.1")
        for spelling in [
            "127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "127.0.1", "[::ffff:127.0.0.1]",
        ] {
            #expect(WebhookHost.literalAddress(spelling) == loopback, "\(spelling)")
        }
        for name in ["example.com", "1.2.3.4.5", "256.1.1.1", "08.1.1.1", "n8n", "[::ffff:zz]"] {
            #expect(WebhookHost.literalAddress(name) == nil, "\(name) read as an address")
        }
        #expect(WebhookHost.literalAddress("[2001:db8::1]") == IPAddress("2001:db8::1"))
        for allowed in ["127.0.0.1", "10.0.0.1", "[::1]", "192.168.1.5", "example.com", "1.2.3.4"] {
            #expect(WebhookTarget().refusal(forHost: allowed) == nil, "\(allowed) was refused")
        }
    }

    @Test("an allow entry lets an address through only when more specific than the denied network")
    func allowMoreSpecific() throws {
        let policy = WebhookTarget(
            denied: [try #require(.init("127.0.0.0/8"))], allowed: [try #require(.init("127.0.0.1/32"))])
        #expect(policy.refusal(for: IPAddress("127.0.0.1")!) == nil)
        #expect(policy.refusal(for: IPAddress("127.0.0.2")!) != nil)
        let equal = WebhookTarget(
            denied: [try #require(.init("10.0.0.0/8"))], allowed: [try #require(.init("10.0.0.0/8"))])
        #expect(equal.refusal(for: IPAddress("10.1.1.1")!) != nil)
        // The always-denied networks give way to a more specific allow entry too.
        let metadata = WebhookTarget(allowed: [try #require(.init("169.254.10.0/24"))])
        #expect(metadata.refusal(for: IPAddress("169.254.10.1")!) == nil)
        #expect(metadata.refusal(for: IPAddress("169.254.169.254")!) != nil)
    }

    @Test(
        "at send time: loopback denied by the settings is refused in every spelling (no request), allowed by a more specific entry"
    )
    func refusedAtSendTime() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let receiver = WebhookReceiver()
        try await receiver.run {
            let port = try await receiver.port.value()
            let spellings = [
                "127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]", "localhost",
                "localhost.",
            ]
            for allow in [false, true] {
                let settings = TestServer.settings(databaseURL: url) {
                    $0.webhookDenyNetworks = ["127.0.0.0/8", "::1/128"]
                    $0.webhookAllowNetworks = allow ? ["127.0.0.1/32", "::1/128"] : []
                    $0.webhookMaxRetries = 0
                }
                try await TestServer.run(settings: settings) { server in
                    let domain = "d\(allow ? 1 : 0).example.com"
                    try await server.store.createDomain(domain)
                    var to: [String] = []
                    for (index, host) in spellings.enumerated() {
                        _ = try await server.store.createRecipient(
                            domain: domain, localPart: "r\(index)", webhookURL: "http://\(host):\(port)/hook")
                        to.append("r\(index)@\(domain)")
                    }
                    let transcript = try await SMTPTestClient.send(
                        port: server.smtpPort, to: to, message: SMTPTestClient.message(subject: "ssrf", to: to[0]))
                    let rows = try await server.waitForDeliveries(of: try #require(transcript.queueID)) { rows in
                        rows.count == spellings.count && rows.allSatisfy { $0.status != .pending }
                    }
                    for row in rows {
                        if allow {
                            #expect(row.status == .delivered, "\(row.webhookURL): \(row.lastError ?? "")")
                        } else {
                            #expect(row.status == .failed, "\(row.webhookURL) was \(row.status)")
                            #expect(row.lastError?.hasPrefix("refused:") == true, "\(row.lastError ?? "")")
                        }
                    }
                }
                #expect(receiver.received.count == (allow ? spellings.count : 0))
            }
        }
    }

    @Test("DNS rebinding: the request goes to the address that was checked; a later link-local answer is refused")
    func rebinding() async throws {
        let url = try await TestDatabase.sqlite.makeMigratedURL()
        let receiver = WebhookReceiver()
        let dns = RebindingResolver(name: "rebind.test", answers: ["127.0.0.1", "169.254.169.254"])
        try await receiver.run {
            let port = try await receiver.port.value()
            let settings = TestServer.settings(databaseURL: url) { $0.webhookMaxRetries = 0 }
            try await TestServer.run(settings: settings, dns: dns) { server in
                try await server.store.createDomain("example.com")
                _ = try await server.store.createRecipient(
                    domain: "example.com", localPart: "alice", webhookURL: "http://rebind.test:\(port)/hook")
                var outcomes: [DeliveryRecord] = []
                for subject in ["first", "second"] {
                    let transcript = try await SMTPTestClient.send(
                        port: server.smtpPort, to: ["alice@example.com"],
                        message: SMTPTestClient.message(subject: subject, to: "alice@example.com"))
                    outcomes += try await server.waitForDeliveries(of: try #require(transcript.queueID)) {
                        $0.first.map { $0.status != .pending } ?? false
                    }
                }
                // The name exists only in this resolver: the first request arrived because it was pinned to the
                // checked answer (the HTTP client resolved nothing itself).
                #expect(outcomes[0].status == .delivered, "\(outcomes[0].lastError ?? "")")
                #expect(outcomes[1].status == .failed)
                #expect(outcomes[1].lastError?.contains("169.254.169.254") == true, "\(outcomes[1].lastError ?? "")")
            }
            #expect(receiver.received.count == 1)
            #expect(dns.lookups == 2)
        }
    }
}

/// Answers A queries for one name with the next address of a list (then the last one), nothing else.
final class RebindingResolver: DNSResolver {
    let name: String
    let answers: [IPAddress]
    private let count = NIOLockedValueBox(0)

    init(name: String, answers: [String]) {
        self.name = name
        self.answers = answers.compactMap { IPAddress($0) }
    }

    var lookups: Int { count.withLockedValue { $0 } }

    func a(_ name: String) async throws(DNSError) -> [IPAddress] {
        guard name == self.name else { throw .nameDoesNotExist(name) }
        let index = count.withLockedValue { value in
            defer { value += 1 }
            return value
        }
        return [answers[min(index, answers.count - 1)]]
    }

    func aaaa(_ name: String) async throws(DNSError) -> [IPAddress] {
        guard name == self.name else { throw .nameDoesNotExist(name) }
        return []
    }

    func txt(_ name: String) async throws(DNSError) -> [String] { throw .nameDoesNotExist(name) }
    func mx(_ name: String) async throws(DNSError) -> [MXRecord] { throw .nameDoesNotExist(name) }
    func ptr(_ name: String) async throws(DNSError) -> [String] { throw .nameDoesNotExist(name) }
}
