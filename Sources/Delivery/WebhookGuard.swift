import AsyncHTTPClient
import DNSClient
import FastSMTPModels
import Foundation
import NIOConcurrencyHelpers

/// Resolves a webhook URL's host once per attempt and checks every address against the ``WebhookTarget`` policy,
/// so the address checked is the address connected to (``PinnedHTTPClients``).
///
/// Names are looked up in the hosts file (read once, at start) and then with FastSMTP's own asynchronous DNS
/// resolver (A and AAAA), never with getaddrinfo on the thread pool SQLite also uses.
public struct WebhookGuard: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// Connect to `address` for `host`.
        case allowed(host: String, address: IPAddress)
        case refused(String)
        /// The name could not be resolved (a transport error: retried).
        case unresolved(String)
    }

    public let policy: WebhookTarget
    let resolver: (any DNSResolver)?
    let hosts: [String: [IPAddress]]
    static let resolveTimeout: Duration = .seconds(5)

    public init(policy: WebhookTarget, resolver: (any DNSResolver)?, hostsFile: String = "/etc/hosts") {
        self.policy = policy
        self.resolver = resolver
        self.hosts = Self.readHosts(hostsFile)
    }

    public func check(url: String) async -> Verdict {
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else {
            return .refused("webhook URL has no host")
        }
        if let reason = policy.refusal(forHost: host) { return .refused(reason) }
        let addresses: [IPAddress]
        if let literal = WebhookHost.literalAddress(host) {
            addresses = [literal]
        } else {
            let name = WebhookHost.normalizedName(host)
            if let known = hosts[name] {
                addresses = known
            } else {
                addresses = await resolve(name)
            }
            guard !addresses.isEmpty else { return .unresolved("cannot resolve webhook host \(name)") }
        }
        // Every address must be allowed: a name with one denied answer is refused, whichever would be picked.
        for address in addresses {
            if let reason = policy.refusal(for: address) {
                return .refused("\(host) resolves to \(address): \(reason)")
            }
        }
        return .allowed(host: host, address: addresses.first { $0.isIPv4 } ?? addresses[0])
    }

    private func resolve(_ name: String) async -> [IPAddress] {
        guard let resolver else { return [] }
        let found = try? await withTimeout(Self.resolveTimeout) {
            async let v4 = try? resolver.a(name)
            async let v6 = try? resolver.aaaa(name)
            return (await v4 ?? []) + (await v6 ?? [])
        }
        return found ?? []
    }

    /// `address name…` lines of a hosts file (comments and malformed lines skipped), by lower-cased name.
    static func readHosts(_ path: String) -> [String: [IPAddress]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var hosts: [String: [IPAddress]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.prefix { $0 != "#" }.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 2, let address = IPAddress(fields[0]) else { continue }
            for name in fields.dropFirst() {
                hosts[WebhookHost.normalizedName(String(name)), default: []].append(address)
            }
        }
        return hosts
    }
}

/// HTTP clients pinned to the address a host was checked at: AsyncHTTPClient's `dnsOverride` maps the URL's host to
/// that address, so the connection goes exactly there while SNI, certificate checks and `Host` keep the name.
/// One client per (host, address), reused while the host keeps resolving to it (connections stay alive); at most
/// ``limit`` of them, the least recently used shut down past it.
final class PinnedHTTPClients: Sendable {
    private struct State {
        var clients: [String: (client: HTTPClient, used: UInt64)] = [:]
        var clock: UInt64 = 0
    }

    let base: HTTPClient.Configuration
    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(base: HTTPClient.Configuration, limit: Int = 64) {
        self.base = base
        self.limit = limit
    }

    /// The client for `host` pinned to `address`.
    func client(host: String, address: IPAddress) -> HTTPClient {
        let key = "\(host)|\(address)"
        let (client, evicted) = state.withLockedValue { state -> (HTTPClient, HTTPClient?) in
            state.clock += 1
            if let entry = state.clients[key] {
                state.clients[key] = (entry.client, state.clock)
                return (entry.client, nil)
            }
            var configuration = base
            // Every spelling the client may take the host in maps to the checked address.
            let name = WebhookHost.normalizedName(host)
            configuration.dnsOverride = Dictionary(
                [host, name, "[\(name)]", name + "."].map { ($0, address.description) }, uniquingKeysWith: { a, _ in a }
            )
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            var evicted: HTTPClient?
            if state.clients.count >= limit, let oldest = state.clients.min(by: { $0.value.used < $1.value.used }) {
                state.clients[oldest.key] = nil
                evicted = oldest.value.client
            }
            state.clients[key] = (client, state.clock)
            return (client, evicted)
        }
        // Requests in flight on an evicted client finish first: shutdown waits for them.
        evicted?.shutdown { _ in }
        return client
    }

    func shutdown() async {
        let clients = state.withLockedValue { state -> [HTTPClient] in
            defer { state.clients = [:] }
            return state.clients.values.map(\.client)
        }
        for client in clients { try? await client.shutdown() }
    }
}
