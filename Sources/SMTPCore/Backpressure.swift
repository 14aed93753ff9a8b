/// When the queue behind SMTP grows faster than it drains, slow the senders, then refuse for a while, instead of
/// letting the backlog and its latency grow without bound.
///
/// Two measures: the pending deliveries (the queue the workers drain) and the writes waiting for the database (the
/// group commit's queue). Below the soft limit nothing changes. Between soft and hard the reply to the final dot is
/// delayed, in proportion to how far past the soft limit it is (up to ``maxDelay``): a sender with a few connections
/// slows down. Past the hard limit the message is refused with `451 4.3.2`: the sender keeps it and retries later,
/// nothing is lost.
public struct Backpressure: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        case proceed
        case delay(Duration)
        case refuse(SMTPReply)
    }

    /// Pending deliveries; 0 turns a limit off.
    public var backlogSoftLimit: Int
    public var backlogHardLimit: Int
    /// Writes waiting for the database.
    public var writesSoftLimit: Int
    public var writesHardLimit: Int
    public var maxDelay: Duration

    public static let refusal = SMTPReply(
        451, "4.3.2", "Too much mail is waiting to be delivered here; please try again later")

    public init(
        backlogSoftLimit: Int, backlogHardLimit: Int, writesSoftLimit: Int = 1024, writesHardLimit: Int = 4096,
        maxDelay: Duration = .seconds(2)
    ) {
        self.backlogSoftLimit = backlogSoftLimit
        self.backlogHardLimit = backlogHardLimit
        self.writesSoftLimit = writesSoftLimit
        self.writesHardLimit = writesHardLimit
        self.maxDelay = maxDelay
    }

    public func decide(pendingBacklog: Int, queuedWrites: Int) -> Decision {
        let pressures = [
            Self.pressure(pendingBacklog, soft: backlogSoftLimit, hard: backlogHardLimit),
            Self.pressure(queuedWrites, soft: writesSoftLimit, hard: writesHardLimit),
        ]
        let worst = pressures.max() ?? 0
        if worst >= 1 { return .refuse(Self.refusal) }
        if worst <= 0 { return .proceed }
        return .delay(maxDelay * worst)
    }

    /// 0 below `soft`, rising to 1 at `hard` (past it: refuse). A limit of 0 is off.
    static func pressure(_ value: Int, soft: Int, hard: Int) -> Double {
        if hard > 0, value >= hard { return 1 }
        guard soft > 0, value > soft else { return 0 }
        guard hard > soft else { return 0.5 }
        return Double(value - soft) / Double(hard - soft)
    }
}
