import Foundation
import Rules
import SQLKit

/// Changes to a ruleset; nil fields stay.
public struct RulesetChanges: Sendable {
    public var name: String?
    public var priority: Int?
    public var stopOnMatch: Bool?
    public var isEnabled: Bool?
    public init(name: String? = nil, priority: Int? = nil, stopOnMatch: Bool? = nil, isEnabled: Bool? = nil) {
        self.name = name
        self.priority = priority
        self.stopOnMatch = stopOnMatch
        self.isEnabled = isEnabled
    }
}

/// A rule's definition (for create, and for update with nil = unchanged).
public struct RuleFields: Sendable {
    public var field: String?
    public var `operator`: String?
    public var value: String?
    public var caseSensitive: Bool?
    public var negate: Bool?
    public var action: String?
    public var webhookURLOverride: String??
    public var addTags: [String]?
    public init(
        field: String? = nil, operator: String? = nil, value: String? = nil, caseSensitive: Bool? = nil,
        negate: Bool? = nil, action: String? = nil, webhookURLOverride: String?? = nil, addTags: [String]? = nil
    ) {
        self.negate = negate
        self.field = field
        self.operator = `operator`
        self.value = value
        self.caseSensitive = caseSensitive
        self.action = action
        self.webhookURLOverride = webhookURLOverride
        self.addTags = addTags
    }
}

extension Store {
    public func createRuleset(
        domainID: UUID, name: String, priority: Int, stopOnMatch: Bool, isEnabled: Bool
    ) async throws -> RulesetRecord {
        let stamp = now()
        let ruleset = RulesetRecord(
            id: UUID(), domainID: domainID, name: name, priority: priority, stopOnMatch: stopOnMatch,
            isEnabled: isEnabled, createdAt: stamp, updatedAt: stamp)
        try await mappingConflicts("ruleset \(name)") {
            try await database.withConnection { sql in
                try await sql.raw(
                    """
                    INSERT INTO rulesets (id, domain_id, name, priority, stop_on_match, is_enabled, created_at, updated_at)
                    VALUES (\(bind: ruleset.id), \(bind: domainID), \(bind: name), \(bind: priority), \(bind: stopOnMatch),
                            \(bind: isEnabled), \(bind: stamp), \(bind: stamp))
                    """
                ).run()
            }
        }
        await rulesChanged()
        return ruleset
    }

