/// The outcome of the recipient lookup requested by
/// ``SMTPSessionStateMachine/Action/checkRecipient(_:_:)``.
public enum RecipientCheckResult: Sendable, Hashable {
    /// The recipient is accepted; the machine replies `250 2.1.5`.
    case accepted
    /// The recipient is refused with this reply, for example `550 5.1.1` (unknown user,
    /// RFC 3463 X.1.1) or `451 4.3.0` (lookup failed). A 5xx reply counts toward
    /// ``SMTPSessionConfiguration/maxErrors``; a 4xx reply does not.
    case rejected(SMTPReply)
}
