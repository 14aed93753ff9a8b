import FastSMTPModels
import MailAuth
import NIOConcurrencyHelpers
import SMTPCore
import Storage

/// Per-domain DKIM/SPF policy: each domain's override where set (not nil), else the server setting.
struct MailPolicy: Sendable {
    var verifyDKIM: Bool
    var verifySPF: Bool
    var rejectDKIMFail: Bool
    var rejectSPFFail: Bool

    init(domain: DomainRecord, settings: Settings) {
        verifyDKIM = domain.verifyDKIM ?? settings.smtpVerifyDKIM
        verifySPF = domain.verifySPF ?? settings.smtpVerifySPF
        // Rejecting on a check that is not run would reject nothing: a reject flag implies its check.
        rejectDKIMFail = domain.rejectDKIMFail ?? settings.smtpRejectDKIMFail
        rejectSPFFail = domain.rejectSPFFail ?? settings.smtpRejectSPFFail
        verifyDKIM = verifyDKIM || rejectDKIMFail
        verifySPF = verifySPF || rejectSPFFail
    }

    static func spfRejection(_ verdict: SPFVerdict) -> SMTPReply {
        let why = verdict.explanation ?? "\(verdict.domain) does not designate this host as a permitted sender"
        return SMTPReply(550, "5.7.1", "SPF check failed: \(why)")
    }

    static func dkimRejection(_ signatures: [DKIMSignatureResult]) -> SMTPReply {
        let reason = signatures.first.map { "\($0.domain ?? "?"): \($0.reason)" } ?? "no signature"
        return SMTPReply(550, "5.7.20", "No valid DKIM signature (\(reason))")
    }
}

/// SPF verdicts computed at RCPT time, reused at the final dot of the same transaction (bounded; cleared as used).
final class SPFVerdictCache: Sendable {
    private let entries = NIOLockedValueBox<[String: SPFVerdict]>([:])
    static let capacity = 10_000

    static func key(connection: String, mailFrom: String, helo: String) -> String {
        "\(connection)\u{0}\(mailFrom)\u{0}\(helo)"
    }

    func get(_ key: String) -> SPFVerdict? { entries.withLockedValue { $0[key] } }

    func set(_ key: String, _ verdict: SPFVerdict) {
        entries.withLockedValue { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = verdict
        }
    }

    func remove(_ key: String) {
        _ = entries.withLockedValue { $0.removeValue(forKey: key) }
    }
}
