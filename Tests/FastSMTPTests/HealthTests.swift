import AsyncHTTPClient
import FastSMTPApp
import Foundation
import SQLKit
import Testing

@Suite("Health API")
struct HealthTests {
    func get(_ url: String) async throws -> (status: Int, json: [String: Any]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        return (Int(response.status.code), json)
    }

    @Test("health is 200; ready is 200 with a current schema and 503 without", arguments: TestDatabase.available)
    func healthAndReady(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        let settings = TestServer.settings(databaseURL: url)
        try await TestServer.run(settings: settings, roles: Roles(smtp: false, api: true, worker: false)) { server in
            let base = "http://127.0.0.1:\(server.apiPort)/api/v1"
            let health = try await get("\(base)/health")
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "ok")
            #expect(health.json["instance_id"] as? String == settings.instanceID)

            let ready = try await get("\(base)/ready")
            #expect(ready.status == 200)
            #expect(ready.json["status"] as? String == "ready")

            // Take the schema back: the instance is no longer ready.
            try await server.app.database.withConnection { sql in
                try await sql.raw("DELETE FROM schema_migrations").run()
            }
            let notReady = try await get("\(base)/ready")
            #expect(notReady.status == 503)
            #expect((notReady.json["error"] as? String)?.contains("db upgrade") == true)
        }
    }
}
