import DNSClient
import FastSMTPModels
import Foundation

/// Where webhooks may go (DESIGN §5), decided on the address actually connected to.
///
/// Every attempt resolves the URL's host once (``WebhookGuard``), checks every address against this policy, and
/// connects to the checked address (the HTTP client is pinned to it; SNI and `Host` stay the name), so neither a
/// numeric spelling of a denied address nor a name that re-resolves (DNS rebinding) reaches a denied network.
///
/// Denied always: link-local networks (169.254.0.0/16, fe80::/10, where cloud metadata services live), the metadata
/// addresses and names of the big clouds, 0.0.0.0/8 and multicast; `FASTSMTP_WEBHOOK_DENY_NETWORKS` adds networks.
/// `FASTSMTP_WEBHOOK_ALLOW_NETWORKS` lets an address through a denied network when the allow entry is more specific
/// (a longer prefix) than every denied network that holds it. Loopback and private ranges are allowed by default:
/// self-hosted n8n lives there.
public struct WebhookTarget: Sendable {
    /// Denied whatever the settings say (unless a more specific allow entry lets an address through).
    public static let defaultDeniedNetworks: [CIDRNetwork] = [
        "169.254.0.0/16", "fe80::/10", "0.0.0.0/8", "224.0.0.0/4", "ff00::/8", "fd00:ec2::254/128",
        "100.100.100.200/32",
    ].compactMap { CIDRNetwork($0) }

    /// Cloud metadata service names (compared without a trailing dot, case-insensitively).
    static let deniedHostNames: Set<String> = ["metadata.google.internal", "metadata", "instance-data"]

    public var denied: [CIDRNetwork]
    public var allowed: [CIDRNetwork]

    public init(denied: [CIDRNetwork] = [], allowed: [CIDRNetwork] = []) {
        self.denied = Self.defaultDeniedNetworks + denied
        self.allowed = allowed
    }

    /// The policy the settings describe (both lists were validated when the settings were loaded).
    public init(settings: Settings) {
        self.init(
            denied: settings.webhookDenyNetworks.compactMap { CIDRNetwork($0) },
            allowed: settings.webhookAllowNetworks.compactMap { CIDRNetwork($0) })
    }

    /// Why `ip` may not receive webhooks, or nil when it may.
    public func refusal(for ip: IPAddress) -> String? {
        let ip = ip.ipv4Mapped ?? ip
        let holding = denied.filter { $0.contains(ip) }
        guard let widest = holding.max(by: { $0.prefixLength < $1.prefixLength }) else { return nil }
        if allowed.contains(where: { $0.contains(ip) && $0.prefixLength > widest.prefixLength }) { return nil }
        return "webhooks may not target \(ip) (in the denied network \(widest))"
    }

    /// Why `host` may not receive webhooks by its name or literal form alone, or nil: a metadata name, or an address
    /// in any spelling (``WebhookHost/literalAddress(_:)``) that the policy refuses.
    public func refusal(forHost host: String) -> String? {
        let name = WebhookHost.normalizedName(host)
        if Self.deniedHostNames.contains(name) { return "webhooks may not target the cloud metadata service (\(name))" }
        if let ip = WebhookHost.literalAddress(host) { return refusal(for: ip) }
        return nil
    }
}

/// The forms a host of a webhook URL comes in.
public enum WebhookHost {
    /// Lower-cased, brackets and one trailing dot removed.
    public static func normalizedName(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }

    /// The address a host names by itself, in every numeric form a resolver accepts (`inet_aton`'s, which is what
    /// getaddrinfo and browsers use): dotted quads with 1–4 parts, each decimal, octal (`0` prefix) or hex (`0x`);
    /// one 32-bit number (`2852039166`, `0xa9fea9fe`); IPv6 in brackets, IPv4-mapped and -compatible forms
    /// included. Nil for a name.
    public static func literalAddress(_ host: String) -> IPAddress? {
        let name = normalizedName(host)
        if name.contains(":") {
            guard let ip = IPAddress(name) else { return nil }
            // ::a.b.c.d (IPv4-compatible, deprecated) reaches the IPv4 address on many stacks: treat it as one.
            if case .v6(let b) = ip, b[0..<12].allSatisfy({ $0 == 0 }), !(b[12] == 0 && b[13] == 0 && b[14] == 0) {
                return IPAddress(bytes: b[12..<16])
            }
            return ip.ipv4Mapped ?? ip
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard let value = number(part) else { return nil }
            values.append(value)
        }
        // The last part fills the remaining bytes: a.b.c.d, a.b.(16 bits), a.(24 bits), (32 bits).
        let leading = values.dropLast()
        guard leading.allSatisfy({ $0 <= 0xFF }), let last = values.last else { return nil }
        let lastBits = 8 * (5 - values.count)
        guard last < (UInt64(1) << lastBits) else { return nil }
        var address: UInt64 = 0
        for value in leading { address = address << 8 | value }
        address = address << lastBits | last
        return .v4(UInt32(address))
    }

    /// One part of an inet_aton address: decimal, `0`-prefixed octal or `0x`-prefixed hex; nil if it is not one.
    private static func number(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.count <= 34 else { return nil }
        if text.hasPrefix("0x") { return text.count == 2 ? 0 : UInt64(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0"), text.count > 1 { return UInt64(text.dropFirst(), radix: 8) }
        guard text.allSatisfy(\.isASCIIDigit) else { return nil }
        return UInt64(text)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
