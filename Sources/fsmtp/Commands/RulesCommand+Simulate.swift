import ArgumentParser
import FastSMTPClient
import Foundation

extension RulesCommand {
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a domain's rules would decide for a message file (nothing is stored or sent).",
            discussion: """
                Usage: fsmtp rules simulate [DOMAIN] FILE|- [--mail-from A] [--rcpt-to A] [--client-ip IP]
                --rcpt-to defaults to the first To/Cc address of the domain in the message, --mail-from to its From.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "[domain] file (\"-\" reads standard input).")
        var arguments: [String]

        @Option(help: ArgumentHelp("The envelope sender.", valueName: "address")) var mailFrom: String?
        @Option(help: ArgumentHelp("The envelope recipient (of this domain).", valueName: "address")) var rcptTo:
            String?
        @Option(help: ArgumentHelp("The client's address (default 127.0.0.1).", valueName: "ip")) var clientIP: String?
        @Option(help: "The HELO name (default localhost).") var helo: String?
        @Flag(help: "As if received over TLS.") var tls = false
        @Option(help: ArgumentHelp("Assume this DKIM result.", valueName: "result")) var dkimResult: String?
        @Option(help: ArgumentHelp("Assume this SPF result.", valueName: "result")) var spfResult: String?

        func run() async throws {
            let session = try Session.make(global)
            let (domain, rest) = try session.domainAndRest(arguments, count: 2, usage: "[DOMAIN] FILE")
            let message = try Self.read(rest[0])
            let headers = Self.headerAddresses(message)
            let domainSuffix = "@" + domain.lowercased()
            guard
                let rcpt = rcptTo
                    ?? (headers["to", default: []] + headers["cc", default: []]).first(where: {
                        $0.lowercased().hasSuffix(domainSuffix)
                    })
            else {
                throw CLIFailure.usage("no recipient of \(domain) in the message: pass --rcpt-to")
            }
            let result = try await session.client.simulateRules(
                path: .init(domainId: domain),
                body: .json(
                    .init(
                        rawMessage: message, mailFrom: mailFrom ?? headers["from", default: []].first ?? "",
                        rcptTo: rcpt, clientIp: clientIP, helo: helo, tls: tls ? true : nil, dkimResult: dkimResult,
                        spfResult: spfResult))
            ).ok.body.json
            let output = session.output
            try output.emit(result) {
                var action = result.action.rawValue.uppercased()
                if let url = result.webhookUrl { action += " → \(url)" }
                output.fields([
                    ("Recipient", rcpt),
                    ("Action", action),
                    ("Tags", result.tags.isEmpty ? "-" : result.tags.joined(separator: ", ")),
                    (
                        "Rule",
                        result.rule.map { "\(shortID($0.id)) in '\($0.ruleset)' (\($0.action.rawValue))" } ?? "none"
                    ),
                ])
                guard !result.trace.isEmpty else { return }
                var table = TextTable("Ruleset", "Rule", "Matched", dim: [1])
                for step in result.trace { table.add(step.ruleset, shortID(step.ruleId), output.mark(step.matched)) }
                output.table(table)
            }
        }

        static func read(_ path: String) throws(CLIFailure) -> String {
            let data: Data
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw CLIFailure("cannot read \(path)")
                }
                data = contents
            }
            return String(decoding: data, as: UTF8.self)
        }

        /// The addresses in the From, To and Cc header fields (lower-cased names), unfolded, good enough for
        /// choosing defaults.
        static func headerAddresses(_ message: String) -> [String: [String]] {
            var result: [String: [String]] = [:]
            let normalized = message.replacingOccurrences(of: "\r\n", with: "\n")
            let head = normalized.components(separatedBy: "\n\n").first ?? normalized
            let unfolded = head.replacingOccurrences(of: "\n ", with: " ").replacingOccurrences(of: "\n\t", with: " ")
            for line in unfolded.split(separator: "\n", omittingEmptySubsequences: true) {
                guard line.first?.isWhitespace == false, let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].contains(" ") { break }
                let name = line[..<colon].lowercased()
                guard ["from", "to", "cc"].contains(name) else { continue }
                for part in line[line.index(after: colon)...].split(separator: ",") {
                    var address = part.trimmingCharacters(in: .whitespaces)
                    if let open = address.lastIndex(of: "<"), let close = address.lastIndex(of: ">"), open < close {
                        address = String(address[address.index(after: open)..<close])
                    }
                    if address.contains("@") { result[name, default: []].append(address) }
                }
            }
            return result
        }
    }
}
