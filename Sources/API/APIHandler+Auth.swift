import FastSMTPAPITypes
import Foundation
import Storage

extension APIHandler {
    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let principal = try Principal.get()
        var memberships: [MemberRecord] = []
        if let user = principal.user { memberships = try await store.memberships(userID: user.id) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        user: principal.user.map(Components.Schemas.User.init) ?? .root,
                        memberships: memberships.map {
                            Components.Schemas.Membership(
                                domainId: $0.domainID.api, domainName: $0.domainName,
                                role: Components.Schemas.Role(rawValue: $0.role.rawValue) ?? .member
                            )
                        },
                        scopes: principal.scopes.sorted().compactMap {
                            Components.Schemas.Scope(rawValue: $0.rawValue)
                        },
                        keyId: principal.keyID?.api
                    ))))
    }

    /// The caller's own user; the root key has none and so no keys of its own.
    private func keyOwner() throws -> (Principal, UserRecord) {
        let principal = try Principal.get()
        guard let user = principal.user else {
            throw APIProblem.forbidden("the root key has no user and cannot own keys; create a user and give it keys")
        }
        return (principal, user)
    }

    func listKeys(_ input: Operations.ListKeys.Input) async throws -> Operations.ListKeys.Output {
        let principal = try Principal.get()
        let limit = try Paging.limit(input.query.limit)
        guard let user = principal.user else { return .ok(.init(body: .json(.init(items: [], nextCursor: nil)))) }
        let keys = try await store.apiKeys(
            userID: user.id, limit: limit, after: try Paging.decodeUUID(input.query.cursor))
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: keys.map(Components.Schemas.APIKey.init),
                        nextCursor: Paging.next(keys, limit: limit, id: \.id)
                    ))))
    }

    func createKey(_ input: Operations.CreateKey.Input) async throws -> Operations.CreateKey.Output {
        let (principal, user) = try keyOwner()
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        let name = body.name
        let requested = Set((body.scopes ?? [.admin]).compactMap { Scope(rawValue: $0.rawValue) })
        guard !requested.isEmpty else { throw APIProblem.invalid("scopes", "must name at least one scope") }
        // A key can only hand out what it has: scopes narrow, never widen.
        let widened = (requested.contains(.admin) ? Set(Scope.allCases) : requested).subtracting(
            principal.effectiveScopes)
        if !widened.isEmpty {
            throw APIProblem.forbidden(
                "a key cannot grant scopes it lacks: \(widened.sorted().map(\.rawValue).joined(separator: ", "))")
        }
        if let expiry = body.expiresAt, expiry <= store.now() {
            throw APIProblem.invalid("expires_at", "must be in the future")
        }
        let secret = APIKeyGenerator.generate()
        let key = try await store.createAPIKey(
            userID: user.id, name: name, keyHash: APIKeyGenerator.hash(secret, algorithm: settings.apiKeyHashAlgorithm),
            keyPrefix: APIKeyGenerator.displayPrefix(secret), scopes: requested.sorted().map(\.rawValue),
            expiresAt: body.expiresAt
        )
        return .created(.init(body: .json(.init(value1: .init(key), value2: .init(key: secret)))))
    }

    /// One of the caller's keys that the calling key may manage (its scopes cover the target's).
    private func manageableKey(_ keyID: String) async throws -> APIKeyRecord {
        let principal = try Principal.get()
        // The root key owns no keys: nothing to find.
        guard let user = principal.user else { throw APIProblem.notFound("API key \(keyID)") }
        let id = try Self.uuid(keyID, "API key")
        guard let key = try await store.apiKey(id: id), key.userID == user.id else {
            throw APIProblem.notFound("API key \(keyID)")
        }
        let target = Set(key.scopes.compactMap(Scope.init(rawValue:)))
        let needed = (target.contains(.admin) ? Set(Scope.allCases) : target).subtracting(principal.effectiveScopes)
        if !needed.isEmpty, key.id != principal.keyID {
            throw APIProblem.forbidden("this key may not manage a key with more scopes than itself")
        }
        return key
    }

    func deleteKey(_ input: Operations.DeleteKey.Input) async throws -> Operations.DeleteKey.Output {
        let key = try await manageableKey(input.path.keyId)
        try await store.revokeAPIKey(id: key.id)
        return .noContent(.init())
    }

    func rotateKey(_ input: Operations.RotateKey.Input) async throws -> Operations.RotateKey.Output {
        let key = try await manageableKey(input.path.keyId)
        guard key.isActive else { throw APIProblem.notFound("API key \(input.path.keyId)") }
        let secret = APIKeyGenerator.generate()
        let rotated = try await store.rotateAPIKey(
            id: key.id, keyHash: APIKeyGenerator.hash(secret, algorithm: settings.apiKeyHashAlgorithm),
            keyPrefix: APIKeyGenerator.displayPrefix(secret)
        )
        return .ok(.init(body: .json(.init(value1: .init(rotated), value2: .init(key: secret)))))
    }
}
