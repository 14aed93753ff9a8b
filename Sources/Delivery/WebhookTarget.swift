import DNSClient
import FastSMTPModels
import Foundation
import NIOCore
import NIOPosix

/// Where webhooks may not go (DESIGN §5): link-local networks and cloud metadata endpoints by default.
///
/// Checked twice: on the URL's host when a recipient is saved (literal addresses and known metadata names), and on
/// every resolved address just before each delivery (`check(url:)`). A name that re-resolves between the check and
/// the connection (DNS rebinding) is not caught; the default deny-list targets the metadata endpoints that matter.
public struct WebhookTarget: Sendable {
    public struct Network: Sendable, Hashable, CustomStringConvertible {
        public var address: IPAddress
        public var prefixLength: Int

        /// Parses `a.b.c.d/n`, `x::y/n` or a bare address (a host route).
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let address = IPAddress(parts[0]) else { return nil }
            let maxLength = address.isIPv4 ? 32 : 128
            let length = parts.count == 2 ? Int(parts[1]) : maxLength
            guard let length, (0...maxLength).contains(length) else { return nil }
            self.address = address
            self.prefixLength = length
        }

        public func contains(_ ip: IPAddress) -> Bool {
            let ip = ip.ipv4Mapped ?? ip
            return ip.isIn(network: address, prefixLength: prefixLength)
        }

        public var description: String { "\(address)/\(prefixLength)" }
    }

    public static let defaultDeniedNetworks: [Network] = [
        "169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32",
    ].compactMap(Network.init)

    static let resolveTimeout: Duration = .seconds(3)

    static let deniedHostNames: Set<String> = ["metadata.google.internal", "metadata", "instance-data"]

    /// Why `host` (a name or a literal address) may not receive webhooks, or nil if it may.
    public static func deniedReason(host: String, networks: [Network] = defaultDeniedNetworks) -> String? {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if deniedHostNames.contains(host) { return "webhooks may not target the cloud metadata service (\(host))" }
        if let ip = IPAddress(host), let network = networks.first(where: { $0.contains(ip) }) {
            return "webhooks may not target \(ip) (in the denied network \(network))"
        }
        return nil
    }

    /// Resolves the URL's host and refuses if any of its addresses is in a denied network.
    public static func check(url: String, networks: [Network] = defaultDeniedNetworks) async -> String? {
        guard let host = URLComponents(string: url)?.host else { return "webhook URL has no host" }
        if let reason = deniedReason(host: host, networks: networks) { return reason }
        if IPAddress(host) != nil { return nil }
        // Bounded: a name that does not resolve in time is left to the HTTP client, which fails on it the same way.
        let addresses = (try? await withTimeout(resolveTimeout) { try await resolve(host) }) ?? []
        for ip in addresses {
            if let network = networks.first(where: { $0.contains(ip) }) {
                return "webhook host \(host) resolves to \(ip), in the denied network \(network)"
            }
        }
        return nil
    }

    /// getaddrinfo on the blocking thread pool.
    static func resolve(_ host: String) async throws -> [IPAddress] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
            defer { freeaddrinfo(first) }
            var addresses: [IPAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let info = cursor {
                if let sockaddr = info.pointee.ai_addr {
                    switch Int32(info.pointee.ai_family) {
                    case AF_INET:
                        sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                            let raw = UInt32(bigEndian: sin.pointee.sin_addr.s_addr)
                            addresses.append(.v4(raw))
                        }
                    case AF_INET6:
                        sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                            let bytes = withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }
                            if let ip = IPAddress(bytes: bytes) { addresses.append(ip) }
                        }
                    default: break
                    }
                }
                cursor = info.pointee.ai_next
            }
            return addresses
        }
    }
}