    /// A domain's rulesets in the order they run: priority ascending (lower first), then creation time.
    public func rulesets(domainID: UUID) async throws -> [RulesetRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT * FROM rulesets WHERE domain_id = \(bind: domainID) ORDER BY priority, created_at, id"
            )
            .all(decoding: RulesetRecord.self)
        }
    }

    /// A ruleset of the domain, by id or by name.
    public func ruleset(_ idOrName: String, domainID: UUID) async throws -> RulesetRecord? {
        try await database.withConnection { sql in
            if let id = UUID(uuidString: idOrName) {
                return try await sql.raw(
                    "SELECT * FROM rulesets WHERE id = \(bind: id) AND domain_id = \(bind: domainID)"
                )
                .first(decoding: RulesetRecord.self)
            }
            return try await sql.raw(
                "SELECT * FROM rulesets WHERE name = \(bind: idOrName) AND domain_id = \(bind: domainID)"
            )
            .first(decoding: RulesetRecord.self)
        }
    }

    public func updateRuleset(id: UUID, domainID: UUID, _ changes: RulesetChanges) async throws -> RulesetRecord {
        guard var ruleset = try await ruleset(id.uuidString, domainID: domainID) else {
            throw StoreError.notFound("ruleset \(id)")
        }
        if let name = changes.name { ruleset.name = name }
        if let priority = changes.priority { ruleset.priority = priority }
        if let stop = changes.stopOnMatch { ruleset.stopOnMatch = stop }
        if let enabled = changes.isEnabled { ruleset.isEnabled = enabled }
        ruleset.updatedAt = now()
        let r = ruleset
        try await mappingConflicts("ruleset \(r.name)") {
            try await database.withConnection { sql in
                try await sql.raw(
                    """
                    UPDATE rulesets SET name = \(bind: r.name), priority = \(bind: r.priority),
                        stop_on_match = \(bind: r.stopOnMatch), is_enabled = \(bind: r.isEnabled), updated_at = \(bind: r.updatedAt)
                    WHERE id = \(bind: id)
                    """
                ).run()
            }
        }
        await rulesChanged()
        return r
    }

    @discardableResult
    public func deleteRuleset(id: UUID, domainID: UUID) async throws -> Bool {
        let deleted = try await database.withConnection { sql in
            try await sql.raw(
                "DELETE FROM rulesets WHERE id = \(bind: id) AND domain_id = \(bind: domainID) RETURNING id"
            )
            .all().count > 0
        }
        await rulesChanged()
        return deleted
    }

    /// The rules of some rulesets, in order.
    public func rules(rulesetIDs: [UUID]) async throws -> [RuleRecord] {
        guard !rulesetIDs.isEmpty else { return [] }
        return try await database.withConnection { sql in
            var all: [RuleRecord] = []
            for id in rulesetIDs {
                all += try await sql.raw(
                    "SELECT \(unsafeRaw: RuleRecord.columns(database.dialect)) FROM rules r WHERE r.ruleset_id = \(bind: id) ORDER BY r.\"order\", r.id"
                )
                .all(decoding: RuleRecord.self)
            }
            return all
        }
    }

    /// Appends a rule at the end of the ruleset. A rule that would not compile as mail runs it is refused with the
    /// engine's ``RuleDefinitionError`` (which attribute, and where in a regex).
    public func addRule(rulesetID: UUID, _ fields: RuleFields) async throws -> RuleRecord {
        let stamp = now()
        let rule = RuleRecord(
            id: UUID(), rulesetID: rulesetID, order: 0, field: fields.field ?? "subject",
            operator: fields.operator ?? "contains",
            value: fields.value ?? "", caseSensitive: fields.caseSensitive ?? false, negate: fields.negate ?? false,
            action: fields.action ?? "forward",
            webhookURLOverride: fields.webhookURLOverride ?? nil, addTags: fields.addTags ?? [], createdAt: stamp,
            updatedAt: stamp
        )
        _ = try CompiledRule(rule.definition)
        let added = try await database.withTransaction { sql in
            let last = try await sql.raw("SELECT max(\"order\") AS o FROM rules WHERE ruleset_id = \(bind: rulesetID)")
                .first()?.decode(column: "o", as: Int?.self)
            var rule = rule
            rule.order = (last ?? -1) + 1
            try await sql.raw(
                """
                INSERT INTO rules (id, ruleset_id, "order", field, operator, value, case_sensitive, negate, action,
                                   webhook_url_override, add_tags, created_at, updated_at)
                VALUES (\(bind: rule.id), \(bind: rulesetID), \(bind: rule.order), \(bind: rule.field), \(bind: rule.operator),
                        \(bind: rule.value), \(bind: rule.caseSensitive), \(bind: rule.negate), \(bind: rule.action),
                        \(bind: rule.webhookURLOverride),
                        \(bind: JSONColumn(rule.addTags)), \(bind: stamp), \(bind: stamp))
                """
            ).run()
            return rule
        }
        await rulesChanged()
        return added
    }

    /// A rule, if it belongs to a ruleset of `domainID`.
    public func rule(id: UUID, domainID: UUID) async throws -> RuleRecord? {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT \(unsafeRaw: RuleRecord.columns(database.dialect)) FROM rules r JOIN rulesets s ON s.id = r.ruleset_id
                WHERE r.id = \(bind: id) AND s.domain_id = \(bind: domainID)
                """
            ).first(decoding: RuleRecord.self)
        }
    }

    public func updateRule(id: UUID, domainID: UUID, _ fields: RuleFields) async throws -> RuleRecord {
        guard var rule = try await rule(id: id, domainID: domainID) else { throw StoreError.notFound("rule \(id)") }
        if let v = fields.field { rule.field = v }
        if let v = fields.operator { rule.operator = v }
        if let v = fields.value { rule.value = v }
        if let v = fields.caseSensitive { rule.caseSensitive = v }
        if let v = fields.negate { rule.negate = v }
        if let v = fields.action { rule.action = v }
        if let v = fields.webhookURLOverride { rule.webhookURLOverride = v }
        if let v = fields.addTags { rule.addTags = v }
        // The rule as it will be must compile as a whole (e.g. a new operator with the old value).
        _ = try CompiledRule(rule.definition)
        rule.updatedAt = now()
        let r = rule
        try await database.withConnection { sql in
            try await sql.raw(
                """
                UPDATE rules SET field = \(bind: r.field), operator = \(bind: r.operator), value = \(bind: r.value),
                    case_sensitive = \(bind: r.caseSensitive), negate = \(bind: r.negate), action = \(bind: r.action),
                    webhook_url_override = \(bind: r.webhookURLOverride), add_tags = \(bind: JSONColumn(r.addTags)),
                    updated_at = \(bind: r.updatedAt)
                WHERE id = \(bind: id)
                """
            ).run()
        }
        await rulesChanged()
        return r
    }

    @discardableResult
    public func deleteRule(id: UUID, domainID: UUID) async throws -> Bool {
        guard try await rule(id: id, domainID: domainID) != nil else { return false }
        let deleted = try await database.withConnection { sql in
            try await sql.raw("DELETE FROM rules WHERE id = \(bind: id) RETURNING id").all().count > 0
        }
        await rulesChanged()
        return deleted
    }

    /// Sets the order of a ruleset's rules. `ruleIDs` must name each of its rules exactly once.
    public func reorderRules(rulesetID: UUID, ruleIDs: [UUID]) async throws {
        let current = Set(try await rules(rulesetIDs: [rulesetID]).map(\.id))
        guard Set(ruleIDs) == current, ruleIDs.count == current.count else {
            throw StoreError.invalid(
                "rule_ids must list each rule of the ruleset exactly once (\(current.count) rules)")
        }
        let stamp = now()
        try await database.withTransaction { sql in
            for (index, id) in ruleIDs.enumerated() {
                try await sql.raw(
                    """
                    UPDATE rules SET "order" = \(bind: index), updated_at = \(bind: stamp) WHERE id = \(bind: id)
                    """
                ).run()
            }
        }
        await rulesChanged()
    }
}
