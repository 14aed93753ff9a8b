import Delivery
import FastSMTPAPITypes
import FastSMTPModels
import Foundation
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import Storage

/// Builds the HTTP router of the REST API from openapi.yaml's generated stubs and ``APIHandler``.
public enum APIServer {
    /// The OpenAPI document this server implements (served at `/api/v1/openapi.yaml`).
    public static var openAPIDocument: Data {
        Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) } ?? Data()
    }

    public static func router(
        store: Store,
        settings: Settings,
        rootKey: String?,
        dispatcher: WebhookDispatcher?,
        migrator: Migrator,
        wakeWorkers: @escaping @Sendable () -> Void,
        logger: Logger
    ) throws -> Router<BasicRequestContext> {
        let router = Router()
        // First, so that it also wraps the router's "no route" answer.
        let contract = try OpenAPIDocument(openAPIDocument)
        router.add(middleware: MethodNotAllowedMiddleware(paths: DeclaredPaths(contract)))
        router.add(middleware: RequestBoundsMiddleware(bounds: try RequestBounds(contract)))
        let handler = APIHandler(
            store: store, settings: settings, dispatcher: dispatcher,
            readiness: { await readiness(migrator, logger: logger) }, openAPIDocument: openAPIDocument,
            wakeWorkers: wakeWorkers, logger: logger
        )
        let middleware = AuthAndProblemMiddleware(
            authenticator: Authenticator(store: store, rootKey: rootKey, hashAlgorithm: settings.apiKeyHashAlgorithm),
            logger: logger
        )
        try handler.registerHandlers(on: router, configuration: .fastSMTP, middlewares: [middleware])
        return router
    }

    /// Ready: the database answers within 5 s and its schema is this binary's head.
    /// The driver's error goes to the log, not to whoever asks: it may name hosts, users or paths.
    static func readiness(_ migrator: Migrator, logger: Logger) async -> Components.Schemas.Ready {
        do {
            let applied = try await withTimeout(.seconds(5)) { try await migrator.applied() }
            let current = applied == migrator.migrations.map(\.revision)
            return .init(
                status: current ? "ready" : "not ready", database: "ok", schemaRevision: applied.last ?? Migrator.base,
                schemaHead: migrator.head,
                error: current ? nil : "database schema is not current: run `fastsmtp db upgrade`")
        } catch {
            logger.error("readiness: the database check failed", metadata: ["error": "\(String(reflecting: error))"])
            return .init(
                status: "not ready", database: "error", schemaRevision: nil, schemaHead: migrator.head,
                error: error is TimeoutError
                    ? "the database did not answer within 5 s" : "the database is not available (see the server log)")
        }
    }
}
