import ArgumentParser
import FastSMTPApp
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the SMTP server, the API and the delivery worker (all three unless one is chosen)."
    )

    @Flag(help: "Run only the SMTP listener.") var smtpOnly = false
    @Flag(help: "Run only the HTTP API.") var apiOnly = false
    @Flag(help: "Run only the delivery worker.") var workerOnly = false

    func validate() throws {
        if [smtpOnly, apiOnly, workerOnly].filter({ $0 }).count > 1 {
            throw ValidationError("choose at most one of --smtp-only, --api-only, --worker-only")
        }
    }

    func run() async throws {
        let env = try Environment.load()
        let roles =
            smtpOnly
            ? Roles(smtp: true, api: false, worker: false)
            : apiOnly
                ? Roles(smtp: false, api: true, worker: false)
                : workerOnly
                    ? Roles(smtp: false, api: false, worker: true)
                    : .all
        let app: FastSMTPApplication
        do {
            if roles.api {
                let root = try RootAPIKey.resolve(settings: env.settings)
                if root.created {
                    FileHandle.standardOutput.write(
                        Data(
                            """
                            Generated the root API key (shown once; stored in \(RootAPIKey.path(dataDir: env.settings.dataDir)), mode 0600):
                                \(root.key)

                            """.utf8))
                }
            }
            app = try await FastSMTPApplication.make(settings: env.settings, roles: roles, logger: env.logger)
        } catch {
            throw fail("cannot start: \(error)", code: 2)
        }
        try await app.run(handleSignals: true)
    }
}
