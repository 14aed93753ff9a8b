import Foundation
import HTTPTypes
import Hummingbird

/// The bounds openapi.yaml states for request bodies and query parameters — `minimum`/`maximum` (and the exclusive
/// forms), `minLength`/`maxLength` (in characters), `minItems`/`maxItems`, `pattern` — enforced in one place, read
/// from the document at startup rather than repeated per handler (issue #17). Types, `enum` and `required` are
/// already enforced by the generated decoders; this checks what they let through.
struct RequestBounds: Sendable {
    /// A schema's bounds, with those of its properties and items, `$ref`s resolved.
    final class Schema: Sendable {
        let minimum, maximum, exclusiveMinimum, exclusiveMaximum: Double?
        let minLength, maxLength, minItems, maxItems: Int?
        let pattern: String?
        let properties: [String: Schema]
        let items: Schema?

        init(_ raw: [String: Any], components: [String: Any], depth: Int = 0) {
            var raw = raw
            // A `$ref` (at most a few levels: the document's schemas are not recursive) stands for its target.
            if let ref = raw["$ref"] as? String, depth < 8, let name = ref.split(separator: "/").last,
                let target = components[String(name)] as? [String: Any]
            {
                raw = target.merging(raw.filter { $0.key != "$ref" }) { _, local in local }
            }
            func number(_ key: String) -> Double? { (raw[key] as? NSNumber)?.doubleValue }
            func count(_ key: String) -> Int? { (raw[key] as? NSNumber)?.intValue }
            minimum = number("minimum")
            maximum = number("maximum")
            exclusiveMinimum = number("exclusiveMinimum")
            exclusiveMaximum = number("exclusiveMaximum")
            minLength = count("minLength")
            maxLength = count("maxLength")
            minItems = count("minItems")
            maxItems = count("maxItems")
            pattern = raw["pattern"] as? String
            properties = ((raw["properties"] as? [String: Any]) ?? [:]).compactMapValues { value in
                (value as? [String: Any]).map { Schema($0, components: components, depth: depth + 1) }
            }
            items = (raw["items"] as? [String: Any]).map { Schema($0, components: components, depth: depth + 1) }
        }

        /// What is wrong with `value` at `field`, if anything (the first problem only).
        func problem(_ value: Any, at field: String) -> (field: String, message: String)? {
            if let number = value as? NSNumber {
                let double = number.doubleValue
                if let minimum, double < minimum { return (field, "must be at least \(Self.format(minimum))") }
                if let maximum, double > maximum { return (field, "must be at most \(Self.format(maximum))") }
                if let exclusiveMinimum, double <= exclusiveMinimum {
                    return (field, "must be more than \(Self.format(exclusiveMinimum))")
                }
                if let exclusiveMaximum, double >= exclusiveMaximum {
                    return (field, "must be less than \(Self.format(exclusiveMaximum))")
                }
            } else if let string = value as? String {
                return stringProblem(string, at: field)
            } else if let array = value as? [Any] {
                if let minItems, array.count < minItems { return (field, "must have at least \(minItems) items") }
                if let maxItems, array.count > maxItems { return (field, "must have at most \(maxItems) items") }
                if let items {
                    for (index, element) in array.enumerated() {
                        if let problem = items.problem(element, at: "\(field)[\(index)]") { return problem }
                    }
                }
            } else if let object = value as? [String: Any] {
                for key in object.keys.sorted() {
                    guard let schema = properties[key], let element = object[key] else { continue }
                    let path = field.isEmpty ? key : "\(field).\(key)"
                    if let problem = schema.problem(element, at: path) { return problem }
                }
            }
            return nil
        }

        func stringProblem(_ string: String, at field: String) -> (field: String, message: String)? {
            if let minLength, string.count < minLength { return (field, "must be at least \(minLength) characters") }
            if let maxLength, string.count > maxLength { return (field, "must be at most \(maxLength) characters") }
            if let pattern, string.range(of: pattern, options: .regularExpression) == nil {
                return (field, "must match \(pattern)")
            }
            return nil
        }

        static func format(_ value: Double) -> String {
            value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
    }

    struct Operation: Sendable {
        var template: DeclaredPaths.Template
        var method: String
        var body: Schema?
        var query: [String: Schema]
    }

    let operations: [Operation]

    init(document: Data) throws {
        self.init(try OpenAPIDocument(document))
    }

