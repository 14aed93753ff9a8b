import Crypto
import Delivery
import FastSMTPModels
import Foundation
import Logging
import MIME
import MailAuth
import Rules
import SMTPCore
import SMTPServer
import Storage
import Telemetry

/// Where SMTP meets storage: routes recipients and turns an accepted message into durable queue rows.
///
/// Invariant: `deliver` returns a queue id (→ `250`) only after the message and all its delivery rows are committed
/// in one transaction; a failure, or a database that cannot begin the transaction within the storage timeout, is
/// `451 4.3.0`, so the sender keeps the message and retries. A transaction that has begun is waited for and its real
/// outcome answered: never a 451 for a message that was committed.
struct MailIntake: SMTPTransactionDelegate {
    let store: Store
    let wakeup: DeliveryWakeup
    let settings: Settings
    /// DKIM/SPF; nil only when both checks are off everywhere is known in advance (tests may inject a zone).
    let authenticator: EmailAuthenticator?
    let spfCache = SPFVerdictCache()
    let storageTimeout: Duration
    let logger: Logger
    let metrics: ServerMetrics
    /// Slows, then refuses, senders while the queue is too long (``Backpressure``).
    let backpressure: Backpressure
    let backlog: BacklogGauge

    var instanceID: String { settings.instanceID }
    var hostname: String { settings.smtpHostname }

    /// RFC 3339 with milliseconds: orders messages received within one second, and times the path to the webhook.
    static let receivedAtFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static let storageFailure = SMTPReply(451, "4.3.0", "Temporary storage failure, please try again later")
    static let noSuchUser = SMTPReply(550, "5.1.1", "Recipient address rejected: no such user here")

    func checkRecipient(
        _ address: String, envelope: SMTPEnvelope, connection: SMTPConnectionInfo
    ) async -> RecipientCheckResult {
        let route: RecipientRoute?
        do {
            route = try await withTimeout(storageTimeout) { try await store.route(address: address) }
        } catch {
            metrics.storageError("recipient_lookup")
            logger.error(
                "recipient lookup failed",
                metadata: [
                    "smtp.session.id": "\(connection.id)", "smtp.client.ip": "\(connection.clientIP)",
                    "error": "\(String(reflecting: error))",
                ])
            return .rejected(Self.storageFailure)
        }
        guard let route else { return .rejected(Self.noSuchUser) }
        // SPF can be decided now, before the client sends the message (RFC 7208 §2.4 allows rejecting at RCPT).
        let policy = MailPolicy(domain: route.domain, settings: settings)
        if policy.rejectSPFFail, let verdict = await spf(envelope: envelope, connection: connection),
            verdict.result == .fail
        {
            logger.info(
                "recipient refused: SPF fail",
                metadata: [
                    "smtp.session.id": "\(connection.id)", "spf.domain": "\(verdict.domain)",
                    "spf.reason": "\(verdict.reason)",
                ])
            return .rejected(MailPolicy.spfRejection(verdict))
        }
        return .accepted
    }

    /// The transaction's SPF verdict, computed once.
    private func spf(envelope: SMTPEnvelope, connection: SMTPConnectionInfo) async -> SPFVerdict? {
        guard let authenticator else { return nil }
        let key = SPFVerdictCache.key(connection: connection.id, mailFrom: envelope.mailFrom, helo: envelope.helo)
        if let known = spfCache.get(key) { return known }
        let verdict = await authenticator.spf(
            clientIP: connection.clientIP, mailFrom: envelope.mailFrom, helo: envelope.helo)
        metrics.spfResult(verdict.result.rawValue)
        spfCache.set(key, verdict)
        return verdict
    }

