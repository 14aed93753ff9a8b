/// Why ``SMTPInputFramer`` refused DATA content. The content was read and discarded up to
/// the terminating `CRLF.CRLF`, so the connection is in sync for the next command.
public enum SMTPDataError: Sendable, Hashable, Error {
    /// The unstuffed content exceeded the maximum message size; the session replies
    /// `552 5.3.4` (RFC 1870 section 6, RFC 5321 section 4.5.3.1.10).
    case tooLarge
    /// A text line exceeded ``SMTPDefaults/maxTextLineLength`` octets including CRLF
    /// (RFC 5321 section 4.5.3.1.6); the session replies `500 5.6.0`.
    case lineTooLong
    /// The content held a CR or LF that was not part of a CRLF pair (RFC 5321 section 2.3.8);
    /// the session replies `554 5.6.0`. Such content is refused rather than normalised, so no
    /// later hop can read a second message out of it (SMTP smuggling).
    case bareLineEnding
    /// The content was read, but the server has no room for it now (the budget of message bytes in flight is
    /// used up); the session replies `451 4.3.1` and the client tries again later. Not the client's fault.
    case insufficientStorage
}
