import Foundation
import NIOCore
import PostgresNIO
import SQLiteNIO

/// A value bound as JSON: JSONB on PostgreSQL, JSON text on SQLite.
///
/// Without it, drivers guess from the value's shape: PostgresKit binds a Swift array as a PostgreSQL array
/// and a `[UInt8]`-like value as bytes, which a JSONB column refuses.
struct JSONColumn: Encodable, Sendable, PostgresThrowingDynamicTypeEncodable, SQLiteDataConvertible {
    let json: Data

    /// JSON text already encoded (once, by the caller that also hashed it).
    init(json: Data) {
        self.json = json
    }

    init(_ value: any Encodable & Sendable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain Codable values (strings, dictionaries, payload structs) cannot fail.
        self.json = (try? encoder.encode(value)) ?? Data("null".utf8)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(decoding: json, as: UTF8.self))
    }

    // PostgreSQL: binary JSONB is a version byte followed by the JSON text.
    var psqlType: PostgresDataType { .jsonb }
    var psqlFormat: PostgresFormat { .binary }
    func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) throws {
        byteBuffer.writeInteger(UInt8(1))
        byteBuffer.writeBytes(json)
    }

    // SQLite: text.
    init?(sqliteData: SQLiteData) { nil }
    var sqliteData: SQLiteData? { .text(String(decoding: json, as: UTF8.self)) }
}

/// A blob bound as it is: `BYTEA` on PostgreSQL, a blob on SQLite, without a detour through `Data` (each detour is
/// another copy of a message that may be 25 MB).
struct BlobColumn: Encodable, Sendable, PostgresThrowingDynamicTypeEncodable, SQLiteDataConvertible {
    let bytes: ByteBuffer

    init(_ bytes: ByteBuffer) {
        self.bytes = bytes
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Data(bytes.readableBytesView))
    }

    var psqlType: PostgresDataType { .bytea }
    var psqlFormat: PostgresFormat { .binary }
    func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) throws {
        var bytes = bytes
        byteBuffer.writeBuffer(&bytes)
    }

    init?(sqliteData: SQLiteData) { nil }
    var sqliteData: SQLiteData? { .blob(bytes) }
}
