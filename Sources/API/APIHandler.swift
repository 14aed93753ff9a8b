import Delivery
import FastSMTPAPITypes
import FastSMTPModels
import Foundation
import Logging
import Storage

/// The REST API: one method per operation of openapi.yaml (generated `APIProtocol`), grouped by area in
/// `APIHandler+*.swift`. Authentication and error rendering live in ``AuthAndProblemMiddleware``.
struct APIHandler: APIProtocol {
    let store: Store
    let settings: Settings
    let dispatcher: WebhookDispatcher?
    let readiness: @Sendable () async -> Components.Schemas.Ready
    let openAPIDocument: Data
    /// Tells the local delivery worker that rows became due (retry).
    let wakeWorkers: @Sendable () -> Void
    let logger: Logger
}

// MARK: - Shared helpers

extension APIHandler {
    /// The domain named by `idOrName` if the caller may act on it with `role`; 404 when it may not see it at all.
    func domain(_ idOrName: String, scope: Scope, role: DomainRole) async throws -> DomainRecord {
        let principal = try Principal.get()
        try principal.require(scope)
        let found: DomainRecord? =
            if let id = UUID(uuidString: idOrName) {
                try await store.domain(id: id)
            } else {
                try await store.domain(named: idOrName)
            }
        guard let domain = found else { throw APIProblem.notFound("domain \(idOrName)") }
        if principal.isSuperuser { return domain }
        guard let user = principal.user, let membership = try await store.member(domainID: domain.id, userID: user.id)
        else {
            throw APIProblem.notFound("domain \(idOrName)")
        }
        guard membership.role >= role else {
            throw APIProblem.forbidden(
                "this needs the '\(role.rawValue)' role on \(domain.domainName); you are '\(membership.role.rawValue)'")
        }
        return domain
    }

    /// The caller's role on a domain (`owner` for superusers).
    func role(on domain: DomainRecord) async throws -> DomainRole {
        let principal = try Principal.get()
        if principal.isSuperuser { return .owner }
        guard let user = principal.user, let member = try await store.member(domainID: domain.id, userID: user.id)
        else {
            throw APIProblem.notFound("domain \(domain.domainName)")
        }
        return member.role
    }

    static func uuid(_ string: String, _ what: String) throws(APIProblem) -> UUID {
        guard let id = UUID(uuidString: string) else { throw .notFound("\(what) \(string)") }
        return id
    }
}

/// Page size and opaque cursors (base64url of the last key of the previous page).
enum Paging {
    static func limit(_ value: Int?) throws(APIProblem) -> Int {
        let limit = value ?? 100
        guard (1...500).contains(limit) else { throw .invalid("limit", "must be between 1 and 500") }
        return limit
    }

    static func encode(_ key: String) -> String {
        Data(key.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String?) throws(APIProblem) -> String? {
        guard let cursor else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let key = String(data: data, encoding: .utf8) else {
            throw .invalid("cursor", "is not a cursor this server issued")
        }
        return key
    }

    static func decodeUUID(_ cursor: String?) throws(APIProblem) -> UUID? {
        guard let key = try decode(cursor) else { return nil }
        guard let id = UUID(uuidString: key) else { throw .invalid("cursor", "is not a cursor this server issued") }
        return id
    }

    /// The cursor for the next page: set only when the page is full.
    static func next<T>(_ items: [T], limit: Int, key: (T) -> String) -> String? {
        guard items.count == limit, let last = items.last else { return nil }
        return encode(key(last))
    }
}
