import Delivery
import FastSMTPAPITypes
import Foundation
import Storage

extension APIHandler {
    /// Webhook URLs: absolute http(s), no credentials (openapi.yaml's WebhookURL pattern says so first), and not
    /// aimed at a target the webhook policy forbids by its name or literal address alone: 403, for a valid request
    /// this server's policy refuses. `policy: false` leaves that to the request itself (test-webhook reports it).
    func validateWebhookURL(_ url: String, field: String = "webhook_url", policy: Bool = true) throws(APIProblem) {
        do {
            try Store.validateWebhookURL(url)
        } catch {
            throw .invalid(field, "\(error)")
        }
        // Refused early where the URL alone says so; every request is checked again on the address it goes to.
        if policy, let host = URLComponents(string: url)?.host,
            let reason = (dispatcher?.targets.policy ?? WebhookTarget(settings: settings)).refusal(forHost: host)
        {
            throw .forbidden("\(field): \(reason)")
        }
    }

    // Header names (tokens, not the ones FastSMTP sets), values (no CR, LF or NUL) and `********` in a new recipient are
    // checked by RequestBoundsMiddleware against openapi.yaml's WebhookHeaders, HeaderValue and NewHeaderValue.

    func listRecipients(_ input: Operations.ListRecipients.Input) async throws -> Operations.ListRecipients.Output {
        let domain = try await domain(input.path.domainId, scope: .recipientsRead, role: .member)
        let limit = try Paging.limit(input.query.limit)
        let recipients = try await store.recipients(
            domainID: domain.id, limit: limit, after: try Paging.decodeUUID(input.query.cursor))
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: recipients.map { .init($0, domainName: domain.domainName) },
                        nextCursor: Paging.next(recipients, limit: limit, id: \.id)
                    ))))
    }

    func createRecipient(_ input: Operations.CreateRecipient.Input) async throws -> Operations.CreateRecipient.Output {
        let domain = try await domain(input.path.domainId, scope: .recipientsWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        try validateWebhookURL(body.webhookUrl)
        let headers = body.webhookHeaders?.additionalProperties ?? [:]
        let recipient = try await store.createRecipient(
            domain: domain, localPart: body.localPart, webhookURL: body.webhookUrl, webhookHeaders: headers,
            isEnabled: body.isEnabled ?? true
        )
        return .created(
            .init(
                body: .json(
                    .init(
                        value1: .init(recipient, domainName: domain.domainName),
                        value2: .init(signingSecret: recipient.signingSecret ?? "")
                    ))))
    }

    private func recipient(
        _ input: (domain: String, id: String), scope: Scope, role: DomainRole
    ) async throws -> (DomainRecord, RecipientRecord) {
        let domain = try await domain(input.domain, scope: scope, role: role)
        guard let recipient = try await store.recipient(id: try Self.uuid(input.id, "recipient"), domainID: domain.id)
        else {
            throw APIProblem.notFound("recipient \(input.id)")
        }
        return (domain, recipient)
    }

    func getRecipient(_ input: Operations.GetRecipient.Input) async throws -> Operations.GetRecipient.Output {
        let (domain, recipient) = try await recipient(
            (input.path.domainId, input.path.recipientId), scope: .recipientsRead, role: .member)
        return .ok(.init(body: .json(.init(recipient, domainName: domain.domainName))))
    }

    func updateRecipient(_ input: Operations.UpdateRecipient.Input) async throws -> Operations.UpdateRecipient.Output {
        let (domain, recipient) = try await recipient(
            (input.path.domainId, input.path.recipientId), scope: .recipientsWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        if let url = body.webhookUrl { try validateWebhookURL(url) }
        var headers = body.webhookHeaders?.additionalProperties
        if var given = headers {
            // `********`, as responses show a value, keeps the stored one: what a GET returned can be sent back.
            for name in given.filter({ $0.value == Components.Schemas.Recipient.maskedValue }).keys.sorted() {
                guard let stored = recipient.webhookHeaders[name] else {
                    throw APIProblem.conflict(
                        "webhook_headers: \(name) has no stored value for '********' to keep; send the real value")
                }
                given[name] = stored
            }
            headers = given
        }
        let updated = try await store.updateRecipient(
            id: recipient.id, domainID: domain.id,
            RecipientChanges(
                localPart: body.localPart, webhookURL: body.webhookUrl, webhookHeaders: headers,
                isEnabled: body.isEnabled
            ))
        return .ok(.init(body: .json(.init(updated, domainName: domain.domainName))))
    }

    func deleteRecipient(_ input: Operations.DeleteRecipient.Input) async throws -> Operations.DeleteRecipient.Output {
        let (domain, recipient) = try await recipient(
            (input.path.domainId, input.path.recipientId), scope: .recipientsWrite, role: .admin)
        try await store.deleteRecipient(id: recipient.id, domainID: domain.id)
        return .noContent(.init())
    }
}
