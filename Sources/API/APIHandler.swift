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

    // Cursors are keyset positions, opaque to clients: unpadded base64url of the last key of a page — a name's UTF-8
    // or an id's 16 bytes. openapi.yaml's NameCursor and IDCursor patterns admit exactly the strings that decode, so
    // every cursor of the documented shape names a position (bits past the last whole byte are ignored, a name that
    // is not UTF-8 is read with replacement characters) and any other shape is refused before a handler runs.

    static func encode(_ key: String) -> String { base64url(Array(key.utf8)) }

    static func encode(_ id: UUID) -> String { withUnsafeBytes(of: id.uuid) { base64url(Array($0)) } }

    static func decode(_ cursor: String?) throws(APIProblem) -> String? {
        guard let cursor else { return nil }
        guard let bytes = bytes(base64url: cursor) else { throw .invalid("cursor", "is not a cursor") }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func decodeUUID(_ cursor: String?) throws(APIProblem) -> UUID? {
        guard let cursor else { return nil }
        guard let bytes = bytes(base64url: cursor), bytes.count == 16 else {
            throw .invalid("cursor", "is not a cursor")
        }
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of unpadded base64url text; nil for another character or a length of 4n+1 (no whole byte).
    static func bytes(base64url text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for character in text.utf8 {
            guard let digit = alphabet.firstIndex(of: character) else { return nil }
            accumulator = accumulator << 6 | UInt32(digit)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return text.utf8.count % 4 == 1 ? nil : bytes
    }

    /// The cursor for the next page: set only when the page is full.
    static func next<T>(_ items: [T], limit: Int, key: (T) -> String) -> String? {
        guard items.count == limit, let last = items.last else { return nil }
        return encode(key(last))
    }

    /// The cursor for the next page of a listing in id order: set only when the page is full.
    static func next<T>(_ items: [T], limit: Int, id: (T) -> UUID) -> String? {
        guard items.count == limit, let last = items.last else { return nil }
        return encode(id(last))
    }
}
