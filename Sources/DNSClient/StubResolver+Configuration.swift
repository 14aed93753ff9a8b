#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension StubResolver {
    /// How the stub resolver reaches its name servers.
    ///
    /// Keys read by ``fromSystem(environment:resolvConfPath:)``:
    /// - `FASTSMTP_DNS_SERVERS`: comma-separated `ip[:port]`, IPv6 as `[addr]:port` (e.g.
    ///   `127.0.0.1:5353,[::1]:53`). When set and not blank it replaces resolv.conf.
    /// - otherwise `/etc/resolv.conf`: its `nameserver` lines and `options timeout:` / `attempts:`;
    /// - otherwise `127.0.0.1:53`.
    public struct Configuration: Sendable, Hashable {
        /// Asked in order; each attempt round goes through the whole list.
        public var servers: [DNSServerAddress]
        /// How long to wait for one answer from one server, over UDP or TCP.
        public var timeout: Duration
        /// Rounds over ``servers``: a lookup sends at most `servers.count * attempts` queries (plus a TCP retry
        /// after each truncated answer), so it ends within about `servers.count * attempts * timeout`.
        public var attempts: Int
        /// Cached answers at most; 0 disables the cache.
        public var cacheSize: Int
        /// Notes about the system configuration worth logging (resolv.conf lines that were ignored).
        public var diagnostics: [String] = []

        public init(
            servers: [DNSServerAddress],
            timeout: Duration = DNSDefaults.timeout,
            attempts: Int = DNSDefaults.attempts,
            cacheSize: Int = DNSDefaults.cacheSize
        ) {
            self.servers = servers
            self.timeout = timeout
            self.attempts = attempts
            self.cacheSize = cacheSize
        }

        /// Throws when the configuration cannot work, saying which value to fix.
        public func validate() throws(DNSConfigurationError) {
            guard !servers.isEmpty else { throw DNSConfigurationError("DNS: no name servers configured") }
            for server in servers where !(1...65_535).contains(server.port) {
                throw DNSConfigurationError("DNS: server \(server.ip) has port \(server.port), expected 1-65535")
            }
            guard timeout > .zero else { throw DNSConfigurationError("DNS: timeout must be positive, got \(timeout)") }
            guard timeout <= .seconds(300) else {
                throw DNSConfigurationError("DNS: timeout must be at most 300 seconds, got \(timeout)")
            }
            guard attempts >= 1 else {
                throw DNSConfigurationError("DNS: attempts must be at least 1, got \(attempts)")
            }
            guard cacheSize >= 0 else {
                throw DNSConfigurationError("DNS: cacheSize must not be negative, got \(cacheSize)")
            }
        }

        /// The configuration of this machine: `FASTSMTP_DNS_SERVERS`, else resolv.conf, else 127.0.0.1.
        public static func fromSystem(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            resolvConfPath: String = "/etc/resolv.conf"
        ) throws(DNSConfigurationError) -> Configuration {
            if let list = environment["FASTSMTP_DNS_SERVERS"], !list.trimmingWhitespace().isEmpty {
                return Configuration(servers: try parseServerList(list, source: "FASTSMTP_DNS_SERVERS"))
            }
            let text = try? String(contentsOfFile: resolvConfPath, encoding: .utf8)
            let resolvConf = ResolvConf(parsing: text ?? "")
            var configuration = Configuration(
                servers: resolvConf.nameservers.isEmpty
                    ? [DNSDefaults.fallbackServer] : resolvConf.nameservers,
                timeout: resolvConf.timeout ?? DNSDefaults.timeout,
                attempts: resolvConf.attempts ?? DNSDefaults.attempts
            )
            configuration.diagnostics = resolvConf.diagnostics.map { "\(resolvConfPath): \($0)" }
            if text == nil {
                configuration.diagnostics.append("\(resolvConfPath) not readable; using \(DNSDefaults.fallbackServer)")
            } else if resolvConf.nameservers.isEmpty {
                configuration.diagnostics.append(
                    "\(resolvConfPath) names no server; using \(DNSDefaults.fallbackServer)")
            }
            return configuration
        }

        /// Parses `ip[:port],…` (IPv6 as `[addr]:port`); `source` names the setting in error messages.
        public static func parseServerList(
            _ text: String, source: String = "FASTSMTP_DNS_SERVERS"
        ) throws(DNSConfigurationError) -> [DNSServerAddress] {
            var servers: [DNSServerAddress] = []
            for (index, item) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                guard !item.trimmingWhitespace().isEmpty else {
                    throw DNSConfigurationError("\(source): entry \(index + 1) is empty in '\(text)'")
                }
                do {
                    servers.append(try DNSServerAddress(parsing: item))
                } catch {
                    throw DNSConfigurationError("\(source): \(error.message)")
                }
            }
            return servers
        }
    }
}
