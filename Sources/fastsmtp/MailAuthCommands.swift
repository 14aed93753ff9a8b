import ArgumentParser
import DNSClient
import Foundation
import MailAuth

/// The resolver for the debug commands: `--dns-server` when given, else FASTSMTP_DNS_SERVERS or /etc/resolv.conf.
struct DNSOptions: ParsableArguments {
    @Option(name: .customLong("dns-server"), help: "Ask this DNS server (ip[:port]) instead of the system's.")
    var server: String?

    func resolver() throws -> StubResolver {
        do {
            let configuration =
                try server.map {
                    try StubResolver.Configuration(
                        servers: StubResolver.Configuration.parseServerList($0, source: "--dns-server"))
                }
                ?? StubResolver.Configuration.fromSystem()
            return try StubResolver(configuration: configuration)
        } catch {
            throw fail("\(error)", code: 2)
        }
    }
}

struct TestDKIM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-dkim",
        abstract: "Verify the DKIM signatures of a message file. Exit 0 when one passes, 1 otherwise."
    )
    @Argument(help: "An RFC 5322 message (LF or CRLF line endings).") var messageFile: String
    @OptionGroup var dns: DNSOptions

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: messageFile) else {
            throw fail("cannot read \(messageFile)", code: 2)
        }
        // Files on disk usually have LF endings; SMTP delivers CRLF (what signers signed).
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        let results = await DKIMVerifier(resolver: try dns.resolver()).verify(Array(text.utf8))
        if results.isEmpty { print("dkim=none (the message has no DKIM-Signature)") }
        for result in results {
            print(
                "dkim=\(result.result.rawValue) d=\(result.domain ?? "?") s=\(result.selector ?? "?") a=\(result.algorithm ?? "?")  \(result.reason)"
            )
        }
        if results.summary != .pass { throw ExitCode(1) }
    }
}

struct TestSPF: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-spf",
        abstract: "Evaluate SPF for a client IP and MAIL FROM. Exit 0 on pass, 1 otherwise."
    )
    @Argument(help: "The SMTP client's IP address.") var ip: String
    @Argument(help: "The MAIL FROM address ('' for a bounce: the HELO name is checked).") var mailFrom: String
    @Option(help: "The HELO/EHLO name.") var helo: String = "unknown"
    @OptionGroup var dns: DNSOptions

    func validate() throws {
        guard IPAddress(ip) != nil else { throw ValidationError("'\(ip)' is not an IPv4 or IPv6 address") }
    }

    func run() async throws {
        guard let address = IPAddress(ip) else { throw ExitCode(2) }
        let verdict = await SPFEvaluator(resolver: try dns.resolver()).evaluate(
            clientIP: address, mailFrom: mailFrom, helo: helo)
        print("spf=\(verdict.result.rawValue) domain=\(verdict.domain)  \(verdict.reason)")
        if let explanation = verdict.explanation { print("explanation: \(explanation)") }
        if verdict.result != .pass { throw ExitCode(1) }
    }
}
