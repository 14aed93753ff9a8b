import Foundation
import Yams

/// Writes results in the chosen format: the complete API objects as JSON or YAML (a list is a list, empty is
/// `[]`), or tables and ✓ lines for people.
struct Output: Sendable {
    let format: OutputFormat
    let color: Bool

    init(format: OutputFormat, color: Bool = Terminal.useColor) {
        self.format = format
        self.color = color
    }

    var isTable: Bool { format == .table }

    /// Prints `value` as JSON or YAML, or calls `human` for the table format.
    func emit<Value: Encodable>(_ value: Value, human: () -> Void) throws(CLIFailure) {
        switch format {
        case .table: human()
        case .json: write(try Self.json(value))
        case .yaml: write(try Self.yaml(value))
        }
    }

    /// Prints `value` as JSON or YAML, or the ✓ line `message` for the table format.
    func emit<Value: Encodable>(_ value: Value, success message: @autoclosure () -> String) throws(CLIFailure) {
        try emit(value) { success(message()) }
    }

    /// A ✓ line for the table format only (JSON and YAML print nothing, e.g. after a delete).
    func successInTable(_ message: @autoclosure () -> String) {
        if isTable { success(message()) }
    }

    /// A ✓ line (table format only; JSON and YAML print the object instead).
    func success(_ message: String) {
        write(Style.green.apply("✓", enabled: color) + " " + message + "\n")
    }

    /// A ✗ line (table format only).
    func failure(_ message: String) {
        write(Style.red.apply("✗", enabled: color) + " " + message + "\n")
    }

    func line(_ text: String = "") { write(text + "\n") }

    func table(_ table: TextTable) { write(table.render(width: Terminal.width, color: color)) }

    /// `label: value` lines with the values aligned.
    func fields(_ pairs: [(String, String)]) {
        let width = pairs.map { $0.0.count }.max() ?? 0
        for (label, value) in pairs {
            let padded = (label + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0)
            write(Style.bold.apply(padded, enabled: color) + " " + value + "\n")
        }
    }

    func mark(_ value: Bool) -> String {
        value ? Style.green.apply("✓", enabled: color) : Style.red.apply("✗", enabled: color)
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    // MARK: - Encoding

    static func jsonData<Value: Encodable>(_ value: Value, pretty: Bool = true) throws(CLIFailure) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys]
        // The same format the API sends (OpenAPIRuntime's default ISO 8601 transcoder).
        encoder.dateEncodingStrategy = .iso8601
        do {
            return try encoder.encode(value)
        } catch {
            throw CLIFailure("cannot encode the result as JSON: \(error)")
        }
    }

    /// Pretty JSON; an empty list or object is written `[]` or `{}` (a raw newline never occurs inside a string).
    static func json<Value: Encodable>(_ value: Value) throws(CLIFailure) -> String {
        String(decoding: try jsonData(value), as: UTF8.self)
            .replacingOccurrences(of: #"\[\n\s*\n\s*\]"#, with: "[]", options: .regularExpression)
            .replacingOccurrences(of: #"\{\n\s*\n\s*\}"#, with: "{}", options: .regularExpression) + "\n"
    }

    static func yaml<Value: Encodable>(_ value: Value) throws(CLIFailure) -> String {
        do {
            let tree = try JSONDecoder().decode(JSONValue.self, from: try jsonData(value, pretty: false))
            return try Yams.serialize(node: tree.yamlNode, allowUnicode: true, sortKeys: true)
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            throw CLIFailure("cannot encode the result as YAML: \(error)")
        }
    }
}

/// Any JSON value; the bridge from the API's JSON to a YAML document with the same content.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var yamlNode: Node {
        switch self {
        case .null: Node("null", Tag(.null))
        case .bool(let value): Node(value ? "true" : "false", Tag(.bool))
        case .integer(let value): Node(String(value), Tag(.int))
        case .number(let value): Node(String(value), Tag(.float))
        case .string(let value): Node(value, Tag(.str), Self.style(for: value))
        case .array(let values): Node(values.map(\.yamlNode), Tag(.seq))
        case .object(let members):
            Node(members.sorted { $0.key < $1.key }.map { (Node($0.key, Tag(.str)), $0.value.yamlNode) }, Tag(.map))
        }
    }

    /// Strings a YAML reader would take for something else (true, 12, null, "", a date) are quoted.
    private static func style(for value: String) -> Node.Scalar.Style {
        let plain = Node(value)
        if value.isEmpty || plain.bool != nil || plain.int != nil || plain.float != nil || plain.null != nil
            || plain.timestamp != nil
        {
            return .doubleQuoted
        }
        return .any
    }
}
