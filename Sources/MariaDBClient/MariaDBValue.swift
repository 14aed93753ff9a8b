#if MariaDB
import Foundation
import NIOCore

/// A value bound to a `?` of a prepared statement.
public enum MariaDBValue: Sendable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob(ByteBuffer)
    /// Sent as `DATETIME(6)`, in UTC, with microseconds.
    case datetime(Date)
}

/// One value of a result row, as the column's type gives it.
public enum MariaDBCell: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    /// Character data, and DECIMAL as its digits.
    case text(String)
    /// Binary data (BLOB, BINARY: the binary character set).
    case bytes([UInt8])
    /// DATETIME, TIMESTAMP, DATE (read as UTC).
    case datetime(Date)
}

/// The outcome of one statement.
public struct MariaDBResult: Sendable {
    /// Column names, in order.
    public var columns: [String]
    public var rows: [[MariaDBCell]]
    /// Rows matched by an UPDATE (found rows, not only the changed ones), inserted or deleted.
    public var affectedRows: UInt64
}

/// An error from the client library or the server, with MariaDB's error number and SQLSTATE.
public struct MariaDBError: Error, Sendable, CustomStringConvertible {
    /// The error number (server errors below 2000, Connector/C's own from 2000).
    public var code: UInt32
    public var sqlState: String
    public var message: String
    /// True when the connection is gone (lost, killed, server shutting down): the pool discards it. The statement's
    /// outcome is then unknown (a COMMIT may have landed), and it is never sent again.
    public var connectionLost: Bool

    public init(code: UInt32, sqlState: String, message: String, connectionLost: Bool) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.connectionLost = connectionLost
    }

    public var description: String {
        let base = "MariaDB error \(code) (\(sqlState)): \(message)"
        return connectionLost ? base + " (connection lost; the statement was not retried)" : base
    }

    /// Errors that end the connection: Connector/C's client errors (2000–2999: server gone, lost, out of sync …) and
    /// the server's shutdown and kill notices.
    static func endsConnection(_ code: UInt32) -> Bool {
        (2000..<3000).contains(code) || [1053, 1077, 1152, 1156, 1158, 1159, 1160, 1161, 1927, 4031].contains(code)
    }
}
#endif
