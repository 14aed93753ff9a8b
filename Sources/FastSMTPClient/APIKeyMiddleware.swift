import FastSMTPAPITypes
import Foundation
import HTTPTypes
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// Adds `X-API-Key` to every request.
public struct APIKeyMiddleware: ClientMiddleware {
    let key: String

    public init(key: String) {
        self.key = key
    }

    public func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[HTTPField.Name("X-API-Key")!] = key
        return try await next(request, body, baseURL)
    }
}

extension Client {
    /// A client for the FastSMTP API at `url` (e.g. http://localhost:8000) authenticating with `apiKey`;
    /// `middlewares` run after the key is set.
    public static func fastSMTP(
        url: URL, apiKey: String?, transport: any ClientTransport = AsyncHTTPClientTransport(),
        middlewares: [any ClientMiddleware] = []
    ) -> Client {
        Client(
            serverURL: url,
            configuration: .fastSMTP,
            transport: transport,
            middlewares: (apiKey.map { [APIKeyMiddleware(key: $0)] } ?? []) + [ExplicitNullsMiddleware()] + middlewares
        )
    }
}

/// Sends `null` for the fields named in ``ExplicitNullFields/keys`` (the generated encoders leave a nil field out,
/// and an update reads an absent field as "unchanged"): `fsmtp domains update --verify-spf default` sends
/// `"verify_spf": null`, which resets the check to the server setting.
public enum ExplicitNullFields {
    @TaskLocal public static var keys: Set<String> = []
}

public struct ExplicitNullsMiddleware: ClientMiddleware {
    public init() {}

    public func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let keys = ExplicitNullFields.keys
        guard !keys.isEmpty, let body else { return try await next(request, body, baseURL) }
        let data = try await Data(collecting: body, upTo: 64 << 20)
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return try await next(request, HTTPBody(data), baseURL)
        }
        for key in keys where object[key] == nil { object[key] = NSNull() }
        return try await next(request, HTTPBody(try JSONSerialization.data(withJSONObject: object)), baseURL)
    }
}
