import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import Storage

/// Turns a presented API key into a ``Principal``.
///
/// Keys are looked up by their hash (the secret is never stored); the root key from settings is compared in constant
/// time. Expired keys, revoked keys and keys of inactive users are refused. `last_used_at` is written at most once a
/// minute per key, not on every request.
final class Authenticator: Sendable {
    let store: Store
    let rootKey: String?
    let hashAlgorithm: String
    private let lastTouched = NIOLockedValueBox<[UUID: Date]>([:])
    static let touchInterval: TimeInterval = 60

    init(store: Store, rootKey: String?, hashAlgorithm: String) {
        self.store = store
        self.rootKey = rootKey
        self.hashAlgorithm = hashAlgorithm
    }

    /// The key from `X-API-Key`, or from `Authorization: Bearer`.
    static func presentedKey(in fields: HTTPFields) -> String? {
        if let key = fields[HTTPField.Name("X-API-Key")!], !key.isEmpty {
            return key.trimmingCharacters(in: .whitespaces)
        }
        if let authorization = fields[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    func authenticate(_ fields: HTTPFields) async throws -> Principal {
        guard let key = Self.presentedKey(in: fields) else { throw APIProblem.unauthorized() }
        if let rootKey, APIKeyGenerator.constantTimeEquals(key, rootKey) { return .root }
        guard key.hasPrefix(APIKeyGenerator.prefix), key.utf8.count <= 200,
            let owner = try await store.keyOwner(hash: APIKeyGenerator.hash(key, algorithm: hashAlgorithm))
        else { throw APIProblem.unauthorized("unknown API key") }
        let now = store.now()
        guard owner.key.isActive else { throw APIProblem.unauthorized("this API key was revoked") }
        if let expiry = owner.key.expiresAt, expiry <= now { throw APIProblem.unauthorized("this API key has expired") }
        guard owner.user.isActive else { throw APIProblem.unauthorized("the key's user is inactive") }
        await touch(owner.key.id, now: now)
        let scopes = Set(owner.key.scopes.compactMap(Scope.init(rawValue:)))
        return Principal(user: owner.user, keyID: owner.key.id, scopes: scopes)
    }

    private func touch(_ id: UUID, now: Date) async {
        let due = lastTouched.withLockedValue { seen -> Bool in
            if let last = seen[id], now.timeIntervalSince(last) < Self.touchInterval { return false }
            if seen.count > 10_000 { seen.removeAll() }
            seen[id] = now
            return true
        }
        if due { try? await store.touchAPIKey(id: id, at: now) }
    }
}
