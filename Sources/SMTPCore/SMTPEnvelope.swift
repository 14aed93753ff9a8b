/// The envelope of one mail transaction (RFC 5321 section 2.3.1): who said hello, the
/// reverse-path, the accepted forward-paths and the MAIL parameters.
///
/// Addresses are kept exactly as the client sent them (source routes removed).
public struct SMTPEnvelope: Sendable, Hashable {
    /// The EHLO/HELO argument.
    public var helo: String
    /// `true` if the session was opened with EHLO (extensions available).
    public var usedEHLO: Bool
    /// The reverse-path; `""` is the null sender `<>` (RFC 5321 section 4.5.5).
    public var mailFrom: String
    /// The accepted recipients, in the order they were accepted, without duplicates.
    public var recipients: [String]
    /// The `SIZE=` value of MAIL (RFC 1870), if given.
    public var declaredSize: Int?
    /// `true` for `BODY=8BITMIME` (RFC 6152); `false` for `BODY=7BIT` or no BODY.
    public var body8BitMIME: Bool
    /// `true` if MAIL carried the `SMTPUTF8` parameter (RFC 6531).
    public var smtpUTF8: Bool

    public init(
        helo: String,
        usedEHLO: Bool,
        mailFrom: String,
        recipients: [String] = [],
        declaredSize: Int? = nil,
        body8BitMIME: Bool = false,
        smtpUTF8: Bool = false
    ) {
        self.helo = helo
        self.usedEHLO = usedEHLO
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.declaredSize = declaredSize
        self.body8BitMIME = body8BitMIME
        self.smtpUTF8 = smtpUTF8
    }
}
