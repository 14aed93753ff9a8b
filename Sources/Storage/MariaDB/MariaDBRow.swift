#if MariaDB
import Foundation
import MariaDBClient
import SQLKit

/// A result row: cells decoded into the Swift types the repositories ask for.
///
/// Integers, doubles and DATETIMEs arrive typed; text and blobs as they are. A Swift type the cell does not give
/// directly (a `Codable` dictionary or array: the JSON columns) is decoded from the cell's text as JSON.
struct MariaDBRow: SQLRow {
    /// Column names and their positions, shared by every row of one result.
    final class Index: Sendable {
        let columns: [String]
        let positions: [String: Int]

        init(_ columns: [String]) {
            self.columns = columns
            var positions: [String: Int] = [:]
            // The first column of a name wins, as with PostgreSQL's rows (`d.*` then an alias).
            for (position, name) in columns.enumerated() where positions[name] == nil { positions[name] = position }
            self.positions = positions
        }
    }

    let index: Index
    let cells: [MariaDBCell]

    var allColumns: [String] { index.columns }

    func contains(column: String) -> Bool { index.positions[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        try cell(column) == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        try MariaDBCellDecoding.decode(D.self, from: cell(column), column: column)
    }

    private func cell(_ column: String) throws -> MariaDBCell {
        guard let position = index.positions[column] else {
            throw DecodingError.keyNotFound(
                SQLCodingKey(column),
                .init(codingPath: [], debugDescription: "no column '\(column)' in the row (\(allColumns))"))
        }
        return cells[position]
    }
}

struct SQLCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

enum MariaDBCellDecoding {
    static func decode<T: Decodable>(_ type: T.Type, from cell: MariaDBCell, column: String) throws -> T {
        if let optional = T.self as? any OptionalDecodable.Type {
            if cell == .null { return optional.nilValue as! T }
            return try decodeWrapped(optional, cell, column) as! T
        }
        func mismatch() -> DecodingError {
            .typeMismatch(
                T.self,
                .init(codingPath: [SQLCodingKey(column)], debugDescription: "cannot decode \(T.self) from \(cell)"))
        }
        if cell == .null {
            throw DecodingError.valueNotFound(
                T.self, .init(codingPath: [SQLCodingKey(column)], debugDescription: "NULL in column '\(column)'"))
        }
        switch T.self {
        case is String.Type:
            switch cell {
            case .text(let text): return text as! T
            case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self) as! T
            case .int(let integer): return String(integer) as! T
            case .double(let double): return String(double) as! T
            default: throw mismatch()
            }
        case is Bool.Type:
            switch cell {
            case .int(let integer): return (integer != 0) as! T
            case .text(let text) where ["1", "true", "0", "false"].contains(text.lowercased()):
                return (text == "1" || text.lowercased() == "true") as! T
            default: throw mismatch()
            }
        case is Int.Type, is Int64.Type, is Int32.Type, is Int16.Type, is UInt.Type, is UInt64.Type, is UInt32.Type:
            let value: Int64
            switch cell {
            case .int(let integer): value = integer
            case .double(let double) where double.rounded() == double: value = Int64(double)
            case .text(let text):
                guard let parsed = Int64(text) ?? Double(text).flatMap({ Int64(exactly: $0) }) else { throw mismatch() }
                value = parsed
            default: throw mismatch()
            }
            switch T.self {
            case is Int.Type: return Int(value) as! T
            case is Int64.Type: return value as! T
            case is Int32.Type: return Int32(truncatingIfNeeded: value) as! T
            case is Int16.Type: return Int16(truncatingIfNeeded: value) as! T
            case is UInt.Type: return UInt(truncatingIfNeeded: value) as! T
            case is UInt64.Type: return UInt64(truncatingIfNeeded: value) as! T
            default: return UInt32(truncatingIfNeeded: value) as! T
            }
        case is Double.Type, is Float.Type:
            let value: Double
            switch cell {
            case .double(let double): value = double
            case .int(let integer): value = Double(integer)
            case .text(let text):
                guard let parsed = Double(text) else { throw mismatch() }
                value = parsed
            default: throw mismatch()
            }
            return (T.self is Float.Type ? Float(value) as Any : value as Any) as! T
        case is UUID.Type:
            switch cell {
            case .text(let text):
                guard let uuid = UUID(uuidString: text) else { throw mismatch() }
                return uuid as! T
            case .bytes(let bytes) where bytes.count == 16:
                return bytes.withUnsafeBytes { $0.loadUnaligned(as: UUID.self) } as! T
            case .bytes(let bytes):
                guard let uuid = UUID(uuidString: String(decoding: bytes, as: UTF8.self)) else { throw mismatch() }
                return uuid as! T
            default: throw mismatch()
            }
        case is Date.Type:
            switch cell {
            case .datetime(let date): return date as! T
            case .double(let seconds): return Date(timeIntervalSince1970: seconds) as! T
            default: throw mismatch()
            }
        case is Data.Type:
            switch cell {
            case .bytes(let bytes): return Data(bytes) as! T
            case .text(let text): return Data(text.utf8) as! T
            default: throw mismatch()
            }
        case is [UInt8].Type:
            switch cell {
            case .bytes(let bytes): return bytes as! T
            case .text(let text): return Array(text.utf8) as! T
            default: throw mismatch()
            }
        default:
            do {
                return try T(from: CellDecoder(cell: cell, column: column))
            } catch is NeedsJSON {
                let json: Data
                switch cell {
                case .text(let text): json = Data(text.utf8)
                case .bytes(let bytes): json = Data(bytes)
                default: throw mismatch()
                }
                return try JSONDecoder().decode(T.self, from: json)
            }
        }
    }

