import Crypto
import Delivery
import FastSMTPModels
import Foundation
import Logging
import MIME
import SMTPCore
import SMTPServer
import Storage

/// Where SMTP meets storage: routes recipients and turns an accepted message into durable queue rows.
///
/// Invariant: `deliver` returns a queue id (→ `250`) only after the message and all its delivery rows are committed
/// in one transaction; any failure or timeout is `451 4.3.0`, so the sender keeps the message and retries.
struct MailIntake: SMTPTransactionDelegate {
    let store: Store
    let wakeup: DeliveryWakeup
    let instanceID: String
    let hostname: String
    let storageTimeout: Duration
    let logger: Logger

    static let storageFailure = SMTPReply(451, "4.3.0", "Temporary storage failure, please try again later")
    static let noSuchUser = SMTPReply(550, "5.1.1", "Recipient address rejected: no such user here")

    func checkRecipient(_ address: String, envelope: SMTPEnvelope, connection: SMTPConnectionInfo) async -> RecipientCheckResult {
        do {
            let route = try await withTimeout(storageTimeout) { try await store.route(address: address) }
            return route == nil ? .rejected(Self.noSuchUser) : .accepted
        } catch {
            logger.error("recipient lookup failed", metadata: [
                "smtp.session.id": "\(connection.id)", "error": "\(String(reflecting: error))",
            ])
            return .rejected(Self.storageFailure)
        }
    }

    func deliver(_ envelope: SMTPEnvelope, message: [UInt8], connection: SMTPConnectionInfo) async -> Result<String, SMTPReply> {
        let id = UUID()
        var logger = logger
        logger[metadataKey: "smtp.session.id"] = "\(connection.id)"
        logger[metadataKey: "message.id"] = "\(id)"
        do {
            let queued = try await withTimeout(storageTimeout) {
                try await store(id: id, envelope: envelope, message: message, connection: connection)
            }
            guard queued > 0 else {
                // Every recipient vanished between RCPT and the final dot (deleted or disabled meanwhile).
                logger.warning("no recipient is routable any more; message refused")
                return .failure(SMTPReply(550, "5.1.1", "Recipient addresses rejected: no longer accepted here"))
            }
            wakeup.signal()
            logger.info("message accepted", metadata: ["message.size": "\(message.count)", "message.deliveries": "\(queued)"])
            return .success(id.uuidString.lowercased())
        } catch {
            logger.error("storing a message failed; answered 451", metadata: ["error": "\(String(reflecting: error))"])
            return .failure(Self.storageFailure)
        }
    }

    /// Builds one delivery per routable recipient and commits them with the message. Returns how many were queued.
    private func store(id: UUID, envelope: SMTPEnvelope, message: [UInt8], connection: SMTPConnectionInfo) async throws -> Int {
        let receivedAt = store.now()
        let headers = HeaderField.parseSection(message[...])
        let messageID = headers.first(named: "Message-ID") ?? "<\(id.uuidString.lowercased())@\(hostname)>"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

        var deliveries: [NewDelivery] = []
        for address in envelope.recipients {
            guard let route = try await store.route(address: address) else {
                logger.warning("recipient no longer routable; skipped", metadata: ["smtp.rcpt": "\(address)"])
                continue
            }
            let payload = WebhookPayload(
                message: .init(
                    id: id.uuidString.lowercased(),
                    messageID: messageID,
                    receivedAt: receivedAt.formatted(.iso8601),
                    size: message.count,
                    envelope: .init(
                        mailFrom: envelope.mailFrom, rcptTo: envelope.recipients, helo: envelope.helo,
                        clientIP: connection.clientIP, tls: connection.tls
                    ),
                    subject: headers.first(named: "Subject"),
                    headers: headers.map { .init(name: $0.name, value: $0.value) }
                ),
                recipient: .init(id: route.recipient.id.uuidString.lowercased(), address: address, catchAll: route.isCatchAll)
            )
            let json = try encoder.encode(payload)
            deliveries.append(NewDelivery(
                domainID: route.domain.id,
                recipientID: route.recipient.id,
                webhookURL: route.recipient.webhookURL,
                payload: payload,
                payloadHash: SHA256.hash(data: json).map { String(format: "%02x", $0) }.joined()
            ))
        }
        guard !deliveries.isEmpty else { return 0 }
        try await store.accept(
            IncomingMessage(
                id: id, messageID: messageID, mailFrom: envelope.mailFrom, recipients: envelope.recipients,
                helo: envelope.helo, clientIP: connection.clientIP, raw: Data(message), receivedAt: receivedAt,
                instanceID: instanceID
            ),
            deliveries: deliveries
        )
        return deliveries.count
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    var duration: Duration
    var description: String { "timed out after \(duration)" }
}

/// Runs `operation`, failing with ``TimeoutError`` if it takes longer than `duration` (the operation is cancelled).
func withTimeout<R: Sendable>(_ duration: Duration, _ operation: @escaping @Sendable () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: R.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TimeoutError(duration: duration)
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TimeoutError(duration: duration) }
        return result
    }
}
