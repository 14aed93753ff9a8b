import Logging
import NIOConcurrencyHelpers
import NIOCore

/// What ``StubResolver`` delegates to; erases the clock type so the resolver itself is not generic.
protocol DNSLookupEngineProtocol: Sendable {
    func lookup(_ name: String, type: DNSType) async throws(DNSError) -> [DNSRecordData]
    func removeAllCachedAnswers()
}

/// Cache, CNAME chasing and the retry loop around the transport, for one clock.
final class DNSLookupEngine<C: Clock>: DNSLookupEngineProtocol where C.Duration == Duration, C.Instant: Sendable {
    let configuration: StubResolver.Configuration
    let serverAddresses: [SocketAddress]
    let transport: DNSTransport
    let clock: C
    let logger: Logger
    private let cache: NIOLockedValueBox<DNSCache<C.Instant>>

    init(
        configuration: StubResolver.Configuration, serverAddresses: [SocketAddress], group: any EventLoopGroup,
        clock: C, logger: Logger
    ) {
        self.configuration = configuration
        self.serverAddresses = serverAddresses
        self.transport = DNSTransport(group: group, logger: logger)
        self.clock = clock
        self.logger = logger
        self.cache = NIOLockedValueBox(DNSCache(capacity: configuration.cacheSize))
    }

    func removeAllCachedAnswers() {
        cache.withLockedValue { $0.removeAll() }
    }

    /// The records of `type` at `text`, CNAMEs followed; see ``DNSResolver`` for the contract.
    func lookup(_ text: String, type: DNSType) async throws(DNSError) -> [DNSRecordData] {
        // A name that cannot be written in DNS (empty label, label > 63 or name > 255 octets) cannot exist.
        guard !text.isEmpty, let name = DNSName(text) else { throw .nameDoesNotExist(text) }
        var current = name
        var visited: Set<DNSName> = [name]
        var hops = 0
        var chainTTL = UInt32.max
        while true {
            let key = DNSCache<C.Instant>.Key(name: current, type: type)
            if let cached = cache.withLockedValue({ $0.value(for: key, now: clock.now) }) {
                return try Self.result(cached, name: text)
            }
            let response = try await exchange(DNSQuestion(name: current, type: type))
            let answer = DNSAnswer(
                response: response, name: current, type: type, maxHops: DNSDefaults.maxCNAMEChain - hops)
            switch answer {
            case .records(let records, let ttl):
                store(.records(records), for: name, type: type, ttl: min(ttl, chainTTL))
                return records
            case .noData(let ttl):
                store(.noData, for: name, type: type, ttl: ttl.map { min($0, chainTTL) })
                return []
            case .nameError(let ttl):
                store(.nameError, for: name, type: type, ttl: ttl.map { min($0, chainTTL) })
                throw .nameDoesNotExist(text)
            case .alias(let target, let count, let ttl):
                hops += count
                guard hops < DNSDefaults.maxCNAMEChain else {
                    throw .temporaryFailure("CNAME chain from \(name) longer than \(DNSDefaults.maxCNAMEChain)")
                }
                guard visited.insert(target).inserted else { throw .temporaryFailure("CNAME loop at \(target)") }
                chainTTL = min(chainTTL, ttl)
                current = target
            case .unusable(let reason):
                throw .temporaryFailure(reason)
            }
        }
    }

    /// Stores a final answer under the name first asked; without a TTL (no SOA in a negative answer) nothing
    /// is stored (RFC 2308 §5).
    private func store(_ value: DNSCache<C.Instant>.Value, for name: DNSName, type: DNSType, ttl: UInt32?) {
        guard let ttl else { return }
        let now = clock.now
        cache.withLockedValue { $0.insert(value, for: .init(name: name, type: type), ttl: ttl, now: now) }
    }

    private static func result(_ value: DNSCache<C.Instant>.Value, name: String) throws(DNSError) -> [DNSRecordData] {
        switch value {
        case .records(let records): return records
        case .noData: return []
        case .nameError: throw .nameDoesNotExist(name)
        }
    }

    /// Runs the query state machine for one question until a NOERROR/NXDOMAIN answer or the end of the attempts.
    private func exchange(_ question: DNSQuestion) async throws(DNSError) -> DNSMessage {
        var machine = DNSQueryStateMachine(
            servers: configuration.servers.map(\.description), attempts: configuration.attempts)
        var action = machine.start()
        var lastResponse: DNSMessage?
        while true {
            switch action {
            case .send(let server, let transportKind):
                guard !Task.isCancelled else { throw .temporaryFailure("lookup of \(question.name) cancelled") }
                let sentEDNS = transportKind != .udp(edns: false)
                let id = UInt16.random(in: .min ... .max)
                let query: [UInt8]
                do {
                    query = try DNSMessage.query(
                        id: id, question: question, ednsPayloadSize: sentEDNS ? DNSDefaults.ednsUDPPayloadSize : nil
                    ).encoded()
                } catch {
                    throw .temporaryFailure("cannot encode query for \(question.name): \(error)")
                }
                logger.trace(
                    "DNS query",
                    metadata: [
                        "dns.question": "\(question.name) \(question.type)",
                        "dns.server": "\(configuration.servers[server])", "dns.transport": "\(transportKind)",
                    ])
                let outcome = await transport.exchange(
                    query, matcher: DNSResponseMatcher(id: id, question: question), server: serverAddresses[server],
                    overTCP: transportKind == .tcp, timeout: configuration.timeout
                )
                let event: DNSQueryStateMachine.Event
                switch outcome {
                case .response(let message):
                    lastResponse = message
                    event = DNSQueryStateMachine.Event(response: message, sentEDNS: sentEDNS)
                case .truncated:
                    event = .truncated
                case .timedOut:
                    event = .timedOut
                case .failed(let reason):
                    event = .networkError(reason)
                }
                if event != .answered {
                    logger.debug(
                        "DNS server gave no usable answer",
                        metadata: [
                            "dns.question": "\(question.name) \(question.type)",
                            "dns.server": "\(configuration.servers[server])", "dns.event": "\(event)",
                        ])
                }
                action = machine.receive(event)
            case .deliver:
                guard let lastResponse else { throw .temporaryFailure("internal error: no response to deliver") }
                return lastResponse
            case .fail(let reason):
                throw .temporaryFailure("\(question.name) \(question.type): \(reason)")
            }
        }
    }
}
