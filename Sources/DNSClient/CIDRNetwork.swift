/// Networks in CIDR notation, for the rules engine (`in_cidr`) and the webhook destination policy alike.

/// An IPv4 or IPv6 network (`192.0.2.0/24`, `2001:db8::/32`, or one address).
public struct CIDRNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ ("0"..."9").contains($0) }), let length = Int(parts[1]),
                length <= maximum
            else {
                return nil
            }
            prefixLength = length
        } else {
            prefixLength = maximum
        }
        self.address = address
    }

    /// IPv4-mapped IPv6 clients (`::ffff:192.0.2.1`) match IPv4 networks.
    public func contains(_ candidate: IPAddress) -> Bool {
        if case .v4(let network) = address {
            // IPAddress.isIn on the 32-bit values, without its byte arrays.
            let value: UInt32
            switch candidate {
            case .v4(let plain): value = plain
            case .v6:
                guard case .v4(let mapped) = candidate.ipv4Mapped else { return false }
                value = mapped
            }
            let mask: UInt32 = prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - prefixLength)
            return value & mask == network & mask
        }
        return candidate.isIn(network: address, prefixLength: prefixLength)
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
