import FastSMTPAPITypes
import Foundation
import Storage

extension APIHandler {
    // Usernames and emails are checked by RequestBoundsMiddleware against openapi.yaml's Username and Email patterns.

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
