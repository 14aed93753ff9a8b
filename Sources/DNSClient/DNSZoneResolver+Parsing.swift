extension DNSZoneResolver {
    /// Builds a zone from text, one record per line: `name [ttl] [IN] TYPE data`.
    ///
    /// Types: `A`, `AAAA`, `MX <preference> <exchange>`, `TXT "<string>" …` (quoted strings concatenated;
    /// `\"`, `\\` and `\DDD` escapes; an unquoted word is taken as is), `PTR <target>`, `CNAME <target>`.
    /// Failure markers: `name SERVFAIL` and `name TIMEOUT` make lookups of `name` a temporary failure,
    /// `name NXDOMAIN` makes them a name error. `;` and `#` start comments; blank lines are skipped.
    public convenience init(zone text: String) throws(DNSZoneError) {
        self.init()
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            var words = try Self.words(in: rawLine, line: number)
            guard !words.isEmpty else { continue }
            let name = words.removeFirst()
            guard DNSName(name) != nil else { throw DNSZoneError(line: number, "'\(name)' is not a domain name") }
            if let first = words.first, UInt32(first) != nil { words.removeFirst() }
            if words.first?.uppercased() == "IN" { words.removeFirst() }
            guard !words.isEmpty else { throw DNSZoneError(line: number, "no record type after '\(name)'") }
            let type = words.removeFirst().uppercased()
            let data = words
            func expect(_ count: Int, _ form: String) throws(DNSZoneError) {
                guard data.count == count else { throw DNSZoneError(line: number, "\(type) wants \(form)") }
            }
            switch type {
            case "A", "AAAA":
                try expect(1, "one address")
                guard let address = IPAddress(data[0]), address.isIPv4 == (type == "A") else {
                    throw DNSZoneError(line: number, "'\(data[0])' is not an \(type == "A" ? "IPv4" : "IPv6") address")
                }
                add(name, type == "A" ? .a(address) : .aaaa(address))
            case "MX":
                try expect(2, "a preference and an exchange")
                guard let preference = UInt16(data[0]) else {
                    throw DNSZoneError(line: number, "'\(data[0])' is not an MX preference (0-65535)")
                }
                add(name, .mx(MXRecord(preference: preference, exchange: try Self.target(data[1], line: number))))
            case "TXT":
                guard !data.isEmpty else { throw DNSZoneError(line: number, "TXT wants at least one string") }
                add(name, .txt(data.joined()))
            case "PTR", "CNAME":
                try expect(1, "one target name")
                let target = try Self.target(data[0], line: number)
                add(name, type == "PTR" ? .ptr(target) : .cname(target))
            case "SERVFAIL", "TIMEOUT":
                try expect(0, "nothing after it")
                fail(name, with: .temporaryFailure("\(type) (zone fake)"))
            case "NXDOMAIN":
                try expect(0, "nothing after it")
                fail(name, with: .nameDoesNotExist(name))
            default:
                throw DNSZoneError(line: number, "unknown record type '\(type)'")
            }
        }
    }

    /// A target name as the resolver reports it: lowercased, without the trailing dot (`.` becomes empty).
    private static func target(_ text: String, line: Int) throws(DNSZoneError) -> String {
        guard let name = DNSName(text) else { throw DNSZoneError(line: line, "'\(text)' is not a domain name") }
        return name.isRoot ? "" : name.description
    }

    /// Splits a line into words; a double-quoted string is one word with its escapes resolved.
    private static func words(in line: Substring, line number: Int) throws(DNSZoneError) -> [String] {
        var words: [String] = []
        var bytes = Array(line.utf8)[...]
        while let byte = bytes.first {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                bytes.removeFirst()
            case UInt8(ascii: ";"), UInt8(ascii: "#"):
                return words
            case UInt8(ascii: "\""):
                bytes.removeFirst()
                var word: [UInt8] = []
                var closed = false
                while let next = bytes.popFirst() {
                    if next == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    if next == UInt8(ascii: "\\") {
                        guard let escaped = bytes.popFirst() else { break }
                        if (48...57).contains(escaped) {
                            let digits = [escaped] + bytes.prefix(2)
                            guard digits.count == 3, digits.allSatisfy({ (48...57).contains($0) }),
                                let value = UInt8(String(decoding: digits, as: UTF8.self))
                            else {
                                throw DNSZoneError(line: number, "bad \\DDD escape")
                            }
                            bytes.removeFirst(2)
                            word.append(value)
                        } else {
                            word.append(escaped)
                        }
                    } else {
                        word.append(next)
                    }
                }
                guard closed else { throw DNSZoneError(line: number, "unterminated quoted string") }
                words.append(String(decoding: word, as: UTF8.self))
            default:
                var word: [UInt8] = []
                while let next = bytes.first,
                    ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(next)
                {
                    word.append(next)
                    bytes.removeFirst()
                }
                words.append(String(decoding: word, as: UTF8.self))
            }
        }
        return words
    }
}

/// A line of zone text that cannot be read.
public struct DNSZoneError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "zone line \(line): \(message)" }
}
