import FastSMTPModels
import Foundation
import NIOCore
import SQLKit

/// A message accepted over SMTP, as it is stored once in `messages`.
public struct IncomingMessage: Sendable {
    public var id: UUID
    /// The Message-ID header (or one FastSMTP made up when the message has none).
    public var messageID: String
    public var mailFrom: String
    public var recipients: [String]
    public var helo: String
    public var clientIP: String
    /// The message as stored, in the pieces it comes in (the trace field, then the message as received): written in
    /// chunks of ``Store/rawChunkSize`` copied from these, never as one more copy of the whole.
    public var raw: [[UInt8]]
    /// Octets of ``raw``.
    public var size: Int { raw.reduce(0) { $0 + $1.count } }
    public var receivedAt: Date
    public var instanceID: String
    /// The message part of the webhook payload (``WebhookPayload/Message`` as JSON), stored once for all its
    /// deliveries.
    public var payloadJSON: Data?

    public init(
        id: UUID = UUID(), messageID: String, mailFrom: String, recipients: [String], helo: String,
        clientIP: String, raw: [[UInt8]], receivedAt: Date, instanceID: String, payloadJSON: Data? = nil
    ) {
        self.payloadJSON = payloadJSON
        self.id = id
        self.messageID = messageID
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.helo = helo
        self.clientIP = clientIP
        self.raw = raw
        self.receivedAt = receivedAt
        self.instanceID = instanceID
    }
}

extension IncomingMessage {
    /// The same from `Data` (tests, tools); the SMTP intake builds the buffer directly.
    public init(
        id: UUID = UUID(), messageID: String, mailFrom: String, recipients: [String], helo: String,
        clientIP: String, raw: Data, receivedAt: Date, instanceID: String, payloadJSON: Data? = nil
    ) {
        self.init(
            id: id, messageID: messageID, mailFrom: mailFrom, recipients: recipients, helo: helo, clientIP: clientIP,
            raw: [Array(raw)], receivedAt: receivedAt, instanceID: instanceID, payloadJSON: payloadJSON)
    }
}

/// One webhook delivery to queue for an accepted message.
public struct NewDelivery: Sendable {
    public var id: UUID
    public var domainID: UUID?
    public var recipientID: UUID?
    public var webhookURL: String
    /// Set when a rule chose `webhookURL` (a forward with `webhook_url_override`): it stays with the row, while a
    /// recipient's own URL follows the recipient when it changes.
    public var webhookURLOverride: String?
    /// This delivery's part of the payload (``DeliveryPayloadPart`` as JSON), stored in `delivery_log.payload`
    /// (JSONB on PostgreSQL, text on SQLite) as it is.
    public var payloadJSON: Data
    /// Hex SHA-256 identifying the whole payload (message part and this part).
    public var payloadHash: String
    public var dkimResult: String?
    public var spfResult: String?
    /// `pending` (to be sent), or what a rule decided: `dropped` (never sent) or `quarantined` (held).
    public var status: DeliveryStatus

    public init(
        id: UUID = UUID(), domainID: UUID?, recipientID: UUID?, webhookURL: String, webhookURLOverride: String? = nil,
        payloadJSON: Data, payloadHash: String, dkimResult: String? = nil, spfResult: String? = nil,
        status: DeliveryStatus = .pending
    ) {
        self.webhookURLOverride = webhookURLOverride
        self.status = status
        self.id = id
        self.domainID = domainID
        self.recipientID = recipientID
        self.webhookURL = webhookURL
        self.payloadJSON = payloadJSON
        self.payloadHash = payloadHash
        self.dkimResult = dkimResult
        self.spfResult = spfResult
    }
}

