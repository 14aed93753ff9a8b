import Foundation
import HTTPTypes
import Hummingbird

/// The bounds openapi.yaml states for request bodies and query parameters — `minimum`/`maximum` (and the exclusive
/// forms), `minLength`/`maxLength` (in code points, as JSON Schema counts), `minItems`/`maxItems`, `uniqueItems`,
/// `minProperties`/`maxProperties`, `pattern`, `propertyNames` and the schema of `additionalProperties` — enforced in
/// one place, read from the document at startup rather than repeated per handler (issue #17). Types, `enum`,
/// `required` and `additionalProperties: false` are already enforced by the generated decoders; this checks what
/// they let through. A schema's `x-pattern-message` is what a refused value's problem says instead of the pattern.
struct RequestBounds: Sendable {
    /// A `pattern`, compiled once, matched as JSON Schema reads it (ECMA-262): `$` is the end of the input. ICU's `$`
    /// also matches before a final line break, so every `$` outside a character class is compiled as `\z`.
    struct Pattern: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe.
        let source: String
        let message: String?
        private let regex: NSRegularExpression

        init(_ source: String, message: String?) throws {
            self.source = source
            self.message = message
            regex = try NSRegularExpression(pattern: Self.icu(source))
        }

        func matches(_ string: String) -> Bool {
            regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
        }

