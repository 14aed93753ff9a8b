import FastSMTPAPITypes
import Foundation
import MIME
import Rules
import Storage

extension APIHandler {
    static func validateWebhookOverride(_ url: String?, handler: APIHandler) throws(APIProblem) {
        if let url { try handler.validateWebhookURL(url, field: "webhook_url_override") }
    }

    func listRulesets(_ input: Operations.ListRulesets.Input) async throws -> Operations.ListRulesets.Output {
        let domain = try await domain(input.path.domainId, scope: .rulesRead, role: .member)
        let rulesets = try await store.rulesets(domainID: domain.id)
        let rules = try await store.rules(rulesetIDs: rulesets.map(\.id))
        return .ok(.init(body: .json(rulesets.map { .init($0, rules: rules) })))
    }

    func createRuleset(_ input: Operations.CreateRuleset.Input) async throws -> Operations.CreateRuleset.Output {
        let domain = try await domain(input.path.domainId, scope: .rulesWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        // RulesetName (openapi.yaml) refuses a UUID: the path's ruleset_id takes an id or a name.
        let name = body.name
        let ruleset = try await store.createRuleset(
            domainID: domain.id, name: name, priority: body.priority ?? 0,
            stopOnMatch: body.stopOnMatch ?? true, isEnabled: body.isEnabled ?? true)
        return .created(.init(body: .json(.init(ruleset, rules: []))))
    }

    private func ruleset(
        _ domainID: String, _ rulesetID: String, scope: Scope, role: DomainRole
    ) async throws -> (DomainRecord, RulesetRecord) {
        let domain = try await domain(domainID, scope: scope, role: role)
        guard let ruleset = try await store.ruleset(rulesetID, domainID: domain.id) else {
            throw APIProblem.notFound("ruleset \(rulesetID)")
        }
        return (domain, ruleset)
    }

    func getRuleset(_ input: Operations.GetRuleset.Input) async throws -> Operations.GetRuleset.Output {
        let (_, ruleset) = try await ruleset(
            input.path.domainId, input.path.rulesetId, scope: .rulesRead, role: .member)
        return .ok(.init(body: .json(.init(ruleset, rules: try await store.rules(rulesetIDs: [ruleset.id])))))
    }

    func updateRuleset(_ input: Operations.UpdateRuleset.Input) async throws -> Operations.UpdateRuleset.Output {
        let (domain, ruleset) = try await ruleset(
            input.path.domainId, input.path.rulesetId, scope: .rulesWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        let updated = try await store.updateRuleset(
            id: ruleset.id, domainID: domain.id,
            RulesetChanges(
                name: body.name, priority: body.priority, stopOnMatch: body.stopOnMatch, isEnabled: body.isEnabled
            ))
        return .ok(.init(body: .json(.init(updated, rules: try await store.rules(rulesetIDs: [ruleset.id])))))
    }

    func deleteRuleset(_ input: Operations.DeleteRuleset.Input) async throws -> Operations.DeleteRuleset.Output {
        let (domain, ruleset) = try await ruleset(
            input.path.domainId, input.path.rulesetId, scope: .rulesWrite, role: .admin)
        try await store.deleteRuleset(id: ruleset.id, domainID: domain.id)
        return .noContent(.init())
    }

    func addRule(_ input: Operations.AddRule.Input) async throws -> Operations.AddRule.Output {
        let (_, ruleset) = try await ruleset(
            input.path.domainId, input.path.rulesetId, scope: .rulesWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        try Self.validateWebhookOverride(body.webhookUrlOverride, handler: self)
        let rule = try await store.addRule(
            rulesetID: ruleset.id,
            RuleFields(
                field: body.field, operator: body._operator.rawValue, value: body.value ?? "",
                caseSensitive: body.caseSensitive ?? false, negate: body.negate ?? false,
                action: body.action?.rawValue ?? "forward", webhookURLOverride: .some(body.webhookUrlOverride),
                addTags: body.addTags ?? []
            ))
        return .created(.init(body: .json(.init(rule))))
    }

    func reorderRules(_ input: Operations.ReorderRules.Input) async throws -> Operations.ReorderRules.Output {
        let (_, ruleset) = try await ruleset(
            input.path.domainId, input.path.rulesetId, scope: .rulesWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        var ids: [UUID] = []
        for (index, id) in body.ruleIds.enumerated() {
            guard let uuid = UUID(uuidString: id) else {
                throw APIProblem.invalid("rule_ids[\(index)]", "is not a rule id")
            }
            ids.append(uuid)
        }
        do {
            try await store.reorderRules(rulesetID: ruleset.id, ruleIDs: ids)
        } catch StoreError.invalid(let message) {
            // The list is well formed but does not match the ruleset as it is now.
            throw APIProblem.conflict("rule_ids: \(message)")
        }
        return .ok(.init(body: .json(.init(ruleset, rules: try await store.rules(rulesetIDs: [ruleset.id])))))
    }

    func updateRule(_ input: Operations.UpdateRule.Input) async throws -> Operations.UpdateRule.Output {
        let domain = try await domain(input.path.domainId, scope: .rulesWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        let id = try Self.uuid(input.path.ruleId, "rule")
        try Self.validateWebhookOverride(body.webhookUrlOverride, handler: self)
        let rule = try await store.updateRule(
            id: id, domainID: domain.id,
            RuleFields(
                field: body.field, operator: body._operator?.rawValue, value: body.value,
                caseSensitive: body.caseSensitive, negate: body.negate,
                action: body.action?.rawValue, webhookURLOverride: body.webhookUrlOverride.map { .some($0) },
                addTags: body.addTags
            ))
        return .ok(.init(body: .json(.init(rule))))
    }

    func deleteRule(_ input: Operations.DeleteRule.Input) async throws -> Operations.DeleteRule.Output {
        let domain = try await domain(input.path.domainId, scope: .rulesWrite, role: .admin)
        guard try await store.deleteRule(id: try Self.uuid(input.path.ruleId, "rule"), domainID: domain.id) else {
            throw APIProblem.notFound("rule \(input.path.ruleId)")
        }
        return .noContent(.init())
    }
}

extension APIHandler {
    /// The rule simulator: the very evaluation real mail runs at the final dot (``Store/simulateRules``), on a
    /// message given as text. Nothing is stored or sent.
    func simulateRules(_ input: Operations.SimulateRules.Input) async throws -> Operations.SimulateRules.Output {
        let domain = try await domain(input.path.domainId, scope: .rulesRead, role: .member)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        let recipient = body.rcptTo.trimmingCharacters(in: .whitespaces)
        guard let at = recipient.lastIndex(of: "@"),
            Store.normalizeDomain(String(recipient[recipient.index(after: at)...])) == domain.domainName
        else {
            throw APIProblem.notFound("recipient \(recipient) of \(domain.domainName)")
        }
        let raw = Array(body.rawMessage.utf8)
        let facts = MailFacts(
            message: MIMEParser.parse(raw, limits: MailFacts.parseLimits), size: raw.count,
            clientIP: body.clientIp ?? "127.0.0.1",
            helo: body.helo ?? "localhost", mailFrom: body.mailFrom, tls: body.tls ?? false,
            dkimResult: body.dkimResult, spfResult: body.spfResult)
        let (route, decision): (RecipientRoute, RuleDecision)
        do {
            (route, decision) = try await store.simulateRules(domain: domain, facts: facts, recipient: recipient)
        } catch StoreError.invalid(let message) {
            throw APIProblem(status: .notFound, detail: "rcpt_to: \(message)")
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        action: .init(rawValue: decision.action.rawValue) ?? .forward,
                        webhookUrl: decision.action == .forward
                            ? decision.webhookURLOverride ?? route.recipient.webhookURL : nil,
                        tags: decision.tags,
                        rule: decision.rule.map(Components.Schemas.DecidingRule.init),
                        trace: decision.trace.map {
                            .init(
                                rulesetId: $0.rulesetID.api, ruleset: $0.ruleset, ruleId: $0.ruleID.api,
                                matched: $0.matched)
                        }))))
    }
}

extension Components.Schemas.DecidingRule {
    init(_ rule: DecidingRule) {
        self.init(
            id: rule.id.api, rulesetId: rule.rulesetID.api, ruleset: rule.ruleset,
            action: .init(rawValue: rule.action.rawValue) ?? .forward)
    }
}
