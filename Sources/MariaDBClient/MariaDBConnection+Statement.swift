#if MariaDB
import CMariaDB
import Foundation
import NIOCore

extension MariaDBConnection {
    /// Runs one statement as a prepared statement, `binds` bound to its `?`s in order, and reads every row. Blocks.
    ///
    /// Values only ever travel as bound parameters. A statement the server cannot prepare (rare since 10.6) runs
    /// over the text protocol, and only when it has no parameters at all. A prepared statement is kept for the next
    /// run of the same SQL (``MariaDBConfiguration/statementCacheCapacity``) unless its text has a `*`; one that failed
    /// is closed.
    /// - Throws: ``MariaDBError``; with ``MariaDBError/connectionLost`` the connection is broken and the
    ///   statement's outcome unknown.
    public func execute(_ sql: String, _ binds: [MariaDBValue] = []) throws -> MariaDBResult {
        guard !isBroken else {
            throw MariaDBError(
                code: 2006, sqlState: "HY000",
                message: "the connection was lost before this statement, which was not sent",
                connectionLost: true)
        }
        if let kept = statements.value(for: sql) {
            return try run(kept, sql, binds)
        }
        guard let statement = mysql_stmt_init(mysql) else { throw connectionError() }
        if mysql_stmt_prepare(statement, sql, UInt(sql.utf8.count)) != 0 {
            let error = statementError(statement)
            mysql_stmt_close(statement)
            if error.code == UInt32(ER_UNSUPPORTED_PS), binds.isEmpty {
                try executeText(sql)
                return MariaDBResult(columns: [], rows: [], affectedRows: mysql_affected_rows(mysql))
            }
            throw error
        }
        // Not kept: a `*` (`SELECT d.*`; also COUNT(*) and products, harmlessly) lets a table change alter the result's
        // columns under a kept statement, which Connector/C answers with CR_NEW_STMT_METADATA after the server ran it,
        // or, for a renamed column, with the old names. An explicit column list fixes count and names in the SQL text.
        guard statements.capacity > 0, !sql.contains("*") else {
            defer { mysql_stmt_close(statement) }
            return try run(statement, sql, binds)
        }
        for evicted in statements.insert(statement, for: sql) { mysql_stmt_close(evicted) }
        return try run(statement, sql, binds)
    }

    /// Runs a prepared (possibly kept) statement and reads its rows; a kept statement that fails leaves the cache
    /// and is closed (a changed table or a lost connection may have made it useless).
    private func run(
        _ statement: UnsafeMutablePointer<MYSQL_STMT>, _ sql: String, _ binds: [MariaDBValue]
    ) throws -> MariaDBResult {
        do {
            let result = try runPrepared(statement, binds)
            mysql_stmt_free_result(statement)
            return result
        } catch {
            if let failed = statements.remove(sql) { mysql_stmt_close(failed) }
            throw error
        }
    }

    private func runPrepared(
        _ statement: UnsafeMutablePointer<MYSQL_STMT>, _ binds: [MariaDBValue]
    ) throws -> MariaDBResult {
        let expected = Int(mysql_stmt_param_count(statement))
        guard expected == binds.count else {
            throw MariaDBError(
                code: 2034, sqlState: "HY000",
                message: "the statement has \(expected) parameters but \(binds.count) values were bound",
                connectionLost: false)
        }
        let parameters = ParameterBuffers(binds)
        if !binds.isEmpty, mysql_stmt_bind_param(statement, parameters.binds) != 0 {
            throw statementError(statement)
        }
        if mysql_stmt_execute(statement) != 0 { throw statementError(statement) }
        guard let metadata = mysql_stmt_result_metadata(statement) else {
            if mysql_stmt_field_count(statement) > 0 { throw statementError(statement) }
            return MariaDBResult(columns: [], rows: [], affectedRows: UInt64(mysql_stmt_affected_rows(statement)))
        }
        defer { mysql_free_result(metadata) }
        return try readRows(statement, metadata: metadata)
    }