extension Store {
    /// Stores the message and its deliveries in ONE transaction: afterwards either all of it is durable or none
    /// of it exists. Only after this returns may the SMTP server answer 250.
    ///
    /// `beginWithin` bounds only the wait for the database (``DatabaseBusyError``: nothing was written); nil waits as
    /// long as it takes. Once the transaction has begun, this returns or throws with its real outcome. On PostgreSQL
    /// each statement is bounded by `statementTimeout` and the commit is synchronous whatever the server's default,
    /// so that a 250 is durable (one `set_config` round trip for both).
    public func accept(
        _ message: IncomingMessage, deliveries: [NewDelivery], beginWithin: Duration? = nil,
        statementTimeout: Duration = .seconds(30)
    ) async throws {
        let stamp = now()
        let dialect = database.dialect
        let timeoutMilliseconds = max(1, Int((statementTimeout / .milliseconds(1)).rounded(.up)))
        let size = message.size
        let chunks = Self.chunkRanges(size: size)
        // SQL NULL, not JSON null, for a message stored without a payload part.
        let messagePayload: any SQLExpression =
            message.payloadJSON.map { SQLBind(JSONColumn(json: $0)) } ?? SQLLiteral.null
        try await database.withGroupTransaction(beginWithin: beginWithin) { sql in
            if dialect == .postgresql {
                try await sql.raw(
                    """
                    SELECT set_config('synchronous_commit', 'on', true),
                           set_config('statement_timeout', \(bind: String(timeoutMilliseconds)), true)
                    """
                ).run()
            }
            try await sql.raw(
                """
                INSERT INTO messages (id, message_id, mail_from, rcpt_to, helo, client_ip, size, raw, raw_chunks,
                                      instance_id, received_at, payload, created_at, updated_at)
                VALUES (\(bind: message.id), \(bind: message.messageID), \(bind: message.mailFrom),
                        \(bind: JSONColumn(message.recipients)), \(bind: message.helo), \(bind: message.clientIP),
                        \(bind: size), \(bind: BlobColumn(chunks.count == 1 ? Self.bytes(chunks[0], of: message.raw) : ByteBuffer())),
                        \(bind: chunks.count == 1 ? 0 : chunks.count), \(bind: message.instanceID),
                        \(bind: message.receivedAt), \(messagePayload),
                        \(bind: stamp), \(bind: stamp))
                """
            ).run()
            if chunks.count > 1 {
                for (seq, range) in chunks.enumerated() {
                    try await sql.raw(
                        """
                        INSERT INTO message_chunks (message_id, seq, data)
                        VALUES (\(bind: message.id), \(bind: seq), \(bind: BlobColumn(Self.bytes(range, of: message.raw))))
                        """
                    ).run()
                }
            }
            for delivery in deliveries {
                try await sql.raw(
                    """
                    INSERT INTO delivery_log (id, domain_id, message_id, stored_message_id, recipient_id, webhook_url,
                                              webhook_origin, webhook_url_override, payload_hash, status, attempts,
                                              next_retry_at, instance_id, payload, dkim_result, spf_result,
                                              created_at, updated_at)
                    VALUES (\(bind: delivery.id), \(bind: delivery.domainID), \(bind: message.messageID),
                            \(bind: message.id), \(bind: delivery.recipientID), \(bind: delivery.webhookURL),
                            \(bind: WebhookOrigin.of(delivery.webhookURL)), \(bind: delivery.webhookURLOverride),
                            \(bind: delivery.payloadHash), \(bind: delivery.status.rawValue), 0, \(bind: stamp),
                            \(bind: message.instanceID), \(bind: JSONColumn(json: delivery.payloadJSON)), \(bind: delivery.dkimResult),
                            \(bind: delivery.spfResult), \(bind: stamp), \(bind: stamp))
                    """
                ).run()
            }
            // Other replicas' workers hear of it on commit (PostgreSQL); the local worker is woken by the caller.
            try await Database.notify(sql, dialect: dialect, channel: Database.deliveriesChannel)
        }
    }

    /// The raw bytes of a stored message.
    /// The stored message, trace field first (put together from its chunks when it was stored in chunks).
    public func rawMessage(id: UUID) async throws -> Data? {
        try await database.withReadConnection { sql in
            guard let row = try await sql.raw("SELECT raw, raw_chunks FROM messages WHERE id = \(bind: id)").first()
            else { return nil }
            guard try row.decode(column: "raw_chunks", as: Int.self) > 0 else {
                return try row.decode(column: "raw", as: Data.self)
            }
            var raw = Data()
            for chunk in try await sql.raw(
                "SELECT data FROM message_chunks WHERE message_id = \(bind: id) ORDER BY seq"
            ).all() {
                raw.append(try chunk.decode(column: "data", as: Data.self))
            }
            return raw
        }
    }

    /// Octets per row of `message_chunks`: a message larger than this is written in pieces of this size.
    public static let rawChunkSize = 1 << 20

    /// The byte ranges of the chunks of a message of `size` octets (one range, maybe empty, when it fits in one).
    static func chunkRanges(size: Int) -> [Range<Int>] {
        guard size > rawChunkSize else { return [0..<size] }
        return stride(from: 0, to: size, by: rawChunkSize).map { $0..<min($0 + rawChunkSize, size) }
    }

    /// The octets at `range` of the concatenation of `parts`, copied into one buffer.
    static func bytes(_ range: Range<Int>, of parts: [[UInt8]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(range.count)
        var offset = 0
        for part in parts {
            let lower = max(range.lowerBound, offset)
            let upper = min(range.upperBound, offset + part.count)
            if lower < upper { buffer.writeBytes(part[(lower - offset)..<(upper - offset)]) }
            offset += part.count
        }
        return buffer
    }

    public func messageCount() async throws -> Int {
        try await count("messages")
    }

    func count(_ table: String) async throws -> Int {
        try await database.withConnection { sql in
            try await sql.raw("SELECT count(*) AS n FROM \(unsafeRaw: table)").first()?.decode(
                column: "n", as: Int.self) ?? 0
        }
    }
}
