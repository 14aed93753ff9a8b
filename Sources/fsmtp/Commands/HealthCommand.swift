import ArgumentParser
import FastSMTPClient
import Foundation

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Check that the server is up and ready (exit 1 if not ready).")

    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        var health: Components.Schemas.Health
        var ready: Components.Schemas.Ready
    }

    func run() async throws {
        let session = try Session.make(global)
        let health = try await session.client.getHealth().ok.body.json
        let readyOutput = try await session.client.getReady()
        let ready: Components.Schemas.Ready =
            switch readyOutput {
            case .ok(let ok): try ok.body.json
            case .serviceUnavailable(let unavailable): try unavailable.body.json
            case .undocumented(let status, _): .init(status: "HTTP \(status)", database: "unknown", schemaHead: "")
            }
        let output = session.output
        try output.emit(Report(health: health, ready: ready)) {
            output.success("\(session.config.apiURL) is up (version \(health.version), instance \(health.instanceId))")
            let schema = "schema \(ready.schemaRevision ?? "none") of \(ready.schemaHead)"
            if ready.status == "ready" {
                output.success("Ready: database \(ready.database), \(schema)")
            } else {
                output.failure("Not ready: database \(ready.database), \(schema)\(ready.error.map { ": \($0)" } ?? "")")
            }
        }
        if ready.status != "ready" { throw ExitCode(CLIFailure.failureExitCode) }
    }
}
