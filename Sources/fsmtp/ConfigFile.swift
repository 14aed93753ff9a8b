import Foundation
import TOMLKit

/// One named connection: which server, which key, which domain by default.
struct Profile: Codable, Equatable, Sendable {
    var apiURL: String?
    var apiKey: String?
    var defaultDomain: String?
    var outputFormat: OutputFormat?

    enum CodingKeys: String, CodingKey {
        case apiURL = "api_url"
        case apiKey = "api_key"
        case defaultDomain = "default_domain"
        case outputFormat = "output_format"
    }
}

/// `config.toml`: SPEC.md's `ConfigFile` (`profiles` and `default_profile`).
///
/// ```toml
/// default_profile = "default"
///
/// [profiles.default]
/// api_url = "https://smtp.example.com"
/// api_key = "fsmtp_…"
/// default_domain = "example.com"
/// ```
struct ConfigFile: Codable, Equatable, Sendable {
    static let defaultProfileName = "default"

    var profiles: [String: Profile] = [:]
    var defaultProfile: String = ConfigFile.defaultProfileName

    enum CodingKeys: String, CodingKey {
        case profiles
        case defaultProfile = "default_profile"
    }

    init() {}

    /// The profile a flag or FASTSMTP_PROFILE names (an empty variable names none), or nil.
    static func requestedProfile(_ global: GlobalOptions, environment: [String: String]) -> String? {
        if let name = global.profile { return name }
        guard let name = environment["FASTSMTP_PROFILE"], !name.isEmpty else { return nil }
        return name
    }

    /// The profile commands work on: the requested one, else the default.
    func currentProfileName(_ global: GlobalOptions, environment: [String: String]) -> String {
        Self.requestedProfile(global, environment: environment) ?? defaultProfile
    }

    /// Stores `profile` as `name`; the only profile becomes the default.
    mutating func put(_ name: String, _ profile: Profile) {
        profiles[name] = profile
        if profiles.count == 1 { defaultProfile = name }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        profiles = try container.decodeIfPresent([String: Profile].self, forKey: .profiles) ?? [:]
        defaultProfile = try container.decodeIfPresent(String.self, forKey: .defaultProfile) ?? Self.defaultProfileName
    }
}

/// Where the configuration lives, and reading and writing it (mode 0600: it holds API keys).
struct ConfigStore: Sendable {
    let environment: [String: String]

    var home: String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        return FileManager.default.homeDirectoryForCurrentUser.path
    }

    /// `$XDG_CONFIG_HOME/fastsmtp/config.toml`, else `~/.config/fastsmtp/config.toml`: the file fsmtp writes.
    var primaryPath: String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return xdg + "/fastsmtp/config.toml"
        }
        return home + "/.config/fastsmtp/config.toml"
    }

    /// `~/.fastsmtp.toml`: read when the primary file does not exist.
    var legacyPath: String { home + "/.fastsmtp.toml" }

    /// The file that is read: the primary one if it exists, else the legacy one if that exists.
    var readPath: String? {
        [primaryPath, legacyPath].first { FileManager.default.fileExists(atPath: $0) }
    }

    /// `path` with the home directory shown as `~`.
    func display(_ path: String) -> String {
        path.hasPrefix(home + "/") ? "~" + path.dropFirst(home.count) : path
    }

    func load() throws(CLIFailure) -> ConfigFile {
        guard let path = readPath else { return ConfigFile() }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIFailure("cannot read \(display(path)): \(error.localizedDescription)")
        }
        do {
            return try TOMLDecoder().decode(ConfigFile.self, from: text)
        } catch let error as TOMLParseError {
            throw CLIFailure(
                "\(display(path)) line \(error.source.begin.line): not valid TOML", exitCode: CLIFailure.usageExitCode)
        } catch {
            throw CLIFailure("\(display(path)): \(error)", exitCode: CLIFailure.usageExitCode)
        }
    }

    /// Writes the primary file atomically with mode 0600 (its directory 0700) and returns its path.
    @discardableResult
    func save(_ config: ConfigFile) throws(CLIFailure) -> String {
        let path = primaryPath
        let directory = (path as NSString).deletingLastPathComponent
        var text: String
        do {
            text = try TOMLEncoder().encode(config)
            text += "\n"
        } catch {
            throw CLIFailure("cannot encode the configuration: \(error)")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIFailure("cannot create \(display(directory)): \(error.localizedDescription)")
        }
        let temporary = directory + "/.config.toml.\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw CLIFailure("cannot write \(display(temporary)): \(errnoText())") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fchmod(descriptor, 0o600) == 0 && fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw CLIFailure("cannot write \(display(path)): \(reason)")
        }
        return path
    }

    private func errnoText() -> String { String(cString: strerror(errno)) }
}
