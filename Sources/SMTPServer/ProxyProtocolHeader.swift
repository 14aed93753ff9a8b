import NIOCore
import SMTPCore

/// A PROXY protocol header (HAProxy, proxy-protocol.txt), parsed without I/O.
///
/// A load balancer that terminates the client's TCP connection sends this header first, so the server learns the
/// real client address for SPF and logs. `source == nil` means the header carries no usable address (`LOCAL`,
/// `UNKNOWN`, `AF_UNSPEC` or `AF_UNIX`, typically the balancer's own health check): the TCP peer is used instead.
public struct ProxyProtocolHeader: Sendable, Hashable {
    public struct Endpoint: Sendable, Hashable {
        public var ip: String
        public var port: Int
    }

    public var version: Int
    public var source: Endpoint?
    public var destination: Endpoint?

    /// What ``parse(_:mode:)`` found at the start of the input.
    public enum ParseResult: Sendable, Hashable {
        /// A valid header of `length` octets; what follows it is the client's first data.
        case header(ProxyProtocolHeader, length: Int)
        /// A valid prefix; more input is needed.
        case incomplete
        /// Not a header this listener accepts; the connection is refused.
        case invalid(String)
    }

    /// The 12-octet signature that starts a version 2 header (section 2.2).
    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    static let v1Prefix = Array("PROXY ".utf8)
    /// Section 2.1: "a receiver may reject an incomplete line which does not contain the CRLF sequence in the first
    /// 107 characters".
    static let v1MaxLength = 107

    /// Parses the header at the start of `bytes`, accepting the versions `mode` allows.
    public static func parse(
        _ bytes: [UInt8], mode: ProxyProtocolMode, maxLength: Int = SMTPDefaults.maxProxyHeaderLength
    ) -> ParseResult {
        let allowsV1 = mode == .v1 || mode == .any
        let allowsV2 = mode == .v2 || mode == .any
        if allowsV2, bytes.starts(with: v2Signature.prefix(bytes.count)) {
            return bytes.count < v2Signature.count ? .incomplete : parseV2(bytes, maxLength: maxLength)
        }
        if allowsV1, bytes.starts(with: v1Prefix.prefix(bytes.count)) {
            return bytes.count < v1Prefix.count ? .incomplete : parseV1(bytes)
        }
        return .invalid("no PROXY protocol \(mode == .any ? "" : mode.rawValue + " ")header")
    }

    /// Version 1 (section 2.1):
    ///
    /// ```
    /// header = "PROXY" SP ( "TCP4" / "TCP6" ) SP src-ip SP dst-ip SP src-port SP dst-port CRLF
    ///        / "PROXY" SP "UNKNOWN" *( any octet but CR and LF ) CRLF
    /// ```
    static func parseV1(_ bytes: [UInt8]) -> ParseResult {
        guard let lf = bytes.prefix(v1MaxLength).firstIndex(of: 0x0A) else {
            return bytes.count >= v1MaxLength
                ? .invalid("PROXY v1 line longer than \(v1MaxLength) octets") : .incomplete
        }
        guard lf > 0, bytes[lf - 1] == 0x0D else { return .invalid("PROXY v1 line does not end with CRLF") }
        let line = bytes[..<(lf - 1)]
        let fields = line.split(separator: 0x20, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if fields.count >= 2, fields[1] == "UNKNOWN" {
            return .header(ProxyProtocolHeader(version: 1), length: lf + 1)
        }
        guard fields.count == 6, fields[1] == "TCP4" || fields[1] == "TCP6" else {
            return .invalid("malformed PROXY v1 line")
        }
        let family: NIOBSDSocket.ProtocolFamily = fields[1] == "TCP4" ? .inet : .inet6
        guard let source = endpoint(fields[2], fields[4], family: family),
            let destination = endpoint(fields[3], fields[5], family: family)
        else { return .invalid("bad address or port in PROXY v1 line") }
        return .header(ProxyProtocolHeader(version: 1, source: source, destination: destination), length: lf + 1)
    }

    /// Version 2 (section 2.2): signature, version/command, family/transport, a 16-bit length, then the addresses
    /// (and TLVs, which are skipped).
    static func parseV2(_ bytes: [UInt8], maxLength: Int) -> ParseResult {
        guard bytes.count >= 16 else { return .incomplete }
        let versionAndCommand = bytes[12]
        let familyAndTransport = bytes[13]
        let length = 16 + (Int(bytes[14]) << 8 | Int(bytes[15]))
        guard versionAndCommand >> 4 == 2 else {
            return .invalid("PROXY v2 header with version \(versionAndCommand >> 4)")
        }
        guard length <= maxLength else { return .invalid("PROXY v2 header of \(length) octets exceeds \(maxLength)") }
        guard bytes.count >= length else { return .incomplete }
        switch versionAndCommand & 0x0F {
        case 0x0:  // LOCAL: the balancer's own connection; addresses are ignored.
            return .header(ProxyProtocolHeader(version: 2), length: length)
        case 0x1:  // PROXY
            break
        default:
            return .invalid("PROXY v2 header with unknown command \(versionAndCommand & 0x0F)")
        }
        let body = Array(bytes[16..<length])
        switch familyAndTransport {
        case 0x00, 0x30, 0x31:  // AF_UNSPEC, AF_UNIX: no IP address
            return .header(ProxyProtocolHeader(version: 2), length: length)
        case 0x11 where body.count >= 12:  // TCP over IPv4: 4 + 4 address octets, 2 + 2 port octets
            return v2Addresses(body, addressLength: 4, length: length)
        case 0x21 where body.count >= 36:  // TCP over IPv6: 16 + 16 address octets, 2 + 2 port octets
            return v2Addresses(body, addressLength: 16, length: length)
        case 0x11, 0x21:
            return .invalid("PROXY v2 address block too short")
        default:
            return .invalid(
                "PROXY v2 header with unsupported family/transport 0x\(String(familyAndTransport, radix: 16))")
        }
    }

    private static func v2Addresses(_ body: [UInt8], addressLength n: Int, length: Int) -> ParseResult {
        func port(_ at: Int) -> Int { Int(body[at]) << 8 | Int(body[at + 1]) }
        guard let source = try? SocketAddress(packedIPAddress: ByteBuffer(bytes: body[0..<n]), port: port(2 * n)),
            let destination = try? SocketAddress(
                packedIPAddress: ByteBuffer(bytes: body[n..<(2 * n)]), port: port(2 * n + 2)),
            let sourceIP = source.ipAddress, let destinationIP = destination.ipAddress
        else { return .invalid("bad address in PROXY v2 header") }
        return .header(
            ProxyProtocolHeader(
                version: 2,
                source: Endpoint(ip: sourceIP, port: port(2 * n)),
                destination: Endpoint(ip: destinationIP, port: port(2 * n + 2))
            ), length: length)
    }

    /// An address of the given family and a port `0...65535` in plain decimal (no sign, no leading zeros).
    private static func endpoint(_ ip: String, _ port: String, family: NIOBSDSocket.ProtocolFamily) -> Endpoint? {
        guard (1...5).contains(port.utf8.count), port.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            port == "0" || !port.hasPrefix("0"), let number = Int(port), number <= 65535,
            let address = try? SocketAddress(ipAddress: ip, port: number), address.protocol == family
        else { return nil }
        return Endpoint(ip: address.ipAddress ?? ip, port: number)
    }
}
