import FastSMTPAPITypes
import Foundation
import Storage

/// Storage records as API schemas. Ids are lowercase UUID strings.
extension UUID {
    var api: String { uuidString.lowercased() }
}

extension Components.Schemas.User {
    init(_ user: UserRecord) {
        self.init(
            id: user.id.api, username: user.username, email: user.email, isActive: user.isActive,
            isSuperuser: user.isSuperuser, createdAt: user.createdAt, updatedAt: user.updatedAt)
    }

    /// The root key's stand-in user.
    static let root = Components.Schemas.User(
        id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).api, username: "root", email: nil,
        isActive: true, isSuperuser: true, createdAt: Date(timeIntervalSince1970: 0),
        updatedAt: Date(timeIntervalSince1970: 0)
    )
}

extension Components.Schemas.APIKey {
    init(_ key: APIKeyRecord) {
        self.init(
            id: key.id.api, userId: key.userID.api, keyPrefix: key.keyPrefix, name: key.name,
            scopes: key.scopes.compactMap(Components.Schemas.Scope.init(rawValue:)), expiresAt: key.expiresAt,
            lastUsedAt: key.lastUsedAt, isActive: key.isActive, createdAt: key.createdAt)
    }
}

extension Components.Schemas.Domain {
    init(_ domain: DomainRecord) {
        self.init(
            id: domain.id.api, domainName: domain.domainName, isEnabled: domain.isEnabled,
            verifyDkim: domain.verifyDKIM, verifySpf: domain.verifySPF, rejectDkimFail: domain.rejectDKIMFail,
            rejectSpfFail: domain.rejectSPFFail, createdAt: domain.createdAt, updatedAt: domain.updatedAt)
    }
}

extension Components.Schemas.Member {
    init(_ member: MemberRecord) {
        self.init(
            userId: member.userID.api, username: member.username, domainId: member.domainID.api,
            role: .init(rawValue: member.role.rawValue) ?? .member, createdAt: member.createdAt)
    }
}

extension Components.Schemas.Recipient {
    /// What responses show for every header value (write-only, like the signing secret).
    static let maskedValue = "********"

    init(_ recipient: RecipientRecord, domainName: String) {
        self.init(
            id: recipient.id.api, domainId: recipient.domainID.api, localPart: recipient.localPart,
            address: "\(recipient.localPart ?? "*")@\(domainName)", webhookUrl: recipient.webhookURL,
            webhookHeaders: .init(additionalProperties: recipient.webhookHeaders.mapValues { _ in Self.maskedValue }),
            isEnabled: recipient.isEnabled,
            createdAt: recipient.createdAt, updatedAt: recipient.updatedAt)
    }
}

extension Components.Schemas.Rule {
    init(_ rule: RuleRecord) {
        self.init(
            id: rule.id.api, rulesetId: rule.rulesetID.api, order: rule.order, field: rule.field,
            _operator: .init(rawValue: rule.operator) ?? .contains, value: rule.value,
            caseSensitive: rule.caseSensitive, negate: rule.negate, action: .init(rawValue: rule.action) ?? .forward,
            webhookUrlOverride: rule.webhookURLOverride, addTags: rule.addTags)
    }
}

extension Components.Schemas.Ruleset {
    init(_ ruleset: RulesetRecord, rules: [RuleRecord]) {
        self.init(
            id: ruleset.id.api, domainId: ruleset.domainID.api, name: ruleset.name, priority: ruleset.priority,
            stopOnMatch: ruleset.stopOnMatch, isEnabled: ruleset.isEnabled,
            rules: rules.filter { $0.rulesetID == ruleset.id }.map(Components.Schemas.Rule.init))
    }
}

extension Components.Schemas.Delivery {
    init(_ d: DeliveryRecord) {
        self.init(
            id: d.id.api, domainId: d.domainID?.api, messageId: d.messageID, recipientId: d.recipientID?.api,
            webhookUrl: d.webhookURL, payloadHash: d.payloadHash,
            status: .init(rawValue: d.status.rawValue) ?? .pending,
            attempts: d.attempts, nextRetryAt: d.nextRetryAt, lastError: d.lastError, lastStatusCode: d.lastStatusCode,
            instanceId: d.instanceID, deliveredAt: d.deliveredAt, dkimResult: d.dkimResult, spfResult: d.spfResult,
            createdAt: d.createdAt, updatedAt: d.updatedAt)
    }
}
