import ArgumentParser

/// Options every command takes, before or after the command name (`fsmtp -o json domains list` and
/// `fsmtp domains list -o json` are the same).
struct GlobalOptions: ParsableArguments {
    @Option(name: [.short, .customLong("format")], help: "Output format: table, json or yaml.")
    var output: OutputFormat?

    @Option(
        help: ArgumentHelp(
            "The configuration profile to use (else FASTSMTP_PROFILE, else default_profile).",
            valueName: "name"))
    var profile: String?

    @Option(
        name: .customLong("api-url"),
        help: ArgumentHelp(
            "The API's base URL, e.g. http://localhost:8000.",
            valueName: "url"))
    var apiURL: String?

    @Option(name: .customLong("api-key"), help: ArgumentHelp("The API key (fsmtp_…).", valueName: "key"))
    var apiKey: String?
}

/// What `-o/--format` accepts.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument, Sendable, Codable {
    case table
    case json
    case yaml
}

/// `--enable` / `--disable` (absent: unchanged).
enum Enablement: String, EnumerableFlag {
    case enable
    case disable

    var isEnabled: Bool { self == .enable }

    static func help(for value: Enablement) -> ArgumentHelp? {
        value == .enable ? "Enable it." : "Disable it."
    }
}
