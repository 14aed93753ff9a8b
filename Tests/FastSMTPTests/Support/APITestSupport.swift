import API
import AsyncHTTPClient
import FastSMTPApp
import Foundation
import NIOCore
import NIOHTTP1
import Storage

/// A live API on loopback with two tenants: alice owns a.test, bob owns b.test; root is the superuser key.
struct APIFixture: Sendable {
    let server: TestServer
    let rootKey: String
    let alice: UserRecord
    let bob: UserRecord
    let aliceKey: String
    let bobKey: String
    let domainA: DomainRecord
    let domainB: DomainRecord

    var store: Store { server.store }
    var base: String { "http://127.0.0.1:\(server.apiPort)" }

    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        var array: [[String: Any]] { ((try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]]) ?? [] }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    }

    /// Runs `body` against a fresh server and database with the two tenants in place.
    static func run(database: TestDatabase, _ body: @Sendable (APIFixture) async throws -> Void) async throws {
        let url = try await database.makeMigratedURL()
        let rootKey = APIKeyGenerator.generate()
        let settings = TestServer.settings(databaseURL: url) { $0.rootAPIKey = rootKey }
        try await TestServer.run(settings: settings, roles: Roles(smtp: false, api: true, worker: false)) { server in
            let store = server.store
            let alice = try await store.createUser(username: "alice", email: "alice@a.test")
            let bob = try await store.createUser(username: "bob")
            let domainA = try await store.createDomain("a.test")
            let domainB = try await store.createDomain("b.test")
            try await store.addMember(domainID: domainA.id, userID: alice.id, role: .owner)
            try await store.addMember(domainID: domainB.id, userID: bob.id, role: .owner)
            let fixture = APIFixture(
                server: server, rootKey: rootKey, alice: alice, bob: bob,
                aliceKey: try await makeKey(store, user: alice), bobKey: try await makeKey(store, user: bob),
                domainA: domainA, domainB: domainB
            )
            try await body(fixture)
        }
    }

    /// Stores a key for `user` as `fastsmtp user generate-key` does and returns its secret.
    static func makeKey(
        _ store: Store, user: UserRecord, scopes: [String] = ["admin"], expiresAt: Date? = nil
    ) async throws -> String {
        let secret = APIKeyGenerator.generate()
        _ = try await store.createAPIKey(
            userID: user.id, name: "test", keyHash: APIKeyGenerator.hash(secret),
            keyPrefix: APIKeyGenerator.displayPrefix(secret), scopes: scopes, expiresAt: expiresAt)
        return secret
    }

    func key(for user: UserRecord, scopes: [String], expiresAt: Date? = nil) async throws -> String {
        try await Self.makeKey(store, user: user, scopes: scopes, expiresAt: expiresAt)
    }

    /// One HTTP request; `key` nil sends none. `bearer` sends it as `Authorization: Bearer`.
    func call(
        _ method: HTTPMethod, _ path: String, key: String?, json: Any? = nil, bearer: Bool = false
    ) async throws -> Reply {
        try await Self.call(base: base, method, path, key: key, json: json, bearer: bearer)
    }

    /// One HTTP request to the API at `base` (for tests that start their own server).
    static func call(
        base: String, _ method: HTTPMethod, _ path: String, key: String?, json: Any? = nil, bearer: Bool = false
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let key {
            if bearer {
                request.headers.add(name: "Authorization", value: "Bearer \(key)")
            } else {
                request.headers.add(name: "X-API-Key", value: key)
            }
        }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
    }
}
