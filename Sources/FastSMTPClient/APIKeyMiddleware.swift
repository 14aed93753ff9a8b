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
            transport: transport,
            middlewares: (apiKey.map { [APIKeyMiddleware(key: $0)] } ?? []) + middlewares
        )
    }
}
