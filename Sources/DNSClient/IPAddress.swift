/// An IPv4 or IPv6 address as bytes, with the textual forms of RFC 4291 §2.2 / RFC 5952.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    /// 16 bytes, network order.
    case v6([UInt8])

    /// Parses dotted-quad IPv4 or any RFC 4291 IPv6 text form (`::`, embedded IPv4, a `%zone` is refused).
    public init?(_ text: some StringProtocol) {
        if let v4 = Self.parseV4(text) {
            self = .v4(v4)
        } else if let v6 = Self.parseV6(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// From 4 or 16 network-order bytes.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4: self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16: self = .v6(Array(bytes))
        default: return nil
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        case .v6(let bytes): bytes
        }
    }

    public var isIPv4: Bool { if case .v4 = self { true } else { false } }

    /// `::ffff:a.b.c.d` as the IPv4 address it maps, else nil.
    public var ipv4Mapped: IPAddress? {
        guard case .v6(let b) = self, b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF else {
            return nil
        }
        return IPAddress(bytes: b[12..<16])
    }

    /// True when the first `prefixLength` bits equal those of `network` (same family only).
    public func isIn(network: IPAddress, prefixLength: Int) -> Bool {
        let (a, b) = (bytes, network.bytes)
        guard a.count == b.count, prefixLength >= 0, prefixLength <= a.count * 8 else { return false }
        var remaining = prefixLength
        for index in a.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a[index] & mask != b[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// Dotted quad, or RFC 5952 canonical IPv6 (lowercase, longest zero run compressed).
    public var description: String {
        switch self {
        case .v4:
            return bytes.map(String.init).joined(separator: ".")
        case .v6(let b):
            let groups = stride(from: 0, to: 16, by: 2).map { UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]) }
            var (bestStart, bestLength, start, length) = (-1, 0, -1, 0)
            for (i, g) in groups.enumerated() {
                if g == 0 {
                    if start < 0 { (start, length) = (i, 0) }
                    length += 1
                    if length > bestLength { (bestStart, bestLength) = (start, length) }
                } else {
                    start = -1
                }
            }
            if bestLength < 2 { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
            let head = groups[..<bestStart].map { String($0, radix: 16) }.joined(separator: ":")
            let tail = groups[(bestStart + bestLength)...].map { String($0, radix: 16) }.joined(separator: ":")
            return head + "::" + tail
        }
    }

    static func parseV4(_ text: some StringProtocol) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func parseV6(_ text: some StringProtocol) -> [UInt8]? {
        guard text.contains(":"), !text.contains("%") else { return nil }
        var groups: [UInt16] = []
        var tailStart: Int?
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        // The shortest address, "::", has three pieces; ":" alone must not read as "::".
        guard pieces.count >= 3 else { return nil }
        var index = 0
        while index < pieces.count {
            let piece = pieces[index]
            if piece.isEmpty {
                // "::" appears as an empty piece (two at the start or end); only one compression allowed.
                if index == 0 || index == pieces.count - 1 {
                    guard index + 1 < pieces.count ? pieces[index + 1].isEmpty : pieces[index - 1].isEmpty else {
                        return nil
                    }
                    if tailStart == nil { tailStart = groups.count }
                    index += (index == 0) ? 2 : 1
                    continue
                }
                guard tailStart == nil else { return nil }
                tailStart = groups.count
            } else if index == pieces.count - 1, piece.contains("."), let v4 = parseV4(piece) {
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
            } else {
                // h16 = 1*4HEXDIG (UInt16(_:radix:) alone would also take a "+" or "-" sign).
                guard piece.count <= 4, piece.allSatisfy(\.isHexDigit), let group = UInt16(piece, radix: 16) else {
                    return nil
                }
                groups.append(group)
            }
            index += 1
        }
        if let tailStart {
            guard groups.count < 8 else { return nil }
            groups.insert(contentsOf: repeatElement(0, count: 8 - groups.count), at: tailStart)
        }
        guard groups.count == 8 else { return nil }
        return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