    private static func decodeWrapped(
        _ optional: any OptionalDecodable.Type, _ cell: MariaDBCell, _ column: String
    ) throws -> Any {
        func open<W: Decodable>(_ wrapped: W.Type) throws -> Any {
            optional.wrapping(try decode(W.self, from: cell, column: column))
        }
        return try open(optional.wrappedType)
    }
}

protocol OptionalDecodable {
    static var wrappedType: any Decodable.Type { get }
    static var nilValue: Self { get }
    static func wrapping(_ value: Any) -> Any
}

extension Optional: OptionalDecodable where Wrapped: Decodable {
    static var wrappedType: any Decodable.Type { Wrapped.self }
    static var nilValue: Self { nil }
    static func wrapping(_ value: Any) -> Any { value as? Wrapped as Any }
}

/// A value wants a keyed or unkeyed container: it is decoded from the cell's text as JSON instead.
private struct NeedsJSON: Error {}

/// A decoder over one cell: single values only (enums with raw values, wrappers of a primitive).
private struct CellDecoder: Decoder, SingleValueDecodingContainer {
    let cell: MariaDBCell
    let column: String
    var codingPath: [any CodingKey] { [SQLCodingKey(column)] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NeedsJSON() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { cell == .null }
    func decode(_ type: Bool.Type) throws -> Bool {
        try MariaDBCellDecoding.decode(Bool.self, from: cell, column: column)
    }
    func decode(_ type: String.Type) throws -> String {
        try MariaDBCellDecoding.decode(String.self, from: cell, column: column)
    }
    func decode(_ type: Double.Type) throws -> Double {
        try MariaDBCellDecoding.decode(Double.self, from: cell, column: column)
    }
    func decode(_ type: Float.Type) throws -> Float {
        try MariaDBCellDecoding.decode(Float.self, from: cell, column: column)
    }
    func decode(_ type: Int.Type) throws -> Int { try MariaDBCellDecoding.decode(Int.self, from: cell, column: column) }
    func decode(_ type: Int8.Type) throws -> Int8 {
        try MariaDBCellDecoding.decode(Int8.self, from: cell, column: column)
    }
    func decode(_ type: Int16.Type) throws -> Int16 {
        try MariaDBCellDecoding.decode(Int16.self, from: cell, column: column)
    }
    func decode(_ type: Int32.Type) throws -> Int32 {
        try MariaDBCellDecoding.decode(Int32.self, from: cell, column: column)
    }
    func decode(_ type: Int64.Type) throws -> Int64 {
        try MariaDBCellDecoding.decode(Int64.self, from: cell, column: column)
    }
    func decode(_ type: UInt.Type) throws -> UInt {
        try MariaDBCellDecoding.decode(UInt.self, from: cell, column: column)
    }
    func decode(_ type: UInt8.Type) throws -> UInt8 {
        try MariaDBCellDecoding.decode(UInt8.self, from: cell, column: column)
    }
    func decode(_ type: UInt16.Type) throws -> UInt16 {
        try MariaDBCellDecoding.decode(UInt16.self, from: cell, column: column)
    }
    func decode(_ type: UInt32.Type) throws -> UInt32 {
        try MariaDBCellDecoding.decode(UInt32.self, from: cell, column: column)
    }
    func decode(_ type: UInt64.Type) throws -> UInt64 {
        try MariaDBCellDecoding.decode(UInt64.self, from: cell, column: column)
    }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try MariaDBCellDecoding.decode(T.self, from: cell, column: column)
    }
}
#endif
