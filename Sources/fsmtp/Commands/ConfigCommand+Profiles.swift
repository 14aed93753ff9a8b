import ArgumentParser
import Foundation

extension ConfigCommand {
    struct Profiles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "profiles",
            abstract: "List, add and choose connection profiles.",
            subcommands: [List.self, Add.self, Use.self]
        )
    }
}

extension ConfigCommand.Profiles {
    struct Entry: Encodable {
        var name: String
        var apiURL: String?
        var defaultDomain: String?
        var hasKey: Bool
        var isDefault: Bool

        enum CodingKeys: String, CodingKey {
            case name
            case apiURL = "api_url"
            case defaultDomain = "default_domain"
            case hasKey = "has_api_key"
            case isDefault = "default"
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the profiles (* marks the default).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let store = ConfigStore(environment: Terminal.environment)
            let file = try store.load()
            let entries = file.profiles.sorted { $0.key < $1.key }.map { name, profile in
                Entry(
                    name: name, apiURL: profile.apiURL, defaultDomain: profile.defaultDomain,
                    hasKey: profile.apiKey != nil, isDefault: name == file.defaultProfile)
            }
            let output = Output(format: global.output ?? .table)
            try output.emit(entries) {
                guard !entries.isEmpty else { return output.line("No profiles (fsmtp config init).") }
                var table = TextTable("", "Name", "API URL", "Default domain", "API key")
                for entry in entries {
                    table.add(
                        entry.isDefault ? "*" : "", entry.name, entry.apiURL ?? "", entry.defaultDomain ?? "",
                        output.mark(entry.hasKey))
                }
                output.table(table)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace a profile.",
            discussion: "Usage: fsmtp config profiles add NAME --api-url URL --api-key KEY [--default-domain D]")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The profile's name.")
        var name: String

        @Option(help: ArgumentHelp("The profile's default domain.", valueName: "domain"))
        var defaultDomain: String?

        func run() async throws {
            guard let url = global.apiURL else { throw CLIFailure.usage("profiles add needs --api-url URL") }
            let store = ConfigStore(environment: Terminal.environment)
            var file = try store.load()
            let replaced = file.profiles[name] != nil
            file.put(
                name,
                Profile(
                    apiURL: try ResolvedConfig.validatedURL(url).absoluteString, apiKey: global.apiKey,
                    defaultDomain: defaultDomain))
            let path = try store.save(file)
            Output(format: .table).success(
                "\(replaced ? "Replaced" : "Added") profile \(name) → \(url) (\(store.display(path)))")
        }
    }

    struct Use: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a profile the default.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The profile's name.")
        var name: String

        func run() async throws {
            let store = ConfigStore(environment: Terminal.environment)
            var file = try store.load()
            guard file.profiles[name] != nil else {
                let known = file.profiles.keys.sorted().joined(separator: ", ")
                throw CLIFailure("no profile '\(name)'" + (known.isEmpty ? "" : " (profiles: \(known))"))
            }
            file.defaultProfile = name
            try store.save(file)
            Output(format: .table).success("Now using profile \(name)")
        }
    }
}
