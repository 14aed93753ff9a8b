/// Concurrent-connection accounting (pure; ``ConnectionRegistry`` holds it under a lock).
///
/// A connection is admitted while fewer than `maxConnections` are open in total and fewer than
/// `maxConnectionsPerIP` from its client's address; otherwise it is answered `421 4.7.0` and closed. Addresses are
/// compared as text, exactly (an IPv6 client with many addresses counts once per address).
struct ConnectionLimiter: Sendable {
    enum Decision: Sendable, Hashable {
        case admitted
        case tooManyConnections
        case tooManyFromAddress
    }

    let maxConnections: Int
    let maxConnectionsPerIP: Int
    private(set) var total = 0
    private(set) var perIP: [String: Int] = [:]

    init(maxConnections: Int, maxConnectionsPerIP: Int) {
        self.maxConnections = max(1, maxConnections)
        self.maxConnectionsPerIP = max(1, maxConnectionsPerIP)
    }

    mutating func admit(_ clientIP: String) -> Decision {
        if total >= maxConnections { return .tooManyConnections }
        let fromAddress = perIP[clientIP, default: 0]
        if fromAddress >= maxConnectionsPerIP { return .tooManyFromAddress }
        total += 1
        perIP[clientIP] = fromAddress + 1
        return .admitted
    }

    /// Releases an admitted connection.
    mutating func release(_ clientIP: String) {
        guard let count = perIP[clientIP] else {
            preconditionFailure("ConnectionLimiter.release(_:) for \(clientIP), which holds no admitted connection")
        }
        total -= 1
        perIP[clientIP] = count > 1 ? count - 1 : nil
    }
}
