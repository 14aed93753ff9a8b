import FastSMTPAPITypes
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Turns every error answer (status ≥ 400) into an ``APIFailure`` carrying the API's problem details, so commands
/// only handle success and every error is reported the same way. `getReady` is let through: its 503 is an answer.
struct ProblemMiddleware: ClientMiddleware {
    let sentKey: Bool

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard response.status.code >= 400, operationID != "getReady" else { return (response, responseBody) }
        var data = Data()
        if let responseBody { data = (try? await Data(collecting: responseBody, upTo: 1 << 20)) ?? Data() }
        let problem = try? JSONDecoder().decode(Components.Schemas.Problem.self, from: data)
        throw APIFailure(
            status: response.status.code, problem: problem, body: String(decoding: data, as: UTF8.self),
            sentKey: sentKey)
    }
}
