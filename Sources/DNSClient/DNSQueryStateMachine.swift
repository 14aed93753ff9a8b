/// Decides, for one question, which server to ask next and how; pure, so every path is tested without a network.
///
/// Order as glibc's resolver: `attempts` rounds, each asking every server in turn over UDP with EDNS0.
/// A truncated answer is asked again over TCP at the same server (RFC 7766 §5); a FORMERR to an EDNS query
/// from a server that shows no EDNS support is asked again without OPT (RFC 6891 §7); a timeout, a network
/// error or a SERVFAIL/REFUSED/NOTIMP answer moves on to the next server. NOERROR and NXDOMAIN are final.
struct DNSQueryStateMachine: Sendable {
    enum Transport: Hashable, Sendable {
        case udp(edns: Bool)
        case tcp
    }

    enum Action: Hashable, Sendable {
        /// Send the query to `servers[server]` and report what happened with ``receive(_:)``.
        case send(server: Int, transport: Transport)
        /// The last response is the answer (NOERROR or NXDOMAIN).
        case deliver
        /// No server gave a usable answer; the reason lists the last failure of each server.
        case fail(String)
    }

    enum Event: Hashable, Sendable {
        /// A response with RCODE NOERROR or NXDOMAIN.
        case answered
        /// A matching response with TC=1.
        case truncated
        /// A FORMERR without an OPT record in reply to a query with one.
        case formatErrorWithoutEDNS
        /// Any other RCODE, named.
        case errorResponse(String)
        case timedOut
        case networkError(String)

        /// Classifies an accepted response to a query that did (or did not) carry an OPT record.
        init(response: DNSMessage, sentEDNS: Bool) {
            let rcode = response.responseCode
            if rcode == .noError || rcode == .nameError {
                self = .answered
            } else if rcode == .formatError, sentEDNS, response.edns == nil {
                self = .formatErrorWithoutEDNS
            } else {
                self = .errorResponse("\(rcode)")
            }
        }
    }

    private enum State: Hashable, Sendable {
        case idle
        case waiting(server: Int, transport: Transport)
        case finished
    }

    private let servers: [String]
    private let attempts: Int
    private var state = State.idle
    private var round = 0
    private var ednsUnsupported: Set<Int> = []
    private var lastFailure: [Int: String] = [:]
    private(set) var queriesSent = 0

    /// - Parameters:
    ///   - servers: the servers' names for messages; their indices are the `server` of ``Action/send(server:transport:)``.
    ///   - attempts: rounds over the list, at least one.
    init(servers: [String], attempts: Int) {
        self.servers = servers
        self.attempts = max(1, attempts)
    }

    mutating func start() -> Action {
        guard case .idle = state else { preconditionFailure("DNSQueryStateMachine.start() called twice") }
        guard !servers.isEmpty else {
            state = .finished
            return .fail("no name servers configured")
        }
        return send(server: 0, transport: .udp(edns: true))
    }

    mutating func receive(_ event: Event) -> Action {
        guard case .waiting(let server, let transport) = state else {
            preconditionFailure("DNSQueryStateMachine received \(event) while \(state)")
        }
        switch (event, transport) {
        case (.answered, _):
            state = .finished
            return .deliver
        case (.truncated, .udp):
            return send(server: server, transport: .tcp)
        case (.truncated, .tcp):
            return next(after: server, failure: "truncated answer over TCP")
        case (.formatErrorWithoutEDNS, .udp(edns: true)):
            ednsUnsupported.insert(server)
            return send(server: server, transport: .udp(edns: false))
        case (.formatErrorWithoutEDNS, _):
            return next(after: server, failure: "FORMERR")
        case (.errorResponse(let rcode), _):
            return next(after: server, failure: rcode)
        case (.timedOut, _):
            return next(after: server, failure: transport == .tcp ? "timed out over TCP" : "timed out")
        case (.networkError(let reason), _):
            return next(after: server, failure: reason)
        }
    }

    private mutating func send(server: Int, transport: Transport) -> Action {
        state = .waiting(server: server, transport: transport)
        queriesSent += 1
        return .send(server: server, transport: transport)
    }

    private mutating func next(after server: Int, failure: String) -> Action {
        lastFailure[server] = failure
        var nextServer = server + 1
        if nextServer == servers.count {
            nextServer = 0
            round += 1
        }
        guard round < attempts else {
            state = .finished
            let reasons = servers.indices.map { "\(servers[$0]) \(lastFailure[$0] ?? "not asked")" }
            return .fail("no usable answer after \(queriesSent) queries: " + reasons.joined(separator: "; "))
        }
        return send(server: nextServer, transport: .udp(edns: !ednsUnsupported.contains(nextServer)))
    }
}
