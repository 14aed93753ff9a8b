import ArgumentParser
import FastSMTPClient
import Foundation

extension Components.Schemas.DeliveryStatus: ExpressibleByArgument {}

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "The delivery log: list, show, retry, and release or delete quarantined deliveries.",
        subcommands: [List.self, Show.self, Retry.self, Release.self, Delete.self]
    )
}

extension LogsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A domain's deliveries, newest first.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The domain's name or id (default: default_domain).")
        var domain: String?

        @Option(help: "pending, delivered, failed, exhausted, dropped or quarantined.")
        var status: Components.Schemas.DeliveryStatus?

        @Option(help: ArgumentHelp("\"1 hour ago\", 30m, 2d, or ISO 8601 (2026-11-28T10:00Z).", valueName: "datetime"))
        var since: String?

        @Option(help: "At most this many (default 100).") var limit: Int = 100

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
            if let since, SinceParser.parse(since) == nil {
                throw ValidationError("--since '\(since)' is not a time: use \"1 hour ago\", 30m, 2d or ISO 8601")
            }
        }

        func run() async throws {
            let session = try Session.make(global)
            let deliveries = try await session.deliveries(
                try session.domain(domain), status: status, since: since.flatMap { SinceParser.parse($0) },
                limit: limit)
            let output = session.output
            try output.emit(deliveries) {
                guard !deliveries.isEmpty else { return output.line("No deliveries.") }
                var table = TextTable("ID", "Message ID", "Status", "Attempts", "Last Error", "Created", dim: [0])
                for delivery in deliveries {
                    table.add(
                        shortID(delivery.id), delivery.messageId, LogsCommand.status(delivery.status, output),
                        String(delivery.attempts), delivery.lastError ?? "", DateText.short(delivery.createdAt))
                }
                output.table(table)
            }
        }
    }

    static func status(_ status: Components.Schemas.DeliveryStatus, _ output: Output) -> String {
        let style: Style? =
            switch status {
            case .delivered: .green
            case .failed, .exhausted: .red
            case .pending, .quarantined: .yellow
            case .dropped: .dim
            }
        return style?.apply(status.rawValue, enabled: output.color) ?? status.rawValue
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one delivery (by id or short id).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The delivery's id or short id.")
        var logID: String

        func run() async throws {
            let session = try Session.make(global)
            let delivery = try await session.delivery(logID)
            let output = session.output
            try output.emit(delivery) {
                output.fields([
                    ("ID", delivery.id),
                    ("Message ID", delivery.messageId),
                    ("Status", LogsCommand.status(delivery.status, output)),
                    ("Attempts", String(delivery.attempts)),
                    ("Webhook URL", delivery.webhookUrl),
                    ("Last status", delivery.lastStatusCode.map(String.init) ?? "-"),
                    ("Last error", delivery.lastError ?? "-"),
                    ("Next retry", delivery.nextRetryAt.map(DateText.full) ?? "-"),
                    ("Delivered", delivery.deliveredAt.map(DateText.full) ?? "-"),
                    ("DKIM", delivery.dkimResult ?? "-"),
                    ("SPF", delivery.spfResult ?? "-"),
                    ("Recipient ID", delivery.recipientId ?? "-"),
                    ("Domain ID", delivery.domainId ?? "-"),
                    ("Instance", delivery.instanceId),
                    ("Payload hash", delivery.payloadHash),
                    ("Created", DateText.full(delivery.createdAt)),
                    ("Updated", DateText.full(delivery.updatedAt)),
                ])
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a failed or exhausted delivery again.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The delivery's id or short id.")
        var logID: String

        func run() async throws {
            let session = try Session.make(global)
            let delivery = try await session.delivery(logID)
            let retried = try await session.client.retryDelivery(path: .init(deliveryId: delivery.id)).ok.body.json
            let output = session.output
            try output.emit(retried, success: "Delivery \(logID) queued for retry")
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a quarantined delivery; it is then delivered like any other.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The delivery's id or short id.")
        var logID: String

        func run() async throws {
            let session = try Session.make(global)
            let delivery = try await session.delivery(logID)
            let released = try await session.client.releaseDelivery(path: .init(deliveryId: delivery.id)).ok.body.json
            let output = session.output
            try output.emit(released, success: "Delivery \(logID) released from quarantine")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard a quarantined delivery.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The delivery's id or short id.")
        var logID: String

        func run() async throws {
            let session = try Session.make(global)
            let delivery = try await session.delivery(logID)
            _ = try await session.client.deleteQuarantinedDelivery(path: .init(deliveryId: delivery.id)).noContent
            session.output.successInTable("Quarantined delivery \(logID) discarded")
        }
    }
}