    func deliver(
        _ envelope: SMTPEnvelope, message: [UInt8], connection: SMTPConnectionInfo
    ) async -> Result<String, SMTPReply> {
        let id = UUID()
        var logger = logger
        logger[metadataKey: "smtp.session.id"] = "\(connection.id)"
        logger[metadataKey: "smtp.client.ip"] = "\(connection.clientIP)"
        logger[metadataKey: "message.id"] = "\(id.uuidString.lowercased())"
        let spfKey = SPFVerdictCache.key(connection: connection.id, mailFrom: envelope.mailFrom, helo: envelope.helo)
        defer { spfCache.remove(spfKey) }
        do {
            // Before any work on the message: a refusal past the hard limit costs no lookup, DKIM or parse.
            switch backpressure.decide(pendingBacklog: backlog.pending, queuedWrites: store.database.queuedWrites) {
            case .proceed:
                break
            case .delay(let delay):
                metrics.backpressure("delayed")
                try? await Task.sleep(for: delay)
            case .refuse(let reply):
                metrics.backpressure("refused")
                logger.warning(
                    "message refused: the queue is past its hard limit",
                    metadata: [
                        "queue.pending": "\(backlog.pending)", "db.queued_writes": "\(store.database.queuedWrites)",
                    ])
                return .failure(reply)
            }
            let routes = try await withTimeout(storageTimeout) { try await currentRoutes(for: envelope) }
            guard !routes.isEmpty else {
                // Every recipient vanished between RCPT and the final dot (deleted or disabled meanwhile).
                logger.warning("no recipient is routable any more; message refused")
                return .failure(SMTPReply(550, "5.1.1", "Recipient addresses rejected: no longer accepted here"))
            }
            let auth = await authenticate(message, envelope: envelope, connection: connection, routes: routes)
            // Domains that reject on DKIM failure get nothing; if that is every domain, the message is refused.
            let accepted = routes.filter {
                !(MailPolicy(domain: $0.domain, settings: settings).rejectDKIMFail && auth?.dkimResult == "fail")
            }
            guard !accepted.isEmpty else {
                logger.info("message refused: DKIM fail", metadata: ["dkim.result": "\(auth?.dkimResult ?? "")"])
                return .failure(MailPolicy.dkimRejection(auth?.dkimSignatures ?? []))
            }
            // Parsing, rules and payloads first, outside any bound; then one transaction whose real outcome is the
            // answer: only the wait for the database to begin is bounded (no 451 after a commit).
            let queued = try await store(
                id: id, envelope: envelope, message: message, connection: connection, routes: accepted, auth: auth)
            if queued.pending > 0 {
                wakeup.signal()
                backlog.added(queued.pending)
            }
            logger.info(
                "message accepted",
                metadata: ["message.size": "\(message.count)", "message.deliveries": "\(queued.deliveries)"])
            return .success(id.uuidString.lowercased())
        } catch {
            metrics.storageError("accept")
            logger.error("storing a message failed; answered 451", metadata: ["error": "\(String(reflecting: error))"])
            return .failure(Self.storageFailure)
        }
    }

    /// The routes of the envelope's recipients that still exist.
    private func currentRoutes(for envelope: SMTPEnvelope) async throws -> [RecipientRoute] {
        var routes: [RecipientRoute] = []
        for address in envelope.recipients {
            if let route = try await store.route(address: address) {
                routes.append(route)
            } else {
                logger.warning("recipient no longer routable; skipped", metadata: ["smtp.rcpt": "\(address)"])
            }
        }
        return routes
    }

    /// DKIM and SPF as the recipients' domains ask (any domain wanting a check runs it once for the message).
    private func authenticate(
        _ message: [UInt8], envelope: SMTPEnvelope, connection: SMTPConnectionInfo,
        routes: [RecipientRoute]
    ) async -> EmailAuthResult? {
        guard let authenticator else { return nil }
        let policies = routes.map { MailPolicy(domain: $0.domain, settings: settings) }
        let verifyDKIM = policies.contains { $0.verifyDKIM }
        let verifySPF = policies.contains { $0.verifySPF }
        guard verifyDKIM || verifySPF else { return nil }
        let known = spfCache.get(
            SPFVerdictCache.key(connection: connection.id, mailFrom: envelope.mailFrom, helo: envelope.helo))
        let result = await authenticator.validate(
            message: message, clientIP: connection.clientIP, mailFrom: envelope.mailFrom, helo: envelope.helo,
            verifyDKIM: verifyDKIM, verifySPF: verifySPF, spf: known
        )
        if result.dkimChecked { metrics.dkimResult(result.dkimResult) }
        // An SPF verdict reached at RCPT was counted there.
        if result.spfChecked, known == nil { metrics.spfResult(result.spfResult) }
        return result
    }

