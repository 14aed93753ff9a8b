import FastSMTPClient
import Foundation

/// Lists that page through every cursor, and finding a thing by id, short id or name.
extension Session {
    static let pageSize = 500

    /// Every item of a cursor-paged list, at most `limit`: `fetch(cursor, pageSize)` returns one page.
    private func collect<Page: CursorPage>(
        limit: Int = .max, _ fetch: (_ cursor: String?, _ size: Int) async throws -> Page
    ) async throws -> [Page.Item] {
        var all: [Page.Item] = []
        var cursor: String?
        repeat {
            let page = try await fetch(cursor, min(Self.pageSize, limit - all.count))
            all += page.items
            cursor = page.nextCursor
        } while cursor != nil && all.count < limit
        return all
    }

    func allDomains() async throws -> [Components.Schemas.Domain] {
        try await collect { try await client.listDomains(query: .init(limit: $1, cursor: $0)).ok.body.json }
    }

    func allRecipients(_ domain: String) async throws -> [Components.Schemas.Recipient] {
        try await collect {
            try await client.listRecipients(path: .init(domainId: domain), query: .init(limit: $1, cursor: $0))
                .ok.body.json
        }
    }

    func allKeys() async throws -> [Components.Schemas.APIKey] {
        try await collect { try await client.listKeys(query: .init(limit: $1, cursor: $0)).ok.body.json }
    }

    /// Up to `limit` deliveries of `domain`, newest first.
    func deliveries(
        _ domain: String, status: Components.Schemas.DeliveryStatus? = nil, since: Date? = nil, limit: Int
    ) async throws -> [Components.Schemas.Delivery] {
        try await collect(limit: limit) {
            try await client.listDeliveries(
                path: .init(domainId: domain), query: .init(status: status, since: since, limit: $1, cursor: $0)
            ).ok.body.json
        }
    }

    /// A recipient by id, short id, address or local part ("*" is the catch-all).
    func recipient(_ domain: String, _ reference: String) async throws -> Components.Schemas.Recipient {
        if UUID(uuidString: reference) != nil {
            return try await client.getRecipient(path: .init(domainId: domain, recipientId: reference)).ok.body.json
        }
        let lowered = reference.lowercased()
        return try pick(
            try await allRecipients(domain), reference, what: "recipient", in: domain, id: \.id,
            matches: { $0.address.lowercased() == lowered || ($0.localPart ?? "*").lowercased() == lowered })
    }

    /// A rule of any of the domain's rulesets by id or short id.
    func rule(_ domain: String, _ reference: String) async throws -> Components.Schemas.Rule {
        let rulesets = try await client.listRulesets(path: .init(domainId: domain)).ok.body.json
        return try pick(
            rulesets.flatMap(\.rules), reference, what: "rule", in: domain, id: \.id, matches: { _ in false })
    }

    /// One of the caller's API keys by id, short id or name.
    func key(_ reference: String) async throws -> Components.Schemas.APIKey {
        try pick(try await allKeys(), reference, what: "API key", in: nil, id: \.id, matches: { $0.name == reference })
    }

    /// A member of `domain` by username or user id.
    func member(_ domain: String, _ reference: String) async throws -> Components.Schemas.Member {
        let members = try await client.listMembers(path: .init(domainId: domain)).ok.body.json
        return try pick(
            members, reference, what: "member", in: domain, id: \.userId,
            matches: { $0.username.lowercased() == reference.lowercased() })
    }

    /// A delivery by id; a short id is looked up in the default domain's log, else in every domain's.
    func delivery(_ reference: String) async throws -> Components.Schemas.Delivery {
        if UUID(uuidString: reference) != nil {
            return try await client.getDelivery(path: .init(deliveryId: reference)).ok.body.json
        }
        let domains: [String] =
            if let domain = config.defaultDomain { [domain] } else { try await allDomains().map(\.domainName) }
        var found: [Components.Schemas.Delivery] = []
        for domain in domains {
            found += try await deliveries(domain, limit: 5000).filter {
                $0.id.lowercased().hasPrefix(reference.lowercased())
            }
        }
        return try pick(found, reference, what: "delivery", in: nil, id: \.id, matches: { _ in false })
    }

    /// The one item whose id is `reference`, whose id starts with it, or that `matches` it.
    func pick<Item>(
        _ items: [Item], _ reference: String, what: String, in domain: String?, id: (Item) -> String,
        matches: (Item) -> Bool
    ) throws(CLIFailure) -> Item {
        let lowered = reference.lowercased()
        if let exact = items.first(where: { id($0).lowercased() == lowered || matches($0) }) { return exact }
        let prefixed = items.filter { id($0).lowercased().hasPrefix(lowered) }
        let place = domain.map { " in \($0)" } ?? ""
        if prefixed.count == 1, let only = prefixed.first { return only }
        if prefixed.count > 1 {
            throw CLIFailure(
                "\(what) '\(reference)'\(place) is ambiguous: \(prefixed.map { shortID(id($0)) }.joined(separator: ", "))"
            )
        }
        throw CLIFailure("\(what) '\(reference)'\(place) not found")
    }
}

/// A page of a cursor-paged list (`{items, next_cursor}`).
protocol CursorPage {
    associatedtype Item
    var items: [Item] { get }
    var nextCursor: String? { get }
}

extension Components.Schemas.DomainPage: CursorPage {}
extension Components.Schemas.RecipientPage: CursorPage {}
extension Components.Schemas.APIKeyPage: CursorPage {}
extension Components.Schemas.DeliveryPage: CursorPage {}
