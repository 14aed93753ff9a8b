import FastSMTPAPITypes
import Foundation
import OpenAPIRuntime

/// A failure that ends the command: one line on stderr and an exit code (SPEC's gh-like table: 1 failure,
/// 2 usage, 4 authentication or permission).
struct CLIFailure: Error, Sendable, CustomStringConvertible {
    static let failureExitCode: Int32 = 1
    static let usageExitCode: Int32 = 2
    static let authExitCode: Int32 = 4

    var message: String
    var exitCode: Int32

    init(_ message: String, exitCode: Int32 = CLIFailure.failureExitCode) {
        self.message = message
        self.exitCode = exitCode
    }

    static func usage(_ message: String) -> CLIFailure { CLIFailure(message, exitCode: usageExitCode) }

    var description: String { message }

    /// Any error a command can end with, as one line and its exit code. Nothing is shown as a stack trace.
    static func from(_ error: any Error) -> CLIFailure {
        switch error {
        case let failure as CLIFailure:
            return failure
        case let failure as APIFailure:
            return failure.cliFailure
        case let clientError as ClientError:
            if let underlying = clientError.underlyingError as? APIFailure { return underlying.cliFailure }
            let server = clientError.baseURL?.absoluteString ?? "the server"
            if clientError.response != nil {
                return CLIFailure(
                    "unexpected answer from \(server) to \(clientError.operationID): \(clientError.causeDescription)")
            }
            return CLIFailure(
                "cannot reach the FastSMTP API at \(server): " + NetworkErrorText.describe(clientError.underlyingError))
        default:
            return CLIFailure("\(error)")
        }
    }
}

/// An error answer of the API (status ≥ 400), with its RFC 9457 problem details when it sent them.
struct APIFailure: Error, Sendable {
    var status: Int
    var problem: Components.Schemas.Problem?
    var body: String
    /// Whether the request carried an API key (a 401 without one means "configure a key").
    var sentKey: Bool

    var detail: String {
        if let detail = problem?.detail, !detail.isEmpty { return detail }
        if let title = problem?.title, !title.isEmpty { return title }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "HTTP \(status)" : String(text.prefix(200))
    }

    var cliFailure: CLIFailure {
        switch status {
        case 401:
            guard sentKey else {
                return CLIFailure(
                    "no API key configured: run 'fsmtp config init', pass --api-key or set FASTSMTP_API_KEY",
                    exitCode: CLIFailure.authExitCode)
            }
            return CLIFailure(
                "authentication failed: the API key was refused (\(detail)); check it with 'fsmtp config show'",
                exitCode: CLIFailure.authExitCode)
        case 403:
            return CLIFailure("permission denied: \(detail)", exitCode: CLIFailure.authExitCode)
        case 404:
            return CLIFailure(detail.hasSuffix("not found") ? detail : "not found: \(detail)")
        case 409:
            return CLIFailure("conflict: \(detail)")
        case 400, 422:
            if let errors = problem?.errors, !errors.isEmpty {
                return CLIFailure(
                    "invalid input: " + errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
            }
            return CLIFailure("invalid input: \(detail)")
        default:
            return CLIFailure("server error (HTTP \(status)): \(detail)")
        }
    }
}

/// A short reason for a transport failure (connection refused, timeout, bad address…).
enum NetworkErrorText {
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        let lowered = text.lowercased()
        if lowered.contains("refused") { return "connection refused" }
        if lowered.contains("timeout") || lowered.contains("timed out") { return "timed out" }
        if lowered.contains("dns") || lowered.contains("lookup") || lowered.contains("resolve") {
            return "host name not resolved"
        }
        if let range = text.range(of: "errno:") ?? text.range(of: "(") {
            return String(text[..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
        }
        return text
    }
}
