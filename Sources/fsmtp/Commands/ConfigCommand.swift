import ArgumentParser
import FastSMTPClient
import Foundation

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Set up and show the configuration (~/.config/fastsmtp/config.toml).",
        subcommands: [Init.self, Show.self, SetValue.self, Profiles.self]
    )

    /// `key` with everything after its prefix starred, as gh shows tokens (`fsmtp_********…`).
    static func mask(_ key: String) -> String {
        let prefixLength = key.firstIndex(of: "_").map { key.distance(from: key.startIndex, to: $0) + 1 } ?? 0
        return String(key.prefix(prefixLength)) + String(repeating: "*", count: max(key.count - prefixLength, 0))
    }
}

extension ConfigCommand {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask for the API URL, key and default domain, check the key, and save them.",
            discussion: """
                On a terminal it asks; otherwise give --api-url and --api-key (and --default-domain). The key is \
                checked against /api/v1/auth/me before anything is saved. --profile names the profile to write \
                (default: the default profile).
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The domain used when a command's domain is left out.", valueName: "domain"))
        var defaultDomain: String?

        func run() async throws {
            let environment = Terminal.environment
            let store = ConfigStore(environment: environment)
            var file = try store.load()
            let profileName = file.currentProfileName(global, environment: environment)
            let existing = file.profiles[profileName]
            var url = global.apiURL
            var key = global.apiKey
            var domain = defaultDomain
            if Terminal.stdinIsTerminal && (url == nil || key == nil) {
                url = url ?? Terminal.prompt("API URL", default: existing?.apiURL ?? ResolvedConfig.defaultAPIURL)
                key = key ?? Terminal.prompt("API Key", secret: true)
                domain = domain ?? Terminal.prompt("Default domain (optional)", default: existing?.defaultDomain)
            }
            guard let key, !key.isEmpty else {
                throw CLIFailure.usage("config init needs an API key: run it on a terminal or pass --api-key")
            }
            let urlText = url ?? existing?.apiURL ?? ResolvedConfig.defaultAPIURL
            let serverURL = try ResolvedConfig.validatedURL(urlText)

            let me = try await Session.makeClient(url: serverURL, apiKey: key).getMe().ok.body.json
            var profile = existing ?? Profile()
            profile.apiURL = serverURL.absoluteString
            profile.apiKey = key
            if let domain { profile.defaultDomain = domain.isEmpty ? nil : domain }
            file.put(profileName, profile)
            let path = try store.save(file)
            let output = Output(format: global.output ?? .table)
            try output.emit(me) {
                output.success("Authenticated as \(me.user.username)")
                output.line("Configuration saved to \(store.display(path))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the effective configuration (the API key masked) and where each value comes from.")

        @OptionGroup var global: GlobalOptions

        struct Shown: Encodable {
            var configFile: String?
            var profile: String
            var apiURL: String
            var apiKey: String?
            var defaultDomain: String?
            var outputFormat: OutputFormat

            enum CodingKeys: String, CodingKey {
                case configFile = "config_file"
                case profile
                case apiURL = "api_url"
                case apiKey = "api_key"
                case defaultDomain = "default_domain"
                case outputFormat = "output_format"
            }
        }

        func run() async throws {
            let store = ConfigStore(environment: Terminal.environment)
            let config = try ResolvedConfig.resolve(global, environment: Terminal.environment, file: try store.load())
            let shown = Shown(
                configFile: store.readPath.map(store.display), profile: config.profileName, apiURL: config.apiURL,
                apiKey: config.apiKey.map(ConfigCommand.mask), defaultDomain: config.defaultDomain,
                outputFormat: config.format)
            let output = Output(format: config.format)
            try output.emit(shown) {
                output.fields([
                    ("Config file", shown.configFile ?? "none (\(store.display(store.primaryPath)) when saved)"),
                    ("Profile", config.profileName + (config.profile == nil ? " (not in the file)" : "")),
                    ("API URL", "\(config.apiURL) (\(config.apiURLSource))"),
                    ("API key", shown.apiKey.map { "\($0) (\(config.apiKeySource))" } ?? "not set"),
                    ("Default domain", config.defaultDomain ?? "none"),
                    ("Output format", config.format.rawValue),
                ])
            }
        }
    }

    struct SetValue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a value of the current profile, or the default profile.",
            discussion: "Keys: api_url, api_key, default_domain, output_format (of the profile), default_profile."
        )

        static let keys = ["api_url", "api_key", "default_domain", "output_format", "default_profile"]

        @OptionGroup var global: GlobalOptions

        @Argument(help: "api_url, api_key, default_domain, output_format or default_profile.")
        var key: String

        @Argument(help: "The new value (\"\" clears default_domain).")
        var value: String

        func validate() throws {
            guard Self.keys.contains(key) else {
                throw ValidationError("unknown key '\(key)'; keys are \(Self.keys.joined(separator: ", "))")
            }
            if key == "output_format", OutputFormat(rawValue: value) == nil {
                throw ValidationError("output_format must be table, json or yaml")
            }
        }

        func run() async throws {
            let store = ConfigStore(environment: Terminal.environment)
            var file = try store.load()
            let profileName = file.currentProfileName(global, environment: store.environment)
            var profile = file.profiles[profileName] ?? Profile()
            switch key {
            case "default_profile":
                guard file.profiles[value] != nil else {
                    throw CLIFailure("no profile '\(value)' (add it with 'fsmtp config profiles add')")
                }
                file.defaultProfile = value
            case "api_url": profile.apiURL = try ResolvedConfig.validatedURL(value).absoluteString
            case "api_key": profile.apiKey = value.isEmpty ? nil : value
            case "default_domain": profile.defaultDomain = value.isEmpty ? nil : value
            default: profile.outputFormat = OutputFormat(rawValue: value)
            }
            if key != "default_profile" { file.profiles[profileName] = profile }
            let path = try store.save(file)
            let shown = key == "api_key" ? ConfigCommand.mask(value) : value
            let scope = key == "default_profile" ? "" : " in profile \(profileName)"
            Output(format: .table).success("Set \(key) = \(shown)\(scope) (\(store.display(path)))")
        }
    }
}
