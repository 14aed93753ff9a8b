import Foundation
import HTTPTypes
import Hummingbird
import Yams

/// The paths and methods openapi.yaml declares, so that a request for a declared path with an undeclared method is
/// answered `405 Method Not Allowed` with an `Allow` header (RFC 9110 §15.5.6), and only a path that exists nowhere
/// in the document gets `404`.
struct DeclaredPaths: Sendable {
    struct Template: Sendable {
        /// nil for a `{parameter}` segment.
        var segments: [String?]
        var methods: [String]

        var literals: Int { segments.count { $0 != nil } }

        init(path: String, methods: [String]) {
            segments = path.split(separator: "/").map { segment -> String? in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? nil : String(segment)
            }
            self.methods = methods
        }

        func matches(_ parts: [Substring]) -> Bool {
            parts.count == segments.count
                && zip(parts, segments).allSatisfy { part, segment in segment.map { $0 == part } ?? !part.isEmpty }
        }

        /// Of `candidates`, the one whose template `path` matches with the most literal segments (as the router
        /// prefers `rules/simulate` over `rules/{rule_id}`).
        static func mostSpecific<T>(_ candidates: [T], for path: String, _ template: (T) -> Template) -> T? {
            let parts = path.split(separator: "/", omittingEmptySubsequences: true)
            return candidates.filter { template($0).matches(parts) }.max {
                template($0).literals < template($1).literals
            }
        }
    }

    let templates: [Template]

    static let operations = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Reads the `paths` of an OpenAPI document (YAML or JSON).
    init(document: Data) throws {
        self.init(try OpenAPIDocument(document))
    }

    init(_ document: OpenAPIDocument) {
        templates = document.paths.compactMap { path, item in
            guard let item = item as? [String: Any] else { return nil }
            return Template(path: path, methods: Self.operations.filter { item[$0] != nil }.map { $0.uppercased() })
        }
    }

    /// The methods declared for the template `path` matches (the one with the most literal segments, as the router
    /// prefers), or nil when no declared path matches.
    func allowedMethods(for path: String) -> [String]? {
        Template.mostSpecific(templates, for: path) { $0 }?.methods
    }
}

/// An OpenAPI document (YAML or JSON), parsed once, as plain dictionaries and arrays.
struct OpenAPIDocument {
    let paths: [String: Any]
    let components: [String: Any]

    init(_ document: Data) throws {
        guard let root = try Yams.load(yaml: String(decoding: document, as: UTF8.self)) as? [String: Any],
            let paths = root["paths"] as? [String: Any]
        else { throw DeclaredPathsError() }
        self.paths = paths
        components = root["components"] as? [String: Any] ?? [:]
    }
}

struct DeclaredPathsError: Error, CustomStringConvertible {
    var description: String { "openapi.yaml has no paths" }
}

/// Turns the router's "no route" into `405` + `Allow` for a declared path, and into problem+json `404` otherwise.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let paths: DeclaredPaths

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Only the router throws this: handlers answer "not found" with a problem response of their own.
            guard let allowed = paths.allowedMethods(for: request.uri.path), !allowed.isEmpty else {
                return Self.problem(APIProblem(status: .notFound, detail: "no such path: \(request.uri.path)"))
            }
            var response = Self.problem(
                APIProblem(
                    status: .methodNotAllowed,
                    detail: "\(request.method.rawValue) is not allowed on \(request.uri.path); allowed: "
                        + allowed.joined(separator: ", ")))
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    static func problem(_ problem: APIProblem) -> Response {
        Response(
            status: problem.status, headers: problem.headerFields,
            body: .init(byteBuffer: ByteBuffer(bytes: problem.encodedBody)))
    }
}
