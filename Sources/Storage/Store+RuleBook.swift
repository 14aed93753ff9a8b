import Foundation
import Logging
import NIOConcurrencyHelpers
import Rules
import SQLKit

/// Compiled rule books per domain, so that mail never reads rules from the database per message.
///
/// An entry is dropped when this process changes a ruleset or rule (``Store`` does it after each write), when another
/// replica does (a `fastsmtp_rules` notification on PostgreSQL, see ``Store/listenForRuleChanges()``), and at the
/// latest after ``maximumAge`` (a safety net for writers that notify nobody, such as a second process on SQLite).
public final class RuleBookCache: Sendable {
    public let maximumAge: Duration
    private let state = NIOLockedValueBox(State())

    private struct State {
        var books: [UUID: (book: RuleBook, loadedAt: ContinuousClock.Instant)] = [:]
        /// Bumped by every invalidation: a load that began before one is not stored.
        var generation = 0
    }

    public init(maximumAge: Duration = .seconds(60)) {
        self.maximumAge = maximumAge
    }

    func book(_ domainID: UUID) -> RuleBook? {
        state.withLockedValue { state in
            guard let entry = state.books[domainID], entry.loadedAt.duration(to: .now) < maximumAge else {
                return nil
            }
            return entry.book
        }
    }

    var generation: Int { state.withLockedValue { $0.generation } }

    func store(_ book: RuleBook, for domainID: UUID, loadedSince generation: Int) {
        state.withLockedValue { state in
            guard state.generation == generation else { return }
            state.books[domainID] = (book, .now)
        }
    }

    /// Forgets every compiled book (the next message of each domain loads its rules again).
    public func invalidateAll() {
        state.withLockedValue { state in
            state.books.removeAll()
            state.generation += 1
        }
    }
}

extension Database {
    /// The channel on which a replica tells the others that rules changed.
    public static let rulesChannel = "fastsmtp_rules"
}

extension Store {
    /// The rule simulator (API and `fastsmtp rules simulate`): the route mail to `recipient` would take, and what the
    /// domain's rules decide for it — ``RuleBook/evaluate(_:recipients:)`` on the domain's book, as mail intake calls
    /// it on ``MailFacts/init(message:size:clientIP:helo:mailFrom:tls:dkimResult:spfResult:)`` of the message as
    /// received, so a simulation cannot disagree with delivery. ``StoreError/invalid(_:)`` when no recipient of
    /// `domain` takes the address (such mail is refused at RCPT, so there is nothing to decide).
    public func simulateRules(
        domain: DomainRecord, facts: MailFacts, recipient: String
    ) async throws -> (route: RecipientRoute, decision: RuleDecision) {
        guard let route = try await route(address: recipient), route.domain.id == domain.id else {
            throw StoreError.invalid(
                "no recipient of \(domain.domainName) takes \(recipient): mail to it is refused at RCPT")
        }
        let decisions = try await ruleBook(domainID: domain.id).evaluate(facts, recipients: [route.address])
        return (route, decisions[0])
    }

    /// The domain's compiled rules, from the cache or loaded and compiled now.
    public func ruleBook(domainID: UUID) async throws -> RuleBook {
        if let known = ruleBooks.book(domainID) { return known }
        let generation = ruleBooks.generation
        let rulesets = try await rulesets(domainID: domainID)
        let rules = Dictionary(grouping: try await rules(rulesetIDs: rulesets.map(\.id)), by: \.rulesetID)
        let book = RuleBook.compile(
            rulesets.map { ruleset in
                RulesetDefinition(
                    id: ruleset.id, name: ruleset.name, priority: ruleset.priority, stopOnMatch: ruleset.stopOnMatch,
                    isEnabled: ruleset.isEnabled, createdAt: ruleset.createdAt,
                    rules: (rules[ruleset.id] ?? []).map(\.definition))
            })
        for problem in book.problems {
            database.logger.error(
                "a stored rule cannot run and is left out until it is fixed",
                metadata: [
                    "domain.id": "\(domainID)", "rule.id": "\(problem.ruleID)", "error": "\(problem.error)",
                ])
        }
        ruleBooks.store(book, for: domainID, loadedSince: generation)
        return book
    }

    /// Called after every write to rulesets or rules: this process forgets its compiled books, and on PostgreSQL
    /// the other replicas hear of it.
    func rulesChanged() async {
        ruleBooks.invalidateAll()
        guard database.supportsNotifications else { return }
        do {
            try await database.withConnection { sql in
                try await Database.notify(sql, dialect: database.dialect, channel: Database.rulesChannel)
            }
        } catch {
            database.logger.warning(
                "could not tell other replicas that rules changed; they pick it up within \(ruleBooks.maximumAge)",
                metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Drops the compiled books whenever another replica changes rules, until the task is cancelled (PostgreSQL;
    /// returns at once on SQLite).
    public func listenForRuleChanges() async {
        let cache = ruleBooks
        await database.listen(on: Database.rulesChannel) { cache.invalidateAll() }
    }
}

extension RuleRecord {
    /// The rule as the engine takes it.
    public var definition: RuleDefinition {
        RuleDefinition(
            id: id, field: field, operator: `operator`, value: value, caseSensitive: caseSensitive, negate: negate,
            action: action, webhookURLOverride: webhookURLOverride, addTags: addTags)
    }
}
