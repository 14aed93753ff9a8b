@testable import SMTPCore

/// The UTF-8 bytes of a string.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The reply a parse failure throws, or nil if the line parses.
func parseFailure(_ line: [UInt8]) -> SMTPReply? {
    do {
        _ = try SMTPCommandParser.parse(line)
        return nil
    } catch {
        return error
    }
}

/// A compact, comparable summary of an action, so tests state expectations literally.
enum Outcome: Sendable, Hashable, CustomStringConvertible {
    case reply(Int, String?)
    case close(Int, String?)
    case check(String)
    case startData
    case deliver(String)
    case startTLS(Int, String?)

    init(_ action: SMTPSessionStateMachine.Action) {
        switch action {
        case .reply(let reply): self = .reply(reply.code, reply.enhancedStatus)
        case .replyAndClose(let reply): self = .close(reply.code, reply.enhancedStatus)
        case .checkRecipient(let address, _): self = .check(address)
        case .startData(let reply):
            precondition(reply.code == 354, "startData must carry a 354 reply, got \(reply)")
            self = .startData
        case .deliver(_, let message): self = .deliver(String(decoding: message, as: UTF8.self))
        case .startTLS(let reply): self = .startTLS(reply.code, reply.enhancedStatus)
        }
    }

    var description: String {
        switch self {
        case .reply(let code, let status): "reply(\(code) \(status ?? "-"))"
        case .close(let code, let status): "close(\(code) \(status ?? "-"))"
        case .check(let address): "check(\(address))"
        case .startData: "startData"
        case .deliver(let message): "deliver(\(message.debugDescription))"
        case .startTLS(let code, let status): "startTLS(\(code) \(status ?? "-"))"
        }
    }
}

/// One input to the session state machine.
enum Input: Sendable, CustomStringConvertible {
    case line(String)
    case rawLine([UInt8])
    case tooLong
    case checked(RecipientCheckResult)
    case data(String)
    case dataRejected(SMTPDataError)
    case delivered(Result<String, SMTPReply>)
    case timeout

    var description: String {
        switch self {
        case .line(let text): "line(\(text.debugDescription))"
        case .rawLine(let raw): "rawLine(\(raw))"
        case .tooLong: "tooLong"
        case .checked(let result): "checked(\(result))"
        case .data(let text): "data(\(text.debugDescription))"
        case .dataRejected(let reason): "dataRejected(\(reason))"
        case .delivered(let result): "delivered(\(result))"
        case .timeout: "timeout"
        }
    }
}

extension SMTPSessionStateMachine {
    /// Feeds one input and returns the action.
    mutating func feed(_ input: Input) -> Action {
        switch input {
        case .line(let text): commandLineReceived(bytes(text))
        case .rawLine(let raw): commandLineReceived(raw)
        case .tooLong: commandLineTooLong()
        case .checked(let result): recipientChecked(result)
        case .data(let text): dataReceived(bytes(text))
        case .dataRejected(let reason): dataRejected(reason)
        case .delivered(let result): deliveryFinished(result)
        case .timeout: idleTimeout()
        }
    }

    /// A connected machine (greeting already taken).
    static func connected(
        hostname: String = "mx.test",
        maxMessageSize: Int = SMTPDefaults.maxMessageSize,
        maxRecipients: Int = SMTPDefaults.maxRecipients,
        maxErrors: Int = SMTPDefaults.maxErrors,
        startTLSAvailable: Bool = false
    ) -> SMTPSessionStateMachine {
        var machine = SMTPSessionStateMachine(
            configuration: SMTPSessionConfiguration(
                hostname: hostname, maxMessageSize: maxMessageSize, maxRecipients: maxRecipients,
                maxErrors: maxErrors, startTLSAvailable: startTLSAvailable))
        _ = machine.connected()
        return machine
    }

    /// Feeds inputs and returns the outcomes.
    mutating func run(_ inputs: [Input]) -> [Outcome] {
        inputs.map { Outcome(feed($0)) }
    }
}
