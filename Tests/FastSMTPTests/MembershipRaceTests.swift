import FastSMTPApp
import Foundation
import Storage
import Testing

/// The last-owner rule holds under concurrency: the check and the change are one transaction per domain.
@Suite("Membership races")
struct MembershipRaceTests {
    @Test(
        "two owners demoted or removed at the same moment: one change wins, the domain keeps an owner",
        arguments: TestDatabase.available)
    func lastOwnerRace(database: TestDatabase) async throws {
        let url = try await database.makeMigratedURL()
        try await TestServer.run(
            settings: TestServer.settings(databaseURL: url), roles: Roles(smtp: false, api: false, worker: false)
        ) { server in
            let store = server.store
            let first = try await store.createUser(username: "first")
            let second = try await store.createUser(username: "second")
            for round in 0..<20 {
                let domain = try await store.createDomain("race\(round).example.com")
                try await store.addMember(domainID: domain.id, userID: first.id, role: .owner)
                try await store.addMember(domainID: domain.id, userID: second.id, role: .owner)
                async let demoted: Bool = {
                    do {
                        _ = try await store.updateMember(domainID: domain.id, userID: first.id, role: .member)
                        return true
                    } catch StoreError.wrongState { return false }
                }()
                async let removed: Bool = {
                    do {
                        try await store.removeMember(domainID: domain.id, userID: second.id)
                        return true
                    } catch StoreError.wrongState { return false }
                }()
                let outcomes = try await [demoted, removed]
                let owners = try await store.members(domainID: domain.id).filter { $0.role == .owner }
                #expect(owners.count == 1, "round \(round): \(owners.count) owners after \(outcomes)")
                #expect(outcomes.filter { $0 }.count == 1, "round \(round): \(outcomes)")
            }
        }
    }
}
