import ArgumentParser
import FastSMTPClient
import Foundation

struct RecipientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipients",
        abstract: "A domain's recipients: a local part (or \"*\", the catch-all) and its webhook.",
        subcommands: [List.self, Add.self, Update.self, Delete.self]
    )

    /// `KEY=VALUE` options as a header dictionary.
    static func headers(_ pairs: [String]) throws(CLIFailure) -> [String: String] {
        var headers: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw .usage("--headers takes KEY=VALUE, not '\(pair)'")
            }
            headers[String(pair[..<equals]).trimmingCharacters(in: .whitespaces)] = String(
                pair[pair.index(after: equals)...])
        }
        return headers
    }
}

extension RecipientsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a domain's recipients.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The domain's name or id (default: default_domain).")
        var domain: String?

        func run() async throws {
            let session = try Session.make(global)
            let recipients = try await session.allRecipients(try session.domain(domain))
            let output = session.output
            try output.emit(recipients) {
                guard !recipients.isEmpty else { return output.line("No recipients.") }
                var table = TextTable("ID", "Address", "Webhook URL", "Headers", "Enabled", dim: [0])
                for recipient in recipients {
                    table.add(
                        shortID(recipient.id), recipient.address, recipient.webhookUrl,
                        recipient.webhookHeaders.additionalProperties.keys.sorted().joined(separator: ", "),
                        output.mark(recipient.isEnabled))
                }
                output.table(table)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a recipient; \"*\" as the local part makes the domain's catch-all.",
            discussion: """
                Usage: fsmtp recipients add [DOMAIN] LOCAL_PART WEBHOOK_URL [--headers KEY=VALUE]...
                The webhook signing secret is printed once.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] local_part webhook_url (the domain defaults to default_domain).")
        var arguments: [String]

        @Option(
            name: .customLong("headers"),
            help: ArgumentHelp("A header sent with every webhook.", valueName: "key=value"))
        var headers: [String] = []

        @Flag(help: "Create it disabled.") var disabled = false

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(
                arguments, count: 3, usage: "[DOMAIN] LOCAL_PART WEBHOOK_URL")
            let localPart = rest[0]
            let url = rest[1]
            let headerFields = try RecipientsCommand.headers(headers)
            let created = try await session.client.createRecipient(
                path: .init(domainId: domain),
                body: .json(
                    .init(
                        localPart: localPart == "*" ? nil : localPart, webhookUrl: url,
                        webhookHeaders: headerFields.isEmpty ? nil : .init(additionalProperties: headerFields),
                        isEnabled: disabled ? false : nil))
            ).created.body.json
            let output = session.output
            try output.emit(created) {
                let recipient = created.value1
                let kind = recipient.localPart == nil ? "catch-all recipient" : "recipient"
                output.success("Created \(kind) \(recipient.address) → \(recipient.webhookUrl)")
                output.line("  Signing secret (shown once): \(created.value2.signingSecret)")
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a recipient (by id, short id, address or local part).",
            discussion: "Usage: fsmtp recipients update [DOMAIN] RECIPIENT [--webhook-url URL] [--enable|--disable]")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] recipient.")
        var arguments: [String]

        @Option(help: ArgumentHelp("The new webhook URL.", valueName: "url")) var webhookURL: String?

        @Option(
            name: .customLong("headers"),
            help: ArgumentHelp("Replace the headers (repeatable).", valueName: "key=value"))
        var headers: [String] = []

        @Flag var enablement: Enablement?

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] RECIPIENT")
            let recipient = try await session.recipient(domain, rest[0])
            let headerFields = try RecipientsCommand.headers(headers)
            let updated = try await session.client.updateRecipient(
                path: .init(domainId: domain, recipientId: recipient.id),
                body: .json(
                    .init(
                        webhookUrl: webhookURL,
                        webhookHeaders: headerFields.isEmpty ? nil : .init(additionalProperties: headerFields),
                        isEnabled: enablement?.isEnabled))
            ).ok.body.json
            let output = session.output
            try output.emit(updated) {
                output.success(
                    "Updated recipient \(updated.address) → \(updated.webhookUrl)\(updated.isEnabled ? "" : " (disabled)")"
                )
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a recipient (by id, short id, address or local part).",
            discussion: "Usage: fsmtp recipients delete [DOMAIN] RECIPIENT")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] recipient.")
        var arguments: [String]

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] RECIPIENT")
            let recipient = try await session.recipient(domain, rest[0])
            _ = try await session.client.deleteRecipient(path: .init(domainId: domain, recipientId: recipient.id))
                .noContent
            session.output.successInTable("Deleted recipient \(recipient.address)")
        }
    }
}
