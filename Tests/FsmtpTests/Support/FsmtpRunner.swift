import FastSMTPTestSupport
import Foundation

/// Runs the built `fsmtp` binary as a user would: its own HOME (so its own config file), a fixed terminal width,
/// no colour, and none of the caller's FASTSMTP_* variables.
struct FsmtpRunner: Sendable {
    let home: URL
    var environment: [String: String] = [:]
    /// Sets NO_COLOR, so that output is plain even if it were a terminal; false leaves only "not a terminal".
    var noColor = true

    init() throws {
        home = try Scratch.directory("home")
    }

    struct Run: Sendable, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed]) }
    }

    /// The built `fsmtp` next to the test bundle (the test target depends on it, so it is always built).
    static var binary: URL {
        var directory = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("fsmtp").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("fsmtp")
    }

    var configPath: URL { home.appendingPathComponent(".config/fastsmtp/config.toml") }

    var processEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.uppercased().hasPrefix("FASTSMTP_") && $0.key != "XDG_CONFIG_HOME" && $0.key != "NO_COLOR"
        }
        env["HOME"] = home.path
        env["COLUMNS"] = "120"
        if noColor { env["NO_COLOR"] = "1" }
        env.merge(environment) { $1 }
        return env
    }

    func callAsFunction(_ arguments: String..., env: [String: String] = [:], stdin: String? = nil) async throws -> Run {
        try await run(arguments, env: env, stdin: stdin)
    }

    func run(_ arguments: [String], env: [String: String] = [:], stdin: String? = nil) async throws -> Run {
        var environment = processEnvironment
        environment.merge(env) { $1 }
        let result = try await runProcess(Self.binary.path, arguments, environment: environment, stdin: stdin)
        return Run(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}

/// Runs a program to completion; its exit status and both outputs, through temporary files (not pipes, whose
/// write ends can leak into processes other tests spawn at the same time).
func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil
) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await runProcessCapturing(
        executable, arguments, environment: environment, stdin: Data((stdin ?? "").utf8))
}
