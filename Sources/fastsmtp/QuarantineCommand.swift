import ArgumentParser
import Foundation
import MIME
import Rules
import Storage

/// `fastsmtp quarantine list|release|delete`: held deliveries, straight in the database (bootstrap, emergencies).
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "List, release or delete deliveries a quarantine rule held (direct database access).",
        subcommands: [List.self, Release.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a domain's quarantined deliveries.")
        @Argument(help: "The domain.") var domain: String
        @Option(help: "At most this many (newest first).") var limit = 100

        func run() async throws {
            try await withStore { [domain, limit] store in
                guard let record = try await store.domain(named: domain) else {
                    throw StoreError.notFound("domain \(domain)")
                }
                let held = try await store.deliveries(
                    domainID: record.id, status: .quarantined, since: nil, limit: limit, after: nil)
                if held.isEmpty { print("No quarantined deliveries for \(record.domainName).") }
                for delivery in held {
                    print(
                        "\(delivery.id.uuidString.lowercased())  \(delivery.createdAt.formatted(.iso8601))  \(delivery.messageID)  → \(delivery.webhookURL)"
                    )
                }
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a quarantined delivery: a running worker delivers it like any other.")
        @Argument(help: "The delivery id.") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw fail("'\(id)' is not a delivery id") }
            try await withStore { store in
                let released = try await store.releaseDelivery(id: uuid)
                print("Released delivery \(released.id.uuidString.lowercased()) → \(released.webhookURL)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard a quarantined delivery.")
        @Argument(help: "The delivery id.") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw fail("'\(id)' is not a delivery id") }
            try await withStore { store in
                try await store.discardQuarantined(id: uuid)
                print("Deleted quarantined delivery \(uuid.uuidString.lowercased())")
            }
        }
    }
}

/// `fastsmtp rules simulate DOMAIN FILE`: the rule simulator on the server's own database.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Work with a domain's rules (direct database access).",
        subcommands: [Simulate.self]
    )

    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the domain's rules decide for a message file (nothing is stored or sent).")
        @Argument(help: "The domain.") var domain: String
        @Argument(help: "The message (RFC 5322), or - for standard input.") var file: String
        @Option(help: "The envelope sender.") var mailFrom = ""
        @Option(help: "The recipient (default: the first To address).") var rcptTo: String?
        @Option(help: "The SMTP client's address.") var clientIP = "127.0.0.1"
        @Option(help: "The HELO name.") var helo = "localhost"
        @Option(help: "A DKIM result to assume (pass, fail, none, …).") var dkimResult: String?
        @Option(help: "An SPF result to assume.") var spfResult: String?

        func run() async throws {
            let bytes: [UInt8]
            if file == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw fail("cannot read \(file)")
                }
                bytes = Array(data)
            }
            let message = MIMEParser.parse(bytes, limits: MailFacts.parseLimits)
            guard let recipient = rcptTo ?? message.to.first?.address else {
                throw fail("the message has no To address: give --rcpt-to")
            }
            let facts = MailFacts(
                message: message, size: bytes.count, clientIP: clientIP, helo: helo, mailFrom: mailFrom, tls: false,
                dkimResult: dkimResult, spfResult: spfResult)
            try await withStore { [domain] store in
                guard let record = try await store.domain(named: domain) else {
                    throw StoreError.notFound("domain \(domain)")
                }
                let (route, decision) = try await store.simulateRules(
                    domain: record, facts: facts, recipient: recipient)
                for step in decision.trace {
                    print("  \(step.matched ? "✓" : "·") \(step.ruleset) / \(step.ruleID.uuidString.lowercased())")
                }
                let target = decision.webhookURLOverride ?? route.recipient.webhookURL
                switch decision.action {
                case .forward: print("Action: FORWARD → \(target)")
                case .drop: print("Action: DROP (the sender gets 250; nothing is sent)")
                case .quarantine: print("Action: QUARANTINE (held until released)")
                }
                if let rule = decision.rule {
                    print("Rule: \(rule.id.uuidString.lowercased()) in \(rule.ruleset) (\(rule.action.rawValue))")
                } else {
                    print("Rule: none (default forward)")
                }
                print("Tags: \(decision.tags.isEmpty ? "none" : decision.tags.joined(separator: ", "))")
            }
        }
    }
}