    private func readRows(
        _ statement: UnsafeMutablePointer<MYSQL_STMT>, metadata: UnsafeMutablePointer<MYSQL_RES>
    ) throws -> MariaDBResult {
        let count = Int(mysql_num_fields(metadata))
        guard let fields = mysql_fetch_fields(metadata) else { throw statementError(statement) }
        let buffers = ResultBuffers(fields: fields, count: count)
        if mysql_stmt_bind_result(statement, buffers.binds) != 0 { throw statementError(statement) }
        if mysql_stmt_store_result(statement) != 0 { throw statementError(statement) }
        var rows: [[MariaDBCell]] = []
        while true {
            let status = mysql_stmt_fetch(statement)
            if status == MYSQL_NO_DATA { break }
            if status == 1 { throw statementError(statement) }
            // 0, or MYSQL_DATA_TRUNCATED: variable-length columns are bound with no buffer and read below.
            var row: [MariaDBCell] = []
            row.reserveCapacity(count)
            for column in 0..<count {
                row.append(try buffers.cell(column, statement: statement, connection: self))
            }
            rows.append(row)
        }
        return MariaDBResult(
            columns: buffers.names, rows: rows, affectedRows: UInt64(mysql_stmt_affected_rows(statement)))
    }
}

/// The memory behind a statement's parameter binds, kept alive until the statement has run.
private final class ParameterBuffers {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private var allocations: [UnsafeMutableRawPointer] = []
    private let count: Int

    init(_ values: [MariaDBValue]) {
        count = values.count
        binds = .allocate(capacity: max(1, count))
        binds.initialize(repeating: MYSQL_BIND(), count: max(1, count))
        for (index, value) in values.enumerated() {
            switch value {
            case .null:
                binds[index].buffer_type = MYSQL_TYPE_NULL
            case .int(let integer):
                let memory = allocate(MemoryLayout<Int64>.size)
                memory.storeBytes(of: integer, as: Int64.self)
                binds[index].buffer_type = MYSQL_TYPE_LONGLONG
                binds[index].buffer = memory
            case .double(let double):
                let memory = allocate(MemoryLayout<Double>.size)
                memory.storeBytes(of: double, as: Double.self)
                binds[index].buffer_type = MYSQL_TYPE_DOUBLE
                binds[index].buffer = memory
            case .text(let text):
                var utf8 = Array(text.utf8)
                let memory = allocate(max(1, utf8.count))
                utf8.withUnsafeMutableBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                binds[index].buffer_type = MYSQL_TYPE_STRING
                binds[index].buffer = memory
                binds[index].buffer_length = UInt(utf8.count)
            case .blob(let bytes):
                let memory = allocate(max(1, bytes.readableBytes))
                bytes.withUnsafeReadableBytes { raw in
                    if let base = raw.baseAddress { memory.copyMemory(from: base, byteCount: raw.count) }
                }
                binds[index].buffer_type = MYSQL_TYPE_BLOB
                binds[index].buffer = memory
                binds[index].buffer_length = UInt(bytes.readableBytes)
            case .datetime(let date):
                let memory = allocate(MemoryLayout<MYSQL_TIME>.size)
                memory.storeBytes(of: MariaDBTime.components(of: date), as: MYSQL_TIME.self)
                binds[index].buffer_type = MYSQL_TYPE_DATETIME
                binds[index].buffer = memory
            }
        }
    }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        allocations.append(memory)
        return memory
    }

    deinit {
        for memory in allocations { memory.deallocate() }
        binds.deinitialize(count: max(1, count))
        binds.deallocate()
    }
}

/// The result binds of a statement: fixed-size buffers for integers, doubles and times; none for variable-length
/// columns, whose lengths the fetch reports and whose data ``cell(_:statement:connection:)`` fetches column by column.
private final class ResultBuffers {
    enum Kind { case integer, double, time, text, bytes }

    let binds: UnsafeMutablePointer<MYSQL_BIND>
    let names: [String]
    private let kinds: [Kind]
    private let lengths: UnsafeMutablePointer<UInt>
    private let nulls: UnsafeMutablePointer<my_bool>
    private let errors: UnsafeMutablePointer<my_bool>
    private let storage: UnsafeMutableRawPointer
    private let count: Int
    private static let slot = 64

