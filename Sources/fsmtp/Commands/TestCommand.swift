import ArgumentParser
import FastSMTPClient
import Foundation

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Try things out.", subcommands: [Webhook.self])
}

extension TestCommand {
    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have the server POST a sample payload to a URL and show what came back (exit 1 if it failed).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The webhook URL.")
        var url: String

        @Option(help: "The sample's subject.") var subject: String?
        @Option(help: "The sample's sender.") var from: String?
        @Option(help: "The sample's text.") var body: String?

        @Option(
            name: .customLong("headers"), help: ArgumentHelp("A header to send (repeatable).", valueName: "key=value"))
        var headers: [String] = []

        func run() async throws {
            let session = try Session.make(global)
            let headerFields = try RecipientsCommand.headers(headers)
            let result = try await session.client.testWebhook(
                body: .json(
                    .init(
                        webhookUrl: url, subject: subject, from: from, body: body,
                        webhookHeaders: headerFields.isEmpty ? nil : .init(additionalProperties: headerFields)))
            ).ok.body.json
            let output = session.output
            try output.emit(result) {
                let latency = String(format: "%.1f ms", result.latencyMs)
                if result.success {
                    output.success("\(url) answered \(result.statusCode.map(String.init) ?? "?") in \(latency)")
                } else if let error = result.error {
                    output.failure("\(url) failed: \(error)")
                } else {
                    output.failure("\(url) answered \(result.statusCode.map(String.init) ?? "?") in \(latency)")
                }
                if let excerpt = result.responseExcerpt, !excerpt.isEmpty {
                    output.line("  \(TextTable.oneLine(excerpt))")
                }
            }
            if !result.success { throw ExitCode(CLIFailure.failureExitCode) }
        }
    }
}
