import AsyncHTTPClient
import FastSMTPClient
import Foundation
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// The process's one HTTP client. A refused connection fails at once (AsyncHTTPClient would otherwise retry it until
/// the request's deadline). A global is never deinitialised, so it needs no shutdown before exit.
enum FsmtpHTTP {
    static let requestTimeout: TimeAmount = .seconds(60)

    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10), read: requestTimeout)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}

/// The effective settings of one run: flags > environment > profile > defaults.
struct ResolvedConfig: Sendable {
    static let defaultAPIURL = "http://localhost:8000"

    var profileName: String
    var profile: Profile?
    var apiURL: String
    var apiURLSource: String
    var apiKey: String?
    var apiKeySource: String
    var defaultDomain: String?
    var format: OutputFormat

    /// Resolves the settings. A profile named by flag or environment must exist.
    static func resolve(
        _ global: GlobalOptions, environment: [String: String], file: ConfigFile
    ) throws(CLIFailure) -> ResolvedConfig {
        func env(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        let named = ConfigFile.requestedProfile(global, environment: environment)
        let profileName = named ?? file.defaultProfile
        let profile = file.profiles[profileName]
        if let named, profile == nil {
            let known = file.profiles.keys.sorted()
            throw .usage(
                "no profile '\(named)' in the configuration"
                    + (known.isEmpty
                        ? " (there are none: fsmtp config init)" : " (profiles: \(known.joined(separator: ", ")))"))
        }

        let url: (String, String) =
            if let value = global.apiURL {
                (value, "--api-url")
            } else if let value = env("FASTSMTP_API_URL") {
                (value, "FASTSMTP_API_URL")
            } else if let value = profile?.apiURL {
                (value, "profile \(profileName)")
            } else {
                (defaultAPIURL, "default")
            }
        let key: (String?, String) =
            if let value = global.apiKey {
                (value, "--api-key")
            } else if let value = env("FASTSMTP_API_KEY") {
                (value, "FASTSMTP_API_KEY")
            } else if let value = profile?.apiKey {
                (value, "profile \(profileName)")
            } else {
                (nil, "not set")
            }
        let formatText = env("FASTSMTP_OUTPUT_FORMAT")
        var format = global.output ?? profile?.outputFormat ?? .table
        if global.output == nil, let formatText {
            guard let parsed = OutputFormat(rawValue: formatText) else {
                throw .usage("FASTSMTP_OUTPUT_FORMAT must be table, json or yaml, not '\(formatText)'")
            }
            format = parsed
        }
        return ResolvedConfig(
            profileName: profileName, profile: profile, apiURL: url.0, apiURLSource: url.1, apiKey: key.0,
            apiKeySource: key.1, defaultDomain: env("FASTSMTP_DEFAULT_DOMAIN") ?? profile?.defaultDomain,
            format: format)
    }

    /// The API URL as a URL: http or https with a host; a trailing slash is dropped.
    func serverURL() throws(CLIFailure) -> URL {
        try Self.validatedURL(apiURL, source: apiURLSource)
    }

    static func validatedURL(_ text: String, source: String = "--api-url") throws(CLIFailure) -> URL {
        var text = text
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else {
            throw .usage("the API URL '\(text)' (\(source)) is not an http(s) URL such as http://localhost:8000")
        }
        return url
    }
}

/// What a command that talks to the API works with: the settings, the client and the output.
struct Session: Sendable {
    let config: ResolvedConfig
    let client: Client
    let output: Output

    static func make(_ global: GlobalOptions) throws(CLIFailure) -> Session {
        let store = ConfigStore(environment: Terminal.environment)
        let config = try ResolvedConfig.resolve(global, environment: store.environment, file: try store.load())
        return Session(
            config: config, client: makeClient(url: try config.serverURL(), apiKey: config.apiKey),
            output: Output(format: config.format))
    }

    /// The generated client as every fsmtp command uses it: fsmtp's HTTP client and timeouts, and API problems
    /// turned into one-line errors.
    static func makeClient(url: URL, apiKey: String?) -> Client {
        .fastSMTP(
            url: url, apiKey: apiKey,
            transport: AsyncHTTPClientTransport(
                configuration: .init(client: FsmtpHTTP.client, timeout: FsmtpHTTP.requestTimeout)),
            middlewares: [ProblemMiddleware(sentKey: apiKey != nil)])
    }

    /// The domain argument, or the configured default domain when it was left out.
    func domain(_ argument: String?) throws(CLIFailure) -> String {
        if let argument, !argument.isEmpty { return argument }
        if let domain = config.defaultDomain { return domain }
        throw .usage("name a domain, or set one with 'fsmtp config set default_domain DOMAIN'")
    }

    /// Positional arguments of a command whose first argument, the domain, may be left out: with `count`
    /// arguments the first is the domain; with one fewer the default domain is used.
    func domainAndRest(_ arguments: [String], count: Int, usage: String) throws(CLIFailure) -> (String, [String]) {
        if arguments.count == count { return (arguments[0], Array(arguments.dropFirst())) }
        if arguments.count == count - 1 { return (try domain(nil), arguments) }
        throw .usage("expected \(usage)")
    }
}

/// The short form of an id shown in tables (the first 8 characters of the UUID).
func shortID(_ id: String) -> String { String(id.prefix(8)) }
