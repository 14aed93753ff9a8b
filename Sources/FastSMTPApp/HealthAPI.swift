import Foundation
import Hummingbird
import Storage

/// The HTTP API. For now: liveness and readiness (the full REST API is generated from openapi.yaml later).
enum HealthAPI {
    struct Health: ResponseEncodable {
        var status: String
        var version: String
        var instance_id: String
    }

    struct Ready: ResponseEncodable {
        var status: String
        var database: String
        var schema_revision: String?
        var schema_head: String
        var error: String?
    }

    static func router(migrator: Migrator, instanceID: String, version: String) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/api/v1/health") { _, _ in
            Health(status: "ok", version: version, instance_id: instanceID)
        }
        router.get("/api/v1/ready") { _, _ -> Response in
            let ready: Ready
            var ok = false
            do {
                let applied = try await withTimeout(.seconds(5)) { try await migrator.applied() }
                ok = applied == migrator.migrations.map(\.revision)
                ready = Ready(
                    status: ok ? "ready" : "not ready", database: "ok", schema_revision: applied.last ?? Migrator.base,
                    schema_head: migrator.head, error: ok ? nil : "database schema is not current: run `fastsmtp db upgrade`"
                )
            } catch {
                ready = Ready(status: "not ready", database: "unreachable", schema_revision: nil,
                              schema_head: migrator.head, error: "\(error)")
            }
            let body = try JSONEncoder().encode(ready)
            return Response(
                status: ok ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
        return router
    }
}