    init(_ document: OpenAPIDocument) {
        let schemas = document.components["schemas"] as? [String: Any] ?? [:]
        let parameters = document.components["parameters"] as? [String: Any] ?? [:]
        var operations: [Operation] = []
        for (path, item) in document.paths {
            guard let item = item as? [String: Any] else { continue }
            let template = DeclaredPaths.Template(path: path, methods: [])
            for method in DeclaredPaths.operations {
                guard let operation = item[method] as? [String: Any] else { continue }
                var query: [String: Schema] = [:]
                for raw in (item["parameters"] as? [Any] ?? []) + (operation["parameters"] as? [Any] ?? []) {
                    guard var parameter = raw as? [String: Any] else { continue }
                    if let ref = parameter["$ref"] as? String, let name = ref.split(separator: "/").last,
                        let target = parameters[String(name)] as? [String: Any]
                    {
                        parameter = target
                    }
                    guard parameter["in"] as? String == "query", let name = parameter["name"] as? String,
                        let schema = parameter["schema"] as? [String: Any]
                    else { continue }
                    query[name] = Schema(schema, components: schemas)
                }
                let body = ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])
                    .flatMap { $0["application/json"] as? [String: Any] }
                    .flatMap { $0["schema"] as? [String: Any] }
                    .map { Schema($0, components: schemas) }
                operations.append(Operation(template: template, method: method.uppercased(), body: body, query: query))
            }
        }
        self.operations = operations
    }

    /// The operation a request is for (the declared path with the most literal segments, as the router picks).
    func operation(method: String, path: String) -> Operation? {
        DeclaredPaths.Template.mostSpecific(operations.filter { $0.method == method }, for: path) { $0.template }
    }
}

/// Refuses, with 422 problem+json naming the field, a request whose body or query breaks a bound of the document.
struct RequestBoundsMiddleware<Context: RequestContext>: RouterMiddleware {
    let bounds: RequestBounds
    /// The largest body read (the rule simulator's message may be 10 MB of JSON-escaped text).
    let maxBody = 64 << 20

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        guard let operation = bounds.operation(method: request.method.rawValue, path: request.uri.path) else {
            return try await next(request, context)
        }
        for (name, schema) in operation.query {
            for value in request.uri.queryParameters.getAll(name) {
                if let problem = schema.stringProblem(String(value), at: name)
                    ?? numberProblem(schema, Substring(value), name)
                {
                    return MethodNotAllowedMiddleware<Context>.problem(.invalid(problem.field, problem.message))
                }
            }
        }
        var request = request
        var nulls: Set<String> = []
        if let schema = operation.body {
            let buffer = try await request.collectBody(upTo: maxBody)
            if buffer.readableBytes > 0,
                let json = try? JSONSerialization.jsonObject(
                    with: Data(buffer.readableBytesView), options: [.fragmentsAllowed])
            {
                if let problem = schema.problem(json, at: "") {
                    return MethodNotAllowedMiddleware<Context>.problem(
                        .invalid(problem.field.isEmpty ? "body" : problem.field, problem.message))
                }
                if let object = json as? [String: Any] { nulls = Set(object.filter { $0.value is NSNull }.keys) }
            }
        }
        return try await ExplicitNulls.$keys.withValue(nulls) { try await next(request, context) }
    }

    /// Numeric bounds of a query value that reads as a number (its type is checked by the generated code).
    private func numberProblem(
        _ schema: RequestBounds.Schema, _ value: Substring, _ name: String
    )
        -> (field: String, message: String)?
    {
        guard schema.minimum != nil || schema.maximum != nil, let number = Double(value) else { return nil }
        return schema.problem(NSNumber(value: number), at: name)
    }
}

/// The top-level fields a request body set to `null`, for the handler of that request. The generated decoders read
/// an absent field and a `null` alike (both nil); an update tells them apart: absent leaves a field as it is, `null`
/// resets it (a domain's checks back to the server setting).
enum ExplicitNulls {
    @TaskLocal static var keys: Set<String> = []

    /// An update's value for `field`: `.some(value)` to set it (`.some(nil)`: reset), nil to leave it unchanged.
    static func change<Value>(_ value: Value?, field: String) -> Value?? {
        if let value { return .some(value) }
        return keys.contains(field) ? .some(nil) : nil
    }
}