        /// `source` with each unescaped `$` outside `[…]` as `\z`.
        static func icu(_ source: String) -> String {
            var out = ""
            var escaped = false
            var inClass = false
            for character in source {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if inClass {
                    if character == "]" { inClass = false }
                } else if character == "[" {
                    inClass = true
                } else if character == "$" {
                    out += "\\z"
                    continue
                }
                out.append(character)
            }
            return out
        }
    }

    /// A schema's bounds, with those of its properties and items, `$ref`s resolved.
    final class Schema: Sendable {
        let minimum, maximum, exclusiveMinimum, exclusiveMaximum: Double?
        let minLength, maxLength, minItems, maxItems, minProperties, maxProperties: Int?
        let uniqueItems: Bool
        /// The `type`s named (OpenAPI 3.1: `[string, "null"]` for a nullable string); empty when none is.
        let types: [String]
        let pattern: Pattern?
        let properties: [String: Schema]
        let items: Schema?
        /// The schema of the values of properties not in `properties`, and that of every property name.
        let additionalProperties, propertyNames: Schema?

        init(_ raw: [String: Any], components: [String: Any], depth: Int = 0) throws {
            var raw = raw
            // A `$ref` (at most a few levels: the document's schemas are not recursive) stands for its target.
            if let ref = raw["$ref"] as? String, depth < 8, let name = ref.split(separator: "/").last,
                let target = components[String(name)] as? [String: Any]
            {
                raw = target.merging(raw.filter { $0.key != "$ref" }) { _, local in local }
            }
            func number(_ key: String) -> Double? { (raw[key] as? NSNumber)?.doubleValue }
            func count(_ key: String) -> Int? { (raw[key] as? NSNumber)?.intValue }
            func schema(_ key: String) throws -> Schema? {
                try (raw[key] as? [String: Any]).map { try Schema($0, components: components, depth: depth + 1) }
            }
            minimum = number("minimum")
            maximum = number("maximum")
            exclusiveMinimum = number("exclusiveMinimum")
            exclusiveMaximum = number("exclusiveMaximum")
            minLength = count("minLength")
            maxLength = count("maxLength")
            minItems = count("minItems")
            maxItems = count("maxItems")
            minProperties = count("minProperties")
            maxProperties = count("maxProperties")
            uniqueItems = raw["uniqueItems"] as? Bool ?? false
            types = (raw["type"] as? String).map { [$0] } ?? (raw["type"] as? [String]) ?? []
            pattern = try (raw["pattern"] as? String).map {
                try Pattern($0, message: raw["x-pattern-message"] as? String)
            }
            properties = try ((raw["properties"] as? [String: Any]) ?? [:]).compactMapValues { value in
                try (value as? [String: Any]).map { try Schema($0, components: components, depth: depth + 1) }
            }
            items = try schema("items")
            additionalProperties = try schema("additionalProperties")
            propertyNames = try schema("propertyNames")
        }

        /// What is wrong with `value` at `field`, if anything (the first problem only).
        func problem(_ value: Any, at field: String) -> (field: String, message: String)? {
            // The generated decoders read `null` as absent; where the schema has no "null" type it is refused here.
            if value is NSNull {
                return types.isEmpty || types.contains("null")
                    ? nil : (field.isEmpty ? "body" : field, "must not be null")
            }
            if let number = value as? NSNumber {
                return numberProblem(number.doubleValue, at: field)
            } else if let string = value as? String {
                return stringProblem(string, at: field)
            } else if let array = value as? [Any] {
                if let minItems, array.count < minItems { return (field, "must have at least \(minItems) items") }
                if let maxItems, array.count > maxItems { return (field, "must have at most \(maxItems) items") }
                if uniqueItems, Set(array.map(Self.identity)).count != array.count {
                    return (field, "must not repeat an item")
                }
                if let items {
                    for (index, element) in array.enumerated() {
                        if let problem = items.problem(element, at: "\(field)[\(index)]") { return problem }
                    }
                }
            } else if let object = value as? [String: Any] {
                if let minProperties, object.count < minProperties {
                    return (field, "must have at least \(minProperties) entries")
                }
                if let maxProperties, object.count > maxProperties {
                    return (field, "must have at most \(maxProperties) entries")
                }
                for key in object.keys.sorted() {
                    guard let element = object[key] else { continue }
                    let path = field.isEmpty ? key : "\(field).\(key)"
                    if let names = propertyNames, let problem = names.stringProblem(key, at: path) {
                        return (field.isEmpty ? key : field, "'\(key)' \(problem.message)")
                    }
                    guard let schema = properties[key] ?? additionalProperties else { continue }
                    if let problem = schema.problem(element, at: path) { return problem }
                }
            }
            return nil
        }

        func numberProblem(_ double: Double, at field: String) -> (field: String, message: String)? {
            if let minimum, double < minimum { return (field, "must be at least \(Self.format(minimum))") }
            if let maximum, double > maximum { return (field, "must be at most \(Self.format(maximum))") }
            if let exclusiveMinimum, double <= exclusiveMinimum {
                return (field, "must be more than \(Self.format(exclusiveMinimum))")
            }
            if let exclusiveMaximum, double >= exclusiveMaximum {
                return (field, "must be less than \(Self.format(exclusiveMaximum))")
            }
            return nil
        }

        func stringProblem(_ string: String, at field: String) -> (field: String, message: String)? {
            let length = string.unicodeScalars.count
            if let minLength, length < minLength { return (field, "must be at least \(minLength) characters") }
            if let maxLength, length > maxLength { return (field, "must be at most \(maxLength) characters") }
            if let pattern, !pattern.matches(string) {
                return (field, pattern.message ?? "must match \(pattern.source)")
            }
            return nil
        }

        /// What tells JSON values apart for `uniqueItems` (NSSet of large NSNumbers crashed corelibs-foundation).
        static func identity(_ value: Any) -> String {
            if let string = value as? String { return "s" + string }
            if let number = value as? NSNumber { return "n\(number.doubleValue)" }
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
            return "j" + String(decoding: data ?? Data(), as: UTF8.self)
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
        try self.init(try OpenAPIDocument(document))
    }

    /// - Throws: when a `pattern` of the document does not compile.
    init(_ document: OpenAPIDocument) throws {
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
                    query[name] = try Schema(schema, components: schemas)
                }
                let body = try ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])
                    .flatMap { $0["application/json"] as? [String: Any] }
                    .flatMap { $0["schema"] as? [String: Any] }
                    .map { try Schema($0, components: schemas) }
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
