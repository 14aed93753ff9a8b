import NIOCore

/// A name server to ask: an IP address and a UDP/TCP port.
public struct DNSServerAddress: Sendable, Hashable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: Int

    public init(ip: IPAddress, port: Int = DNSDefaults.port) {
        self.ip = ip
        self.port = port
    }

    /// Parses `ip`, `ip:port`, `[ipv6]`, `[ipv6]:port`, or a bare IPv6 address (whose port is then 53).
    ///
    /// ```swift
    /// try DNSServerAddress(parsing: "127.0.0.1:5353")   // 127.0.0.1 port 5353
    /// try DNSServerAddress(parsing: "[2001:db8::1]:53") // 2001:db8::1 port 53
    /// ```
    public init(parsing text: some StringProtocol) throws(DNSConfigurationError) {
        let text = String(text).trimmingWhitespace()
        let host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw DNSConfigurationError("'\(text)' has '[' without ']' (write IPv6 as [addr]:port)")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else {
                    throw DNSConfigurationError("'\(text)' has text after ']' that is not ':port'")
                }
                portText = rest.dropFirst()
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text[...]
        }
        guard !host.isEmpty else { throw DNSConfigurationError("'\(text)' has no address") }
        guard let ip = IPAddress(host) else {
            throw DNSConfigurationError(
                "'\(host)' is not an IP address (expected ip[:port], IPv6 as [addr]:port; host names are not allowed)")
        }
        var port = DNSDefaults.port
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw DNSConfigurationError("'\(text)' has port '\(portText)', expected 1-65535")
            }
            port = value
        }
        self.init(ip: ip, port: port)
    }

    /// `192.0.2.1:53` or `[2001:db8::1]:53`.
    public var description: String {
        ip.isIPv4 ? "\(ip):\(port)" : "[\(ip)]:\(port)"
    }

    /// The address for a NIO bootstrap.
    public var socketAddress: SocketAddress {
        get throws { try SocketAddress(ipAddress: ip.description, port: port) }
    }

    /// From an IPv4 or IPv6 NIO address; nil for a UNIX socket.
    public init?(_ address: SocketAddress) {
        guard let text = address.ipAddress, let ip = IPAddress(text), let port = address.port else { return nil }
        self.init(ip: ip, port: port)
    }
}

/// A configuration that cannot be used, with a message that says what to fix.
public struct DNSConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        var text = Substring(String(self))
        while let first = text.first, isSpace(first) { text.removeFirst() }
        while let last = text.last, isSpace(last) { text.removeLast() }
        return text
    }
}
