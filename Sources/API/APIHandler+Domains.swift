import FastSMTPAPITypes
import FastSMTPModels
import Foundation
import Storage

extension APIHandler {
    func listDomains(_ input: Operations.ListDomains.Input) async throws -> Operations.ListDomains.Output {
        let principal = try Principal.get()
        try principal.require(.domainsRead)
        let limit = try Paging.limit(input.query.limit)
        let memberID = principal.isSuperuser ? nil : principal.user?.id
        let domains = try await store.domains(
            memberID: memberID, limit: limit, after: try Paging.decode(input.query.cursor))
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: domains.map(Components.Schemas.Domain.init),
                        nextCursor: Paging.next(domains, limit: limit) { $0.domainName }))))
    }

    func createDomain(_ input: Operations.CreateDomain.Input) async throws -> Operations.CreateDomain.Output {
        try Principal.get().requireSuperuser(.domainsWrite)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        // The DomainName pattern of openapi.yaml has checked the form (RequestBoundsMiddleware); stored lowercased.
        let name = Store.normalizeDomain(body.domainName)
        let domain = try await store.createDomain(
            name, isEnabled: body.isEnabled ?? true,
            overrides: DomainChanges(
                verifyDKIM: body.verifyDkim.map { .some($0) }, verifySPF: body.verifySpf.map { .some($0) },
                rejectDKIMFail: body.rejectDkimFail.map { .some($0) },
                rejectSPFFail: body.rejectSpfFail.map { .some($0) }
            ))
        return .created(.init(body: .json(.init(domain))))
    }

    func getDomain(_ input: Operations.GetDomain.Input) async throws -> Operations.GetDomain.Output {
        let domain = try await domain(input.path.domainId, scope: .domainsRead, role: .member)
        return .ok(.init(body: .json(.init(domain))))
    }

    func updateDomain(_ input: Operations.UpdateDomain.Input) async throws -> Operations.UpdateDomain.Output {
        let domain = try await domain(input.path.domainId, scope: .domainsWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        let updated = try await store.updateDomain(
            id: domain.id,
            DomainChanges(
                isEnabled: body.isEnabled,
                verifyDKIM: ExplicitNulls.change(body.verifyDkim, field: "verify_dkim"),
                verifySPF: ExplicitNulls.change(body.verifySpf, field: "verify_spf"),
                rejectDKIMFail: ExplicitNulls.change(body.rejectDkimFail, field: "reject_dkim_fail"),
                rejectSPFFail: ExplicitNulls.change(body.rejectSpfFail, field: "reject_spf_fail")
            ))
        return .ok(.init(body: .json(.init(updated))))
    }

    func deleteDomain(_ input: Operations.DeleteDomain.Input) async throws -> Operations.DeleteDomain.Output {
        let domain = try await domain(input.path.domainId, scope: .domainsDelete, role: .owner)
        try await store.deleteDomain(id: domain.id)
        return .noContent(.init())
    }

    // MARK: Members

    func listMembers(_ input: Operations.ListMembers.Input) async throws -> Operations.ListMembers.Output {
        let domain = try await domain(input.path.domainId, scope: .membersRead, role: .member)
        return .ok(.init(body: .json(try await store.members(domainID: domain.id).map(Components.Schemas.Member.init))))
    }

    /// Admins manage members and admins; only owners (and superusers) grant, change or remove ownership.
    private func checkRoleChange(on domain: DomainRecord, touching roles: [DomainRole]) async throws {
        if roles.contains(.owner), try await role(on: domain) < .owner {
            throw APIProblem.forbidden("only owners may grant, change or remove the owner role")
        }
    }

    func addMember(_ input: Operations.AddMember.Input) async throws -> Operations.AddMember.Output {
        let domain = try await domain(input.path.domainId, scope: .membersWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        // Permission first: whether the role may be granted never depends on whether the user exists, so a refusal
        // tells nothing about usernames.
        let role = DomainRole(rawValue: body.role?.rawValue ?? "member") ?? .member
        try await checkRoleChange(on: domain, touching: [role])
        // user_id takes the user's id or its username (an id first: a username may look like one).
        var user: UserRecord? = nil
        if let id = UUID(uuidString: body.userId) { user = try await store.user(id: id) }
        if user == nil { user = try await store.user(named: body.userId) }
        guard let user else { throw APIProblem.notFound("user \(body.userId)") }
        let member = try await store.addMember(domainID: domain.id, userID: user.id, role: role)
        return .created(.init(body: .json(.init(member))))
    }

    func updateMember(_ input: Operations.UpdateMember.Input) async throws -> Operations.UpdateMember.Output {
        let domain = try await domain(input.path.domainId, scope: .membersWrite, role: .admin)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        let userID = try Self.uuid(input.path.userId, "member")
        guard let current = try await store.member(domainID: domain.id, userID: userID) else {
            throw APIProblem.notFound("member \(input.path.userId)")
        }
        let role = DomainRole(rawValue: body.role.rawValue) ?? .member
        try await checkRoleChange(on: domain, touching: [current.role, role])
        // The last-owner rule is checked in the same transaction as the change (Store).
        return .ok(
            .init(body: .json(.init(try await store.updateMember(domainID: domain.id, userID: userID, role: role)))))
    }

    func removeMember(_ input: Operations.RemoveMember.Input) async throws -> Operations.RemoveMember.Output {
        let domain = try await domain(input.path.domainId, scope: .membersWrite, role: .admin)
        let userID = try Self.uuid(input.path.userId, "member")
        guard let current = try await store.member(domainID: domain.id, userID: userID) else {
            throw APIProblem.notFound("member \(input.path.userId)")
        }
        try await checkRoleChange(on: domain, touching: [current.role])
        try await store.removeMember(domainID: domain.id, userID: userID)
        return .noContent(.init())
    }
}
