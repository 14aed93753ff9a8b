import Delivery
import FastSMTPAPITypes
import FastSMTPModels
import Foundation
import OpenAPIRuntime
import Storage

extension APIHandler {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: "ok", version: FastSMTPVersion.current, instanceId: settings.instanceID))))
    }

    func getReady(_ input: Operations.GetReady.Input) async throws -> Operations.GetReady.Output {
        let ready = await readiness()
        return ready.status == "ready" ? .ok(.init(body: .json(ready))) : .serviceUnavailable(.init(body: .json(ready)))
    }

    func getOpenAPIDocument(
        _ input: Operations.GetOpenAPIDocument.Input
    ) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(openAPIDocument))))
    }

    func listDeliveries(_ input: Operations.ListDeliveries.Input) async throws -> Operations.ListDeliveries.Output {
        let domain = try await domain(input.path.domainId, scope: .logsRead, role: .member)
        let limit = try Paging.limit(input.query.limit)
        let rows = try await store.deliveries(
            domainID: domain.id, status: input.query.status.flatMap { DeliveryStatus(rawValue: $0.rawValue) },
            since: input.query.since, limit: limit, after: try Paging.decodeUUID(input.query.cursor)
        )
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: rows.map(Components.Schemas.Delivery.init),
                        nextCursor: Paging.next(rows, limit: limit, id: \.id)))))
    }

    /// A delivery the caller may see (with `role` on its domain); deliveries of deleted domains are superusers' only.
    private func delivery(_ id: String, scope: Scope, role: DomainRole) async throws -> DeliveryRecord {
        let principal = try Principal.get()
        try principal.require(scope)
        guard let delivery = try await store.delivery(id: try Self.uuid(id, "delivery")) else {
            throw APIProblem.notFound("delivery \(id)")
        }
        if principal.isSuperuser { return delivery }
        guard let domainID = delivery.domainID else { throw APIProblem.notFound("delivery \(id)") }
        do {
            _ = try await domain(domainID.uuidString, scope: scope, role: role)
        } catch let problem as APIProblem where problem.status == .notFound {
            throw APIProblem.notFound("delivery \(id)")
        }
        return delivery
    }

    func getDelivery(_ input: Operations.GetDelivery.Input) async throws -> Operations.GetDelivery.Output {
        .ok(.init(body: .json(.init(try await delivery(input.path.deliveryId, scope: .logsRead, role: .member)))))
    }

    /// Re-queueing changes what is delivered, so it takes `recipients:write` and the domain admin role.
    func retryDelivery(_ input: Operations.RetryDelivery.Input) async throws -> Operations.RetryDelivery.Output {
        let delivery = try await delivery(input.path.deliveryId, scope: .recipientsWrite, role: .admin)
        let retried = try await store.retryDelivery(id: delivery.id)
        wakeWorkers()
        return .ok(.init(body: .json(.init(retried))))
    }

    /// Releasing a quarantined delivery sends it: `rules:write` and the domain admin role, as for changing rules.
    func releaseDelivery(_ input: Operations.ReleaseDelivery.Input) async throws -> Operations.ReleaseDelivery.Output {
        let delivery = try await delivery(input.path.deliveryId, scope: .rulesWrite, role: .admin)
        let released = try await store.releaseDelivery(id: delivery.id)
        wakeWorkers()
        return .ok(.init(body: .json(.init(released))))
    }

    func deleteQuarantinedDelivery(
        _ input: Operations.DeleteQuarantinedDelivery.Input
    ) async throws -> Operations.DeleteQuarantinedDelivery.Output {
        let delivery = try await delivery(input.path.deliveryId, scope: .rulesWrite, role: .admin)
        try await store.discardQuarantined(id: delivery.id)
        return .noContent(.init())
    }

    func testWebhook(_ input: Operations.TestWebhook.Input) async throws -> Operations.TestWebhook.Output {
        let principal = try Principal.get()
        try principal.require(.recipientsWrite)
        // Not a network probe for anyone with a key: only those who administer a domain (or superusers) may test.
        if !principal.isSuperuser, let user = principal.user {
            let memberships = try await store.memberships(userID: user.id)
            guard memberships.contains(where: { $0.role >= .admin }) else {
                throw APIProblem.forbidden("testing a webhook needs the admin role on a domain, or a superuser")
            }
        }
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        // The policy is applied by the request itself (on the address it would connect to) and reported in the result.
        try validateWebhookURL(body.webhookUrl, policy: false)
        let headers = body.webhookHeaders?.additionalProperties ?? [:]
        guard let dispatcher else {
            throw APIProblem(status: .unprocessableContent, detail: "webhook testing is not available on this instance")
        }
        let payload = SamplePayload.make(
            subject: body.subject, from: body.from, text: body.body, hostname: settings.smtpHostname)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // At most 8 s, whatever the delivery timeout: the caller is waiting on this request.
        let attempt = await dispatcher.with(timeout: min(.seconds(settings.webhookTimeout), .seconds(8))).post(
            url: body.webhookUrl, body: Array(try encoder.encode(payload)), headers: headers, deliveryID: UUID(),
            logger: logger
        )
        let latency =
            Double(attempt.latency.components.seconds) * 1000 + Double(attempt.latency.components.attoseconds) / 1e15
        var error: String?
        switch attempt.result {
        case .transportError(let message), .refused(let message): error = message
        case .response: break
        }
        let code = attempt.statusCode
        return .ok(
            .init(
                body: .json(
                    .init(
                        webhookUrl: body.webhookUrl, success: code.map { (200..<300).contains($0) } ?? false,
                        statusCode: code,
                        latencyMs: (latency * 10).rounded() / 10, responseExcerpt: attempt.responseExcerpt, error: error
                    ))))
    }
}

/// The payload `test-webhook` sends: shaped like a real one, marked as a test.
enum SamplePayload {
    static func make(subject: String?, from: String?, text: String?, hostname: String) -> WebhookPayload {
        let id = UUID().uuidString.lowercased()
        let from = from ?? "sender@example.org"
        let subject = subject ?? "FastSMTP test message"
        let raw =
            "From: \(from)\r\nTo: test@example.com\r\nSubject: \(subject)\r\n\r\n\(text ?? "This is a test payload from FastSMTP.")\r\n"
        return WebhookPayload(
            event: "email.test",
            message: .init(
                id: id, messageID: "<\(id)@\(hostname)>", receivedAt: Date().formatted(.iso8601), size: raw.utf8.count,
                envelope: .init(
                    mailFrom: from, rcptTo: ["test@example.com"], helo: hostname, clientIP: "127.0.0.1", tls: false),
                subject: subject,
                headers: [
                    .init(name: "From", value: from), .init(name: "To", value: "test@example.com"),
                    .init(name: "Subject", value: subject),
                ],
                rawBase64: Data(raw.utf8).base64EncodedString()
            ),
            recipient: .init(id: UUID().uuidString.lowercased(), address: "test@example.com", catchAll: false),
            tags: ["test"]
        )
    }
}