    init(fields: UnsafeMutablePointer<MYSQL_FIELD>, count: Int) {
        self.count = count
        let capacity = max(1, count)
        binds = .allocate(capacity: capacity)
        binds.initialize(repeating: MYSQL_BIND(), count: capacity)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
        nulls = .allocate(capacity: capacity)
        nulls.initialize(repeating: 0, count: capacity)
        errors = .allocate(capacity: capacity)
        errors.initialize(repeating: 0, count: capacity)
        storage = .allocate(byteCount: capacity * Self.slot, alignment: 16)
        var names: [String] = []
        var kinds: [Kind] = []
        for index in 0..<count {
            let field = fields[index]
            names.append(field.name.map { String(cString: $0) } ?? "")
            let kind = Self.kind(of: field)
            kinds.append(kind)
            binds[index].length = lengths + index
            binds[index].is_null = nulls + index
            binds[index].error = errors + index
            switch kind {
            case .integer:
                binds[index].buffer_type = MYSQL_TYPE_LONGLONG
                binds[index].buffer = storage + index * Self.slot
                binds[index].buffer_length = 8
                binds[index].is_unsigned = 0
            case .double:
                binds[index].buffer_type = MYSQL_TYPE_DOUBLE
                binds[index].buffer = storage + index * Self.slot
                binds[index].buffer_length = 8
            case .time:
                binds[index].buffer_type = MYSQL_TYPE_DATETIME
                binds[index].buffer = storage + index * Self.slot
                binds[index].buffer_length = UInt(MemoryLayout<MYSQL_TIME>.size)
            case .text:
                binds[index].buffer_type = MYSQL_TYPE_STRING
            case .bytes:
                binds[index].buffer_type = MYSQL_TYPE_BLOB
            }
        }
        self.names = names
        self.kinds = kinds
    }

    deinit {
        binds.deinitialize(count: max(1, count))
        binds.deallocate()
        lengths.deallocate()
        nulls.deallocate()
        errors.deallocate()
        storage.deallocate()
    }

    private static func kind(of field: MYSQL_FIELD) -> Kind {
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_INT24, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            return .integer
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
            return .double
        case MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_DATE:
            return .time
        default:
            // Character set 63 is `binary`: BLOB, BINARY, VARBINARY.
            return field.charsetnr == 63 ? .bytes : .text
        }
    }

    func cell(
        _ column: Int, statement: UnsafeMutablePointer<MYSQL_STMT>, connection: MariaDBConnection
    ) throws -> MariaDBCell {
        if nulls[column] != 0 { return .null }
        let slot = storage + column * Self.slot
        switch kinds[column] {
        case .integer:
            return .int(slot.load(as: Int64.self))
        case .double:
            return .double(slot.load(as: Double.self))
        case .time:
            return .datetime(MariaDBTime.date(of: slot.load(as: MYSQL_TIME.self)))
        case .text, .bytes:
            let length = Int(lengths[column])
            var bytes = [UInt8](repeating: 0, count: length)
            if length > 0 {
                let status = bytes.withUnsafeMutableBytes { raw -> Int32 in
                    var bind = MYSQL_BIND()
                    bind.buffer_type = binds[column].buffer_type
                    bind.buffer = raw.baseAddress
                    bind.buffer_length = UInt(length)
                    return mysql_stmt_fetch_column(statement, &bind, UInt32(column), 0)
                }
                if status != 0 { throw connection.statementError(statement) }
            }
            return kinds[column] == .bytes ? .bytes(bytes) : .text(String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// DATETIME values and `Date`s, in UTC with microseconds.
enum MariaDBTime {
    static func components(of date: Date) -> MYSQL_TIME {
        let microseconds = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var seconds = time_t((microseconds / 1_000_000).rounded(.down))
        let fraction = UInt(microseconds - Double(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var time = MYSQL_TIME()
        time.year = UInt32(parts.tm_year + 1900)
        time.month = UInt32(parts.tm_mon + 1)
        time.day = UInt32(parts.tm_mday)
        time.hour = UInt32(parts.tm_hour)
        time.minute = UInt32(parts.tm_min)
        time.second = UInt32(parts.tm_sec)
        time.second_part = fraction
        time.neg = 0
        time.time_type = MYSQL_TIMESTAMP_DATETIME
        return time
    }

    static func date(of time: MYSQL_TIME) -> Date {
        var parts = tm()
        parts.tm_year = Int32(time.year) - 1900
        parts.tm_mon = Int32(time.month) - 1
        parts.tm_mday = Int32(max(1, time.day))
        parts.tm_hour = Int32(time.hour)
        parts.tm_min = Int32(time.minute)
        parts.tm_sec = Int32(time.second)
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: Double(seconds) + Double(time.second_part) / 1_000_000)
    }
}
#endif
