import FastSMTPAPITypes
import Foundation
import Storage

/// API key scopes (SPEC.md). `admin` means all of them.
enum Scope: String, Sendable, CaseIterable, Comparable {
    case domainsRead = "domains:read"
    case domainsWrite = "domains:write"
    case domainsDelete = "domains:delete"
    case membersRead = "members:read"
    case membersWrite = "members:write"
    case recipientsRead = "recipients:read"
    case recipientsWrite = "recipients:write"
    case rulesRead = "rules:read"
    case rulesWrite = "rules:write"
    case logsRead = "logs:read"
    case usersRead = "users:read"
    case usersWrite = "users:write"
    case admin

    static func < (a: Scope, b: Scope) -> Bool { a.rawValue < b.rawValue }
}

/// Who is calling: a user through one of its keys, or the root key (a superuser with no user row).
struct Principal: Sendable {
    /// nil for the root key.
    var user: UserRecord?
    var keyID: UUID?
    var scopes: Set<Scope>

    @TaskLocal static var current: Principal?

    static let root = Principal(user: nil, keyID: nil, scopes: [.admin])

    var isRoot: Bool { user == nil }
    var isSuperuser: Bool { isRoot || user?.isSuperuser == true }

    /// The scopes this key grants, `admin` expanded.
    var effectiveScopes: Set<Scope> { scopes.contains(.admin) ? Set(Scope.allCases) : scopes }

    func has(_ scope: Scope) -> Bool { scopes.contains(.admin) || scopes.contains(scope) }

    /// 403 unless the key carries `scope`.
    func require(_ scope: Scope) throws(APIProblem) {
        guard has(scope) else { throw .forbidden("this API key lacks the '\(scope.rawValue)' scope") }
    }

    /// 403 unless a superuser whose key carries `scope`.
    func requireSuperuser(_ scope: Scope) throws(APIProblem) {
        try require(scope)
        guard isSuperuser else { throw .forbidden("only superusers may do this") }
    }
}

extension Principal {
    /// The authenticated caller; the middleware guarantees one for every secured operation.
    static func get() throws(APIProblem) -> Principal {
        guard let current else { throw .unauthorized() }
        return current
    }
}
