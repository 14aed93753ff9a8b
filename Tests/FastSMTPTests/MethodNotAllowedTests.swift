import Foundation
import NIOHTTP1
import Testing

@testable import API

/// 405 with `Allow` for a method a declared path does not have; 404 only for a path that exists nowhere (#17.3).
@Suite("Undeclared methods")
struct MethodNotAllowedTests {
    @Test func everyDeclaredPathIsRead() throws {
        let paths = try DeclaredPaths(document: APIServer.openAPIDocument)
        let document = String(decoding: APIServer.openAPIDocument, as: UTF8.self)
        let declared = document.split(separator: "\n").filter { $0.hasPrefix("  /") && $0.hasSuffix(":") }
        #expect(paths.templates.count == declared.count)
        #expect(paths.allowedMethods(for: "/api/v1/health") == ["GET"])
        #expect(paths.allowedMethods(for: "/api/v1/domains/0b7c/rules/simulate") == ["POST"])
        #expect(paths.allowedMethods(for: "/api/v1/domains/0b7c/rules/1a2b") == ["PUT", "DELETE"])
        #expect(paths.allowedMethods(for: "/api/v1/nothing") == nil)
    }

    @Test(
        "TRACE, PATCH, DELETE on declared paths: 405 + Allow; an unknown path: 404 problem",
        arguments: TestDatabase.available)
    func answers(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let domain = api.domainA.id.uuidString.lowercased()
            let cases: [(HTTPMethod, String, key: String?, allow: String)] = [
                (.TRACE, "/api/v1/auth/me", nil, "GET"),
                (.TRACE, "/api/v1/health", nil, "GET"),
                (.DELETE, "/api/v1/ready", nil, "GET"),
                (.PATCH, "/api/v1/domains/\(domain)", api.aliceKey, "GET, PUT, DELETE"),
                (.GET, "/api/v1/domains/\(domain)/rules/simulate", api.aliceKey, "POST"),
                (.PUT, "/api/v1/test-webhook", api.aliceKey, "POST"),
            ]
            for (method, path, key, allow) in cases {
                let reply = try await api.call(method, path, key: key)
                #expect(reply.status == 405, "\(method) \(path)")
                #expect(reply.headers["allow"] == allow, "\(method) \(path)")
                #expect(reply.headers["content-type"] == "application/problem+json")
                #expect(reply.json["status"] as? Int == 405)
            }
            let missing = try await api.call(.GET, "/api/v1/no-such-thing", key: api.aliceKey)
            #expect(missing.status == 404)
            #expect(missing.headers["allow"] == nil)
            #expect(missing.headers["content-type"] == "application/problem+json")
            // A handler's own 404 (not a member of the domain) is left as it is.
            let other = try await api.call(
                .GET, "/api/v1/domains/\(api.domainB.id.uuidString.lowercased())", key: api.aliceKey)
            #expect(other.status == 404)
            #expect((other.json["detail"] as? String)?.contains("no such path") == false)
            // Declared methods still work.
            #expect(try await api.call(.GET, "/api/v1/health", key: nil).status == 200)
        }
    }
}

/// The document's bounds (minimum/maximum, lengths, items, patterns) are the server's (#17.1).
@Suite("Request bounds from openapi.yaml")
struct RequestBoundsTests {
    @Test func boundsAreReadFromTheDocument() throws {
        let bounds = try RequestBounds(document: APIServer.openAPIDocument)
        let create = try #require(bounds.operation(method: "POST", path: "/api/v1/domains/x/rulesets"))
        let priority = try #require(create.body?.properties["priority"])
        #expect(priority.minimum == -1_000_000 && priority.maximum == 1_000_000)
        let list = try #require(bounds.operation(method: "GET", path: "/api/v1/users"))
        #expect(list.query["cursor"]?.maxLength == 200)
        #expect(list.query["limit"]?.maximum == 500)
        #expect(create.body?.problem(["priority": -1_000_001, "name": "n"], at: "")?.field == "priority")
        #expect(create.body?.problem(["priority": 1_000_000, "name": "n"], at: "") == nil)
        #expect(create.body?.problem(["name": String(repeating: "é", count: 255)], at: "") == nil)
        #expect(create.body?.problem(["name": String(repeating: "é", count: 256)], at: "")?.field == "name")
    }

    @Test("out-of-bounds bodies and queries get 422 naming the field", arguments: TestDatabase.available)
    func refused(database: TestDatabase) async throws {
        try await APIFixture.run(database: database) { api in
            let rulesets = "/api/v1/domains/a.test/rulesets"
            for priority in [-1_000_001, 1_000_001] {
                let reply = try await api.call(
                    .POST, rulesets, key: api.aliceKey, json: ["name": "r", "priority": priority])
                #expect(reply.status == 422, "priority \(priority)")
                let errors = reply.json["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "priority")
            }
            let created = try await api.call(
                .POST, rulesets, key: api.aliceKey, json: ["name": "r", "priority": -1_000_000])
            #expect(created.status == 201)
            let id = try #require(created.json["id"] as? String)
            let put = try await api.call(.PUT, "\(rulesets)/\(id)", key: api.aliceKey, json: ["priority": 1_000_001])
            #expect(put.status == 422)
            let longCursor = String(repeating: "a", count: 201)
            let page = try await api.call(.GET, "/api/v1/users?cursor=\(longCursor)", key: api.rootKey)
            #expect(page.status == 422)
            #expect((page.json["detail"] as? String)?.contains("cursor") == true)
            let limit = try await api.call(.GET, "/api/v1/users?limit=501", key: api.rootKey)
            #expect(limit.status == 422)
            let user = try await api.call(.POST, "/api/v1/users", key: api.rootKey, json: ["username": "bad name"])
            #expect(user.status == 422)
        }
    }
}
