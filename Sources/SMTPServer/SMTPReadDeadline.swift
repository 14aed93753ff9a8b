import NIOCore

/// When a connection stops waiting for its client: the pure decision behind ``SMTPTimeoutHandler``.
///
/// Three clocks run while the server waits for the client; the earliest deadline wins:
/// - idle: no octet at all for `idleTimeout` (RFC 5321 section 4.5.3.2.7);
/// - command: the next command line is not complete `commandTimeout` after the server became ready for it, however
///   busily the client dribbles bytes (slowloris);
/// - data: the DATA content is not complete `dataTimeout` after the 354 reply, extended by one second per
///   `minDataRate` octets received (Apache `mod_reqtimeout`'s MinRate), so a big message on a slow but honest link
///   finishes while a trickle does not.
/// While the server itself is busy (a recipient lookup, storing a message) no clock runs.
struct SMTPReadDeadline: Sendable {
    enum Phase: Sendable, Hashable {
        /// Waiting for a command line (also for the greeting's reply and the PROXY header).
        case command
        /// Waiting for DATA content, after 354.
        case data
        /// The server is working; the client is not expected to send anything.
        case serverBusy
    }

    let idleTimeout: TimeAmount
    let commandTimeout: TimeAmount
    let dataTimeout: TimeAmount
    /// Octets per second; 0 adds no allowance.
    let minDataRate: Int
    private(set) var phase: Phase = .command
    private var phaseStart: NIODeadline
    private var lastActivity: NIODeadline
    private var octetsInPhase = 0

    init(
        idleTimeout: TimeAmount, commandTimeout: TimeAmount, dataTimeout: TimeAmount, minDataRate: Int, now: NIODeadline
    ) {
        self.idleTimeout = idleTimeout
        self.commandTimeout = commandTimeout
        self.dataTimeout = dataTimeout
        self.minDataRate = max(0, minDataRate)
        self.phaseStart = now
        self.lastActivity = now
    }

    /// The server moved to `phase` (it replied, or started working): that phase's clock starts now.
    mutating func enter(_ phase: Phase, at now: NIODeadline) {
        self.phase = phase
        phaseStart = now
        lastActivity = now
        octetsInPhase = 0
    }

    /// `count` octets arrived.
    mutating func received(_ count: Int, at now: NIODeadline) {
        lastActivity = now
        octetsInPhase += count
    }

    /// The moment the connection times out, or `nil` while the server is busy.
    var deadline: NIODeadline? {
        let idle = lastActivity + idleTimeout
        switch phase {
        case .serverBusy:
            return nil
        case .command:
            return min(idle, phaseStart + commandTimeout)
        case .data:
            var allowance = TimeAmount.zero
            if minDataRate > 0 {
                // Whole seconds plus the remainder in nanoseconds, without overflowing on huge counts.
                let seconds = Int64(octetsInPhase / minDataRate)
                let rest = Int64(octetsInPhase % minDataRate) * 1_000_000_000 / Int64(minDataRate)
                allowance = .seconds(min(seconds, 1 << 32)) + .nanoseconds(rest)
            }
            return min(idle, phaseStart + dataTimeout + allowance)
        }
    }

    /// Whether the connection has timed out at `now`.
    func isExpired(at now: NIODeadline) -> Bool {
        deadline.map { now >= $0 } ?? false
    }
}
