import FastSMTPAPITypes
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// An error that renders itself as RFC 9457 problem details. Handlers throw it; ``ProblemMiddleware`` renders it.
struct APIProblem: Error, Sendable, CustomStringConvertible {
    var status: HTTPResponse.Status
    var detail: String
    var errors: [(field: String, message: String)] = []

    var description: String { "\(status.code) \(detail)" }

    static func unauthorized(
        _ detail: String = "a valid API key is required (X-API-Key or Authorization: Bearer)"
    ) -> APIProblem {
        APIProblem(status: .unauthorized, detail: detail)
    }
    static func forbidden(_ detail: String) -> APIProblem { APIProblem(status: .forbidden, detail: detail) }
    static func notFound(_ what: String) -> APIProblem { APIProblem(status: .notFound, detail: "\(what) not found") }
    static func conflict(_ detail: String) -> APIProblem { APIProblem(status: .conflict, detail: detail) }
    static func invalid(_ field: String, _ message: String) -> APIProblem {
        APIProblem(status: .unprocessableContent, detail: "\(field): \(message)", errors: [(field, message)])
    }

    var body: Components.Schemas.Problem {
        Components.Schemas.Problem(
            _type: "about:blank",
            title: status.reasonPhrase,
            status: status.code,
            detail: detail,
            errors: errors.isEmpty ? nil : errors.map { .init(field: $0.field, message: $0.message) }
        )
    }

    /// The problem+json document.
    var encodedBody: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data()
    }

    var headerFields: HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        if status == .unauthorized { fields[.wwwAuthenticate] = "Bearer" }
        return fields
    }

    func response() -> (HTTPResponse, HTTPBody) {
        (HTTPResponse(status: status, headerFields: headerFields), HTTPBody(encodedBody))
    }
}
