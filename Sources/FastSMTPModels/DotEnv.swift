/// A small `.env` parser in the spirit of python-dotenv.
///
/// - `KEY=VALUE` lines, optionally prefixed by `export `; whitespace around key and value trimmed.
/// - Blank lines and full-line `#` comments are skipped; ` #` (whitespace then `#`) after an
///   unquoted value starts a comment. `a#b` keeps its `#`.
/// - `'single quoted'` values are literal; `"double quoted"` values understand `\n`, `\r`,
///   `\t`, `\"` and `\\` (other backslashes are kept). Quoted values may span lines.
///   Only whitespace or a comment may follow the closing quote.
/// - CRLF and CR line endings are tolerated. Malformed lines are skipped. Later keys win.
/// - No `${VAR}` interpolation.
public enum DotEnv {
    public static func parse(_ text: String) -> [String: String] {
        var parser = Parser(text: text)
        var result: [String: String] = [:]
        while !parser.atEnd {
            if let (key, value) = parser.parseLine() {
                result[key] = value
            }
        }
        return result
    }

    private struct Parser {
        var scalars: [Unicode.Scalar]
        var position = 0

        init(text: String) {
            var scalars: [Unicode.Scalar] = []
            scalars.reserveCapacity(text.unicodeScalars.count)
            var previousWasCR = false
            for scalar in text.unicodeScalars {
                if scalar == "\r" {
                    scalars.append("\n")
                    previousWasCR = true
                    continue
                }
                if scalar == "\n" && previousWasCR {
                    previousWasCR = false
                    continue
                }
                previousWasCR = false
                scalars.append(scalar)
            }
            self.scalars = scalars
        }

        var atEnd: Bool { position >= scalars.count }

        private var current: Unicode.Scalar? { atEnd ? nil : scalars[position] }

        private mutating func skipBlanks() {
            while let c = current, c == " " || c == "\t" { position += 1 }
        }

        /// Moves past the rest of the current line, including its newline.
        private mutating func skipLine() {
            while let c = current, c != "\n" { position += 1 }
            if !atEnd { position += 1 }
        }

        private static func isKeyScalar(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || c == "_" || c == "." || c == "-"
        }

        /// Parses one logical line (several physical ones for multi-line quoted values).
        /// Returns nil for blank, comment and malformed lines; always makes progress.
        mutating func parseLine() -> (String, String)? {
            let lineStart = position
            skipBlanks()
            guard let first = current, first != "\n", first != "#" else {
                skipLine()
                return nil
            }
            var key = readKey()
            if key == "export", let c = current, c == " " || c == "\t" {
                skipBlanks()
                key = readKey()
            }
            skipBlanks()
            guard !key.isEmpty, current == "=" else {
                skipLine()
                return nil
            }
            position += 1
            skipBlanks()

            let value: String?
            switch current {
            case "'": value = readQuoted(quote: "'", escapes: false)
            case "\"": value = readQuoted(quote: "\"", escapes: true)
            default: value = readUnquoted()
            }
            guard let value else {
                // Malformed (unterminated quote or junk after it): drop this physical line only.
                position = lineStart
                skipLine()
                return nil
            }
            return (key, value)
        }

        private mutating func readKey() -> String {
            var key = String.UnicodeScalarView()
            while let c = current, Self.isKeyScalar(c) {
                key.append(c)
                position += 1
            }
            return String(key)
        }

        private mutating func readUnquoted() -> String {
            var value = String.UnicodeScalarView()
            var previous: Unicode.Scalar? = nil
            while let c = current, c != "\n" {
                if c == "#", previous == " " || previous == "\t" { break }
                value.append(c)
                previous = c
                position += 1
            }
            skipLine()
            return Self.trimmingBlanks(value)
        }

        private static func trimmingBlanks(_ value: String.UnicodeScalarView) -> String {
            var start = value.startIndex
            var end = value.endIndex
            while start < end, value[start] == " " || value[start] == "\t" { start = value.index(after: start) }
            while end > start, value[value.index(before: end)] == " " || value[value.index(before: end)] == "\t" {
                end = value.index(before: end)
            }
            return String(value[start..<end])
        }

        private mutating func readQuoted(quote: Unicode.Scalar, escapes: Bool) -> String? {
            position += 1  // opening quote
            var value = String.UnicodeScalarView()
            while true {
                guard let c = current else { return nil }  // unterminated
                position += 1
                if c == quote { break }
                if escapes, c == "\\", let next = current {
                    position += 1
                    switch next {
                    case "n": value.append("\n")
                    case "r": value.append("\r")
                    case "t": value.append("\t")
                    case "\"": value.append("\"")
                    case "\\": value.append("\\")
                    default:
                        value.append("\\")
                        value.append(next)
                    }
                    continue
                }
                value.append(c)
            }
            // Only blanks or a comment may follow.
            skipBlanks()
            if let c = current, c != "\n", c != "#" { return nil }
            skipLine()
            return String(value)
        }
    }
}
