import Logging
import NIOCore
import PostgresKit
import SQLKit

/// A PostgreSQL connection's `SQLDatabase` that never sends a statement into a connection that has closed.
///
/// PostgresNIO (1.33) writes each query into the channel without a write promise. Once the server has ended the
/// connection (a restart, `pg_ctl stop -m fast`: FATAL 57P01) and NIO has taken the channel's handlers down, such a
/// write is dropped and the query's future never completes: the caller — an SMTP session, a worker loop, a ROLLBACK
/// — waits forever (vapor/postgres-nio#487, reverted; #497 open). This wrapper submits every statement on the
/// connection's event loop and sends it only while the channel is active there; on the event loop an active channel
/// still has its handlers, so the write reaches the handler, which fails the query properly if the connection is
/// closing. A statement refused here was never sent: nothing of it can have been committed.
struct ClosedConnectionGuard: SQLDatabase {
    let connection: PostgresConnection
    let base: any SQLDatabase

    init(_ connection: PostgresConnection) {
        self.connection = connection
        self.base = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(
        sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void
    )
        -> EventLoopFuture<Void>
    {
        let connection = self.connection
        let base = self.base
        return connection.eventLoop.flatSubmit {
            guard !connection.isClosed else {
                return connection.eventLoop.makeFailedFuture(DatabaseConnectionClosedError())
            }
            // On the event loop the base's future-returning execute writes synchronously, while the channel is
            // still active.
            return base.execute(sql: query, onRow)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await execute(sql: query, onRow).get()
    }

    func withSession<R: Sendable>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    {
        try await closure(self)
    }
}

/// The database connection had already closed (the server ended it); the statement was not sent.
public struct DatabaseConnectionClosedError: Error, Sendable, CustomStringConvertible {
    public var description: String { "the database connection was closed by the server; the statement was not sent" }
}

/// The database server could not be reached, refused the login or failed the TLS check; the reason is in the text.
public struct DatabaseUnreachableError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
