import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What fsmtp needs of the terminal: whether stdin/stdout are one, its width, colour, prompts.
enum Terminal {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    static var useColor: Bool { stdoutIsTerminal && environment["NO_COLOR"] == nil }

    /// `COLUMNS` when set (tests fix it), else the terminal's width, else 80.
    static var width: Int {
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Asks on the terminal; an empty answer gives `defaultValue`. A secret is read with echo off (switched off
    /// before the question is shown, so nothing typed early is echoed).
    static func prompt(_ question: String, default defaultValue: String? = nil, secret: Bool = false) -> String? {
        var saved = termios()
        let quiet = secret && tcgetattr(STDIN_FILENO, &saved) == 0
        if quiet {
            var noEcho = saved
            noEcho.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &noEcho)
        }
        defer {
            if quiet {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardOutput.write(Data("\n".utf8))
            }
        }
        let suffix = defaultValue.map { " [\($0)]" } ?? ""
        FileHandle.standardOutput.write(Data("\(question)\(suffix): ".utf8))
        guard let answer = readLine() else { return nil }
        let trimmed = answer.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? defaultValue ?? "" : trimmed
    }

    /// Asks a yes/no question; only "y" or "yes" is yes.
    static func confirm(_ question: String) -> Bool {
        guard let answer = prompt(question + " [y/N]") else { return false }
        return ["y", "yes"].contains(answer.lowercased())
    }
}

/// ANSI styles, applied only when ``Terminal/useColor``.
enum Style {
    case bold
    case dim
    case green
    case red
    case yellow

    var code: String {
        switch self {
        case .bold: "1"
        case .dim: "2"
        case .green: "32"
        case .red: "31"
        case .yellow: "33"
        }
    }

    func apply(_ text: String, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
