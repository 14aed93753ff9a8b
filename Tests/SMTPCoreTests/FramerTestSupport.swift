@testable import SMTPCore

/// What a framer produced, in order.
enum FramerEvent: Hashable, CustomStringConvertible {
    case line(String)
    case lineTooLong
    case message([UInt8])
    case rejected(SMTPDataError)

    var description: String {
        switch self {
        case .line(let text): "line(\(text.debugDescription))"
        case .lineTooLong: "lineTooLong"
        case .message(let message): "message(\(String(decoding: message, as: UTF8.self).debugDescription))"
        case .rejected(let reason): "rejected(\(reason))"
        }
    }
}

/// Drives a framer the way the connection handler does: commands until a `DATA` line,
/// then data until the message event, then commands again.
struct FramerDriver {
    var framer: SMTPInputFramer
    var inData = false
    var events: [FramerEvent] = []

    init(_ framer: SMTPInputFramer = SMTPInputFramer()) {
        self.framer = framer
    }

    mutating func feed(_ chunk: [UInt8]) {
        framer.append(chunk)
        drain()
    }

    mutating func drain() {
        while true {
            if inData {
                guard let event = framer.nextData() else { return }
                inData = false
                switch event {
                case .message(let message): events.append(.message(message))
                case .rejected(let reason): events.append(.rejected(reason))
                }
            } else {
                guard let event = framer.nextCommand() else { return }
                switch event {
                case .line(let line):
                    let text = String(decoding: line, as: UTF8.self)
                    events.append(.line(text))
                    if text.uppercased() == "DATA" { inData = true }
                case .lineTooLong:
                    events.append(.lineTooLong)
                }
            }
        }
    }
}

/// Runs the input through a fresh framer in the given chunks.
func frame(_ chunks: [[UInt8]], _ framer: SMTPInputFramer = SMTPInputFramer()) -> [FramerEvent] {
    var driver = FramerDriver(framer)
    for chunk in chunks { driver.feed(chunk) }
    return driver.events
}

/// All at once, one byte at a time, and in chunks of every size from 2 to 7; asserts they
/// agree and returns the all-at-once events.
func frameEveryWay(
    _ input: [UInt8], _ framer: SMTPInputFramer = SMTPInputFramer()
) -> (whole: [FramerEvent], agree: Bool) {
    let whole = frame([input], framer)
    var agree = frame(input.map { [$0] }, framer) == whole
    for size in 2...7 {
        let chunks = stride(from: 0, to: input.count, by: size).map { Array(input[$0..<min($0 + size, input.count)]) }
        agree = agree && frame(chunks, framer) == whole
    }
    return (whole, agree)
}
