import FastSMTPAPITypes
import Foundation
import Storage

extension APIHandler {
    static func validateUsername(_ name: String) throws(APIProblem) {
        guard (1...64).contains(name.count),
            name.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
            })
        else { throw .invalid("username", "1 to 64 of A-Z a-z 0-9 . _ -") }
    }

    static func validateEmail(_ email: String?) throws(APIProblem) {
        guard let email else { return }
        // openapi.yaml's Email pattern: one @ with something before it and a dot after it, no space or control.
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.unicodeScalars.count <= 320, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else { throw .invalid("email", "is not an email address") }
    }

    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        try Principal.get().requireSuperuser(.usersRead)
        let limit = try Paging.limit(input.query.limit)
        let users = try await store.users(limit: limit, after: try Paging.decode(input.query.cursor))
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: users.map(Components.Schemas.User.init),
                        nextCursor: Paging.next(users, limit: limit) { $0.username }))))
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        try Principal.get().requireSuperuser(.usersWrite)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        try Self.validateUsername(body.username)
        try Self.validateEmail(body.email)
        let user = try await store.createUser(
            username: body.username, email: body.email, isActive: body.isActive ?? true,
            isSuperuser: body.isSuperuser ?? false)
        return .created(.init(body: .json(.init(user))))
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        try Principal.get().requireSuperuser(.usersRead)
        guard let user = try await store.user(id: try Self.uuid(input.path.userId, "user")) else {
            throw APIProblem.notFound("user \(input.path.userId)")
        }
        return .ok(.init(body: .json(.init(user))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        try Principal.get().requireSuperuser(.usersWrite)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("body", "JSON expected") }
        if let name = body.username { try Self.validateUsername(name) }
        try Self.validateEmail(body.email)
        let user = try await store.updateUser(
            id: try Self.uuid(input.path.userId, "user"),
            UserChanges(
                username: body.username, email: body.email.map { .some($0) }, isActive: body.isActive,
                isSuperuser: body.isSuperuser)
        )
        return .ok(.init(body: .json(.init(user))))
    }

    func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        let principal = try Principal.get()
        try principal.requireSuperuser(.usersWrite)
        let id = try Self.uuid(input.path.userId, "user")
        if principal.user?.id == id { throw APIProblem.forbidden("you cannot delete yourself") }
        guard try await store.deleteUser(id: id) else { throw APIProblem.notFound("user \(input.path.userId)") }
        return .noContent(.init())
    }
}
