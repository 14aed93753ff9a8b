import ArgumentParser
import Foundation

/// `fsmtp`: the remote CLI. Every command talks to a FastSMTP server's REST API through the generated client;
/// nothing here links server code (scripts/check-fsmtp-dependencies.sh checks that in CI).
@main
struct Fsmtp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsmtp",
        abstract: "Manage a FastSMTP server through its REST API.",
        discussion: """
            Configuration: $XDG_CONFIG_HOME/fastsmtp/config.toml (default ~/.config/fastsmtp/config.toml; \
            ~/.fastsmtp.toml is read when that file does not exist). Flags win over the environment \
            (FASTSMTP_API_URL, FASTSMTP_API_KEY, FASTSMTP_PROFILE), which wins over the profile.

            Exit codes: 0 success; 1 failure (server or network error, not found, conflict, invalid input); \
            2 usage error; 4 authentication or permission denied (401/403).

            Shell completion: fsmtp --generate-completion-script bash|zsh|fish
            """,
        version: "fsmtp \(FsmtpVersion.current)",
        subcommands: [
            ConfigCommand.self, AuthCommand.self, DomainsCommand.self, MembersCommand.self, RecipientsCommand.self,
            RulesetsCommand.self, RulesCommand.self, TestCommand.self, LogsCommand.self, HealthCommand.self,
        ]
    )

    @OptionGroup var global: GlobalOptions

    /// Parses, runs, and turns every error into one line on stderr and the documented exit code.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try await asyncParseAsRoot()
        } catch {
            if exitCode(for: error) == .success {
                // --help, --version, --generate-completion-script.
                Self.exit(withError: error)
            }
            usageError(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let error as ValidationError {
            usageError(error)
        } catch {
            if exitCode(for: error) == .success {
                // `fsmtp`, `fsmtp help …` and `--help` after a command: help is printed by the built-in commands.
                Self.exit(withError: error)
            }
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { usageError(error) }
            let failure = CLIFailure.from(error)
            Terminal.printError("fsmtp: \(failure.message)")
            Foundation.exit(failure.exitCode)
        }
    }

    /// A parse or validation error: one line saying what and where to look; exit code 2.
    private static func usageError(_ error: any Error) -> Never {
        var message = Self.message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
        if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
        message = message.replacingOccurrences(of: "\n", with: " ")
        Terminal.printError("fsmtp: \(message) (see 'fsmtp --help')")
        Foundation.exit(CLIFailure.usageExitCode)
    }
}

enum FsmtpVersion {
    static let current = "0.1.0"
}