    /// Builds one delivery per route and commits them with the message. Returns how many were stored, and how many of
    /// them wait to be sent (not dropped or quarantined by a rule).
    ///
    /// `message` is parsed once, as received: DKIM, the rules and the simulator all see the sender's message. The
    /// trace field every MTA adds (RFC 5321 §4.4) goes in front of the stored copy and of the payload's headers.
    private func store(
        id: UUID, envelope: SMTPEnvelope, message: [UInt8], connection: SMTPConnectionInfo,
        routes: [RecipientRoute], auth: EmailAuthResult?
    ) async throws -> (deliveries: Int, pending: Int) {
        let receivedAt = store.now()
        var parsed = MIMEParser.parse(message, limits: MailFacts.parseLimits)
        let received = Array(
            TraceHeader.received(
                helo: envelope.helo, clientIP: connection.clientIP, hostname: hostname, usedEHLO: envelope.usedEHLO,
                tls: connection.tls, smtpUTF8: envelope.smtpUTF8, id: id.uuidString.lowercased(),
                recipients: routes.map(\.address), date: receivedAt
            ).utf8)
        // The stored copy: the trace field, then the message as received (written in chunks, not joined here).
        let raw = [received, message]
        let rawSize = received.count + message.count
        let messageID = parsed.messageID ?? "<\(id.uuidString.lowercased())@\(hostname)>"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

        let authBlock = auth.map { auth in
            WebhookPayload.Auth(
                spf: auth.spf.map { .init(result: $0.result.rawValue, domain: $0.domain.isEmpty ? nil : $0.domain) },
                dkim: auth.dkimSignatures.map {
                    .init(result: $0.result.rawValue, domain: $0.domain, selector: $0.selector)
                }
            )
        }
        let authenticationResults = auth?.authenticationResults(authservID: hostname)
        // The rules of each recipient's domain decide per recipient (docs/rules.md), before the one commit. Only
        // loading a domain's rules (a cache miss) waits on the database, so only that is bounded.
        let dkimResult = auth?.dkimChecked == true ? auth?.dkimResult : nil
        let spfResult = auth?.spfChecked == true ? auth?.spfResult : nil
        let facts = MailFacts(
            message: parsed, size: message.count, clientIP: connection.clientIP, helo: envelope.helo,
            mailFrom: envelope.mailFrom, tls: connection.tls, dkimResult: dkimResult, spfResult: spfResult)
        var decisions = [RuleDecision?](repeating: nil, count: routes.count)
        for (domainID, indices) in Dictionary(grouping: routes.indices, by: { routes[$0].domain.id }) {
            let book = try await withTimeout(storageTimeout) { [store] in try await store.ruleBook(domainID: domainID) }
            let decided = book.evaluate(facts, recipients: indices.map { routes[$0].address })
            for (index, decision) in zip(indices, decided) { decisions[index] = decision }
        }

        parsed.headers.insert(contentsOf: HeaderField.parseSection(received[...]), at: 0)
        var messagePart = WebhookPayload.Message(
            parsed: parsed, id: id.uuidString.lowercased(), messageID: messageID,
            receivedAt: receivedAt.formatted(Self.receivedAtFormat), size: rawSize,
            envelope: .init(
                mailFrom: envelope.mailFrom, rcptTo: [], helo: envelope.helo,
                clientIP: connection.clientIP, tls: connection.tls),
            auth: authBlock, authenticationResults: authenticationResults,
            inlineLimit: settings.webhookMaxInlineAttachmentBytes
        )
        // The bodies are not stored twice: the worker takes them from the stored message when it sends (as it does
        // attachment contents), so a 25 MB text is neither JSON-encoded here nor written a second time.
        messagePart.text = nil
        messagePart.html = nil
        // The message part is encoded once and stored once; each delivery stores only its own part, with the
        // envelope recipients of its own domain.
        let messageJSON = try encoder.encode(messagePart)
        let messageHash = Data(SHA256.hash(data: messageJSON))
        let domainRecipients = Dictionary(grouping: routes, by: { $0.domain.id }).mapValues { $0.map(\.address) }
        var deliveries: [NewDelivery] = []
        for (index, route) in routes.enumerated() {
            let address = route.address
            let decision = decisions[index]
            if let decision, decision.rule != nil { metrics.ruleAction(decision.action.rawValue) }
            let part = DeliveryPayloadPart(
                recipient: .init(
                    id: route.recipient.id.uuidString.lowercased(), address: address, catchAll: route.isCatchAll),
                tags: decision?.tags ?? [],
                rule: decision?.rule.map {
                    WebhookPayload.Rule(
                        id: $0.id.uuidString.lowercased(), rulesetID: $0.rulesetID.uuidString.lowercased(),
                        ruleset: $0.ruleset, action: $0.action.rawValue)
                },
                rcptTo: domainRecipients[route.domain.id] ?? [address]
            )
            let json = try encoder.encode(part)
            let status: DeliveryStatus =
                switch decision?.action ?? .forward {
                case .forward: .pending
                case .drop: .dropped
                case .quarantine: .quarantined
                }
            deliveries.append(
                NewDelivery(
                    domainID: route.domain.id,
                    recipientID: route.recipient.id,
                    webhookURL: decision?.webhookURLOverride ?? route.recipient.webhookURL,
                    webhookURLOverride: decision?.webhookURLOverride,
                    payloadJSON: json,
                    payloadHash: SHA256.hash(data: messageHash + json).map { String(format: "%02x", $0) }.joined(),
                    dkimResult: dkimResult,
                    spfResult: spfResult,
                    status: status
                ))
        }
        guard !deliveries.isEmpty else { return (0, 0) }
        try await store.accept(
            IncomingMessage(
                id: id, messageID: messageID, mailFrom: envelope.mailFrom, recipients: envelope.recipients,
                helo: envelope.helo, clientIP: connection.clientIP, raw: raw, receivedAt: receivedAt,
                instanceID: instanceID, payloadJSON: messageJSON
            ),
            deliveries: deliveries, beginWithin: storageTimeout
        )
        return (deliveries.count, deliveries.filter { $0.status == .pending }.count)
    }
}
