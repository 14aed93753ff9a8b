#if MariaDB
import SQLKit

/// The SQL MariaDB speaks, for SQLKit: backtick identifiers, `?` binds, `ON DUPLICATE KEY UPDATE` upserts.
///
/// Sessions also run with `ANSI_QUOTES` (``MariaDBClient/MariaDBConnection``), so the repositories' standard
/// `"order"` quoting works unchanged. UUIDs are `CHAR(36)` (lowercase text: readable in the CLI, and the same binds
/// as SQLite's), booleans `TINYINT(1)`, JSON `JSON` (LONGTEXT checked by `JSON_VALID`), times `DATETIME(6)` in UTC.
struct MariaDBDialect: SQLDialect {
    var name: String { "mysql" }
    var identifierQuote: any SQLExpression { SQLRaw("`") }
    var literalStringQuote: any SQLExpression { SQLRaw("'") }
    func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw("?") }
    func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "TRUE" : "FALSE") }
    var autoIncrementClause: any SQLExpression { SQLRaw("AUTO_INCREMENT") }
    var supportsAutoIncrement: Bool { true }
    var enumSyntax: SQLEnumSyntax { .inline }
    var supportsDropBehavior: Bool { true }
    // INSERT and DELETE … RETURNING exist (10.5), UPDATE … RETURNING does not: SQLKit's builders must not use it.
    var supportsReturning: Bool { false }
    var upsertSyntax: SQLUpsertSyntax { .mysqlLike }
    var alterTableSyntax: SQLAlterTableSyntax {
        .init(alterColumnDefinitionClause: SQLRaw("MODIFY COLUMN"), alterColumnDefinitionTypeKeyword: nil)
    }
    var unionFeatures: SQLUnionFeatures {
        [.union, .unionAll, .intersect, .except, .explicitDistinct, .parenthesizedSubqueries]
    }
    var sharedSelectLockExpression: (any SQLExpression)? { SQLRaw("LOCK IN SHARE MODE") }
    var exclusiveSelectLockExpression: (any SQLExpression)? { SQLRaw("FOR UPDATE") }
}
#endif

#if MariaDB
import MariaDBClient

extension DatabaseLocation.MariaDBLocation {
    /// The client's view of this location.
    var configuration: MariaDBConfiguration {
        let mode: MariaDBConfiguration.TLSMode =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer
            case .require: .require
            case .verifyCA: .verifyCA
            case .verifyFull: .verifyFull
            }
        return MariaDBConfiguration(
            host: host, port: port, username: username, password: password, database: database,
            unixSocket: unixSocket, tls: mode, caPath: caPath)
    }
}
#endif
