import MIME

extension MailFacts {
    /// How a message is parsed for its facts — by the SMTP intake, the API's simulator and `fastsmtp rules simulate`
    /// alike, so they always see the same facts: the text and HTML bodies are kept up to 1 MiB only (four times
    /// ``RulesDefaults/maxInputBytes`` plus room for HTML markup), since a rule reads at most the first
    /// ``RulesDefaults/maxInputBytes`` of a body. The webhook payload is built from the stored message in full.
    public static let parseLimits = MIMELimits(maxBodyTextBytes: 4 * RulesDefaults.maxInputBytes)
}
