#if MariaDB
import Foundation
import Logging
import MariaDBClient
import NIOCore
import NIOPosix
import SQLKit

/// One leased MariaDB connection as an `SQLDatabase`: each statement is serialised with ``MariaDBDialect``, its binds
/// converted to ``MariaDBClient/MariaDBValue``s, and run as a prepared statement on the pool's threads.
struct MariaDBSQLDatabase: SQLDatabase {
    let connection: MariaDBPooledConnection
    let logger: Logger

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { MariaDBDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(
        sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void
    )
        -> EventLoopFuture<Void>
    {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        _ = try await run(query, onRow)
    }

    /// Runs `query`, hands each row to `onRow`, and returns the rows it matched, inserted or deleted (found rows for
    /// an UPDATE: the connection asks for `CLIENT_FOUND_ROWS`).
    func run(_ query: any SQLExpression, _ onRow: @Sendable (any SQLRow) -> Void = { _ in }) async throws -> Int {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let binds = try serializer.binds.map(MariaDBBind.value)
        let result = try await connection.execute(serializer.sql, binds)
        let index = MariaDBRow.Index(result.columns)
        for cells in result.rows { onRow(MariaDBRow(index: index, cells: cells)) }
        return Int(result.affectedRows)
    }

    func withSession<R: Sendable>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    {
        try await closure(self)
    }
}

/// Swift values bound to statements, as MariaDB values.
enum MariaDBBind {
    static func value(_ bind: any Encodable & Sendable) throws -> MariaDBValue {
        if let optional = bind as? any OptionalBind, optional.isNil { return .null }
        switch bind {
        case let json as JSONColumn: return .text(String(decoding: json.json, as: UTF8.self))
        case let blob as BlobColumn: return .blob(blob.bytes)
        case let text as String: return .text(text)
        case let flag as Bool: return .int(flag ? 1 : 0)
        case let integer as Int: return .int(Int64(integer))
        case let integer as Int64: return .int(integer)
        case let integer as Int32: return .int(Int64(integer))
        case let integer as Int16: return .int(Int64(integer))
        case let integer as Int8: return .int(Int64(integer))
        case let integer as UInt8: return .int(Int64(integer))
        case let integer as UInt16: return .int(Int64(integer))
        case let integer as UInt32: return .int(Int64(integer))
        case let integer as UInt:
            guard let value = Int64(exactly: integer) else { throw MariaDBBindError(value: "\(integer)") }
            return .int(value)
        case let double as Double: return .double(double)
        case let float as Float: return .double(Double(float))
        case let uuid as UUID: return .text(uuid.uuidString.lowercased())
        case let date as Date: return .datetime(date)
        case let data as Data: return .blob(ByteBuffer(bytes: data))
        case let bytes as ByteBuffer: return .blob(bytes)
        case let bytes as [UInt8]: return .blob(ByteBuffer(bytes: bytes))
        default:
            // Anything else (a RawRepresentable enum, a Codable value): its JSON; a JSON string or number as itself.
            let json = try JSONEncoder().encode(bind)
            let parsed = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
            switch parsed {
            case let text as String: return .text(text)
            case let number as NSNumber where !(number is Bool): return .double(number.doubleValue)
            default: return .text(String(decoding: json, as: UTF8.self))
            }
        }
    }
}

protocol OptionalBind {
    var isNil: Bool { get }
}

extension Optional: OptionalBind {
    var isNil: Bool { self == nil }
}

struct MariaDBBindError: Error, CustomStringConvertible {
    var value: String
    var description: String { "value \(value) does not fit a MariaDB BIGINT" }
}
#endif
