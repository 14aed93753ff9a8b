import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import Rules
import Storage

/// Authenticates every secured operation and renders every failure as problem JSON.
///
/// Public operations (health, readiness, the OpenAPI document) skip authentication. Errors: an ``APIProblem`` as it
/// says; a request the generated code could not decode as 422 with the offending field; anything else as 500 (logged).
struct AuthAndProblemMiddleware: ServerMiddleware {
    static let publicOperations: Set<String> = ["getHealth", "getReady", "getOpenAPIDocument"]

    let authenticator: Authenticator
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            if Self.publicOperations.contains(operationID) {
                return try await next(request, body, metadata)
            }
            let principal = try await authenticator.authenticate(request.headerFields)
            return try await Principal.$current.withValue(principal) {
                try await next(request, body, metadata)
            }
        } catch {
            let problem = Self.problem(for: error)
            if problem.status.code >= 500 {
                logger.error(
                    "API request failed",
                    metadata: ["api.operation": "\(operationID)", "error": "\(String(reflecting: error))"])
            }
            let (response, responseBody) = problem.response()
            return (response, responseBody)
        }
    }

    static func problem(for error: any Error) -> APIProblem {
        if let problem = error as? APIProblem { return problem }
        if let storeError = error as? StoreError { return problem(for: storeError) }
        if let ruleError = error as? RuleDefinitionError { return problem(for: ruleError) }
        guard let serverError = error as? ServerError else {
            return APIProblem(status: .internalServerError, detail: "internal error")
        }
        let underlying = serverError.underlyingError
        if let problem = underlying as? APIProblem { return problem }
        if let storeError = underlying as? StoreError { return problem(for: storeError) }
        if let ruleError = underlying as? RuleDefinitionError { return problem(for: ruleError) }
        if let decoding = underlying as? DecodingError { return invalidInput(decoding) }
        if let convertible = underlying as? any HTTPResponseConvertible,
            (400..<500).contains(convertible.httpStatus.code)
        {
            return APIProblem(status: .unprocessableContent, detail: "invalid request: \(serverError.causeDescription)")
        }
        if serverError.operationOutput == nil, "\(underlying)".contains("decod") {
            return APIProblem(status: .unprocessableContent, detail: "invalid request: \(underlying)")
        }
        return APIProblem(status: .internalServerError, detail: "internal error")
    }

    /// A rule the store refused because it would not compile as mail runs it: 422 naming the attribute (and, for a
    /// regex, the position of the error).
    static func problem(for error: RuleDefinitionError) -> APIProblem {
        var message = error.message
        if let position = error.position { message += " (position \(position))" }
        return .invalid(error.attribute, message)
    }

    static func problem(for error: StoreError) -> APIProblem {
        switch error {
        case .notFound(let what): .notFound(what)
        case .conflict(let what): .conflict("already exists: \(what)")
        case .wrongState(let what): .conflict(what)
        case .invalid(let message):
            APIProblem(status: .unprocessableContent, detail: message, errors: [("body", message)])
        }
    }

    static func invalidInput(_ error: DecodingError) -> APIProblem {
        let (path, message): ([any CodingKey], String) =
            switch error {
            case .keyNotFound(let key, let context): (context.codingPath + [key], "is required")
            case .typeMismatch(let type, let context): (context.codingPath, "must be \(type)")
            case .valueNotFound(let type, let context): (context.codingPath, "must be a \(type), not null")
            case .dataCorrupted(let context): (context.codingPath, context.debugDescription)
            @unknown default: ([], "invalid")
            }
        let field = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return .invalid(field.isEmpty ? "body" : field, message)
    }
}
