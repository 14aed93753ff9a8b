import ArgumentParser
import FastSMTPApp
import FastSMTPModels
import Foundation
import Logging
import NIOConcurrencyHelpers
import Telemetry

@main
struct FastSMTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fastsmtp",
        abstract: "FastSMTP: receive mail over SMTP and forward it to webhooks.",
        discussion: "Settings come from FASTSMTP_* environment variables and an optional .env file.",
        version: FastSMTPVersion.current,
        subcommands: [
            Serve.self, Init.self, DB.self, UserCommand.self, DomainCommand.self, RecipientCommand.self,
            ShowConfig.self, QuarantineCommand.self, RulesCommand.self,
            TestDKIM.self, TestSPF.self,
        ]
    )
}

/// Loads settings and sets up logging; a bad setting ends the process with one line and exit code 2.
struct Environment {
    let settings: Settings
    let logger: Logger

    /// Logging can be bootstrapped once per process; commands may load the environment more than once.
    private static let bootstrapped = NIOLockedValueBox(false)

    static func load() throws -> Environment {
        let settings: Settings
        do {
            settings = try Settings.load()
        } catch {
            FileHandle.standardError.write(Data("fastsmtp: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let level = Logger.Level(rawValue: settings.logLevel.rawValue) ?? .info
        let first = bootstrapped.withLockedValue { done in
            defer { done = true }
            return !done
        }
        if first {
            switch settings.logFormat {
            case .text:
                LoggingSystem.bootstrap { label in
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = level
                    return handler
                }
            case .json:
                LoggingSystem.bootstrap { label in
                    var handler = JSONLogHandler.standardError(label: label)
                    handler.logLevel = level
                    return handler
                }
            }
        }
        var logger = Logger(label: "fastsmtp")
        logger.logLevel = level
        logger[metadataKey: "instance.id"] = "\(settings.instanceID)"
        return Environment(settings: settings, logger: logger)
    }
}

/// Prints a one-line error and exits 1 (2 for configuration problems, which `Environment.load` handles).
func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data("fastsmtp: \(message)\n".utf8))
    return ExitCode(code)
}
