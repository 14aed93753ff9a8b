import Logging
import NIOCore
import NIOPosix

/// The DNS stub resolver: asks the configured recursive name servers over UDP (EDNS0, 1232-octet payload),
/// again over TCP when an answer is truncated, with a timeout per query and retries across the servers, and
/// keeps answers in a bounded cache for their TTL (negative answers per RFC 2308).
///
/// ```swift
/// let resolver = try StubResolver(configuration: .fromSystem(), logger: logger)
/// let spf = try await resolver.txt("example.org")
/// ```
///
/// Lookups throw ``DNSError/nameDoesNotExist(_:)`` only for NXDOMAIN, return `[]` for NODATA, and throw
/// ``DNSError/temporaryFailure(_:)`` when no server gave a usable answer within
/// `servers.count × attempts × timeout` (plus TCP retries). The resolver owns no task and no socket between
/// lookups: each query opens and closes its own channel on `eventLoopGroup`.
///
/// - SeeAlso: RFC 1035 §4.2 (UDP and TCP), RFC 6891 (EDNS0), RFC 7766 §5 (TCP on truncation),
///   RFC 5452 (id, port and question matching), RFC 2308 (negative caching).
public final class StubResolver: DNSResolver {
    public let configuration: Configuration
    private let engine: any DNSLookupEngineProtocol

    /// - Parameters:
    ///   - configuration: servers, timeout, attempts, cache size; validated here.
    ///   - eventLoopGroup: where the sockets live.
    ///   - logger: gets the configuration's ``Configuration/diagnostics`` as warnings, and a `debug` line for
    ///     each server that gave no usable answer.
    ///   - clock: the cache's time source (tests pass a manual clock). Network timeouts use real time.
    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "fastsmtp.dns", factory: { _ in SwiftLogNoOpLogHandler() }),
        clock: some Clock<Duration> = ContinuousClock()
    ) throws(DNSConfigurationError) {
        try configuration.validate()
        var addresses: [SocketAddress] = []
        for server in configuration.servers {
            do {
                addresses.append(try server.socketAddress)
            } catch {
                throw DNSConfigurationError("DNS: server \(server) is not usable: \(error)")
            }
        }
        for note in configuration.diagnostics {
            logger.warning("DNS configuration: \(note)")
        }
        self.configuration = configuration
        self.engine = DNSLookupEngine(
            configuration: configuration, serverAddresses: addresses, group: eventLoopGroup, clock: clock,
            logger: logger
        )
    }

    public func txt(_ name: String) async throws(DNSError) -> [String] {
        try await engine.lookup(name, type: .txt).compactMap { record in
            guard case .txt(let strings) = record else { return nil }
            return String(decoding: strings.joined(), as: UTF8.self)
        }
    }

    public func a(_ name: String) async throws(DNSError) -> [IPAddress] {
        try await engine.lookup(name, type: .a).compactMap { record in
            guard case .a(let address) = record else { return nil }
            return address
        }
    }

    public func aaaa(_ name: String) async throws(DNSError) -> [IPAddress] {
        try await engine.lookup(name, type: .aaaa).compactMap { record in
            guard case .aaaa(let address) = record else { return nil }
            return address
        }
    }

    /// MX records in answer order. A null MX (RFC 7505, `0 .`) has the empty string as exchange.
    public func mx(_ name: String) async throws(DNSError) -> [MXRecord] {
        try await engine.lookup(name, type: .mx).compactMap { record in
            guard case .mx(let preference, let exchange) = record else { return nil }
            return MXRecord(preference: preference, exchange: exchange.isRoot ? "" : exchange.description)
        }
    }

    public func ptr(_ name: String) async throws(DNSError) -> [String] {
        try await engine.lookup(name, type: .ptr).compactMap { record in
            guard case .ptr(let target) = record else { return nil }
            return target.isRoot ? "" : target.description
        }
    }

    /// Forgets every cached answer.
    public func removeAllCachedAnswers() {
        engine.removeAllCachedAnswers()
    }
}
