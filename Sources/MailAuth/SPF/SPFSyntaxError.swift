/// Why an SPF record, macro string or explanation string does not match the RFC 7208 grammar.
///
/// A syntax error anywhere in a record makes `check_host()` return permerror (RFC 7208 §4.6);
/// in an explanation string it only makes the `exp=` modifier be ignored (§6.2).
struct SPFSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}

/// Byte classes of the RFC 7208 / RFC 5234 core rules.
enum SPFCharacter {
    static let space = UInt8(ascii: " ")
    static let percent = UInt8(ascii: "%")
    static let dot = UInt8(ascii: ".")
    static let slash = UInt8(ascii: "/")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let hyphen = UInt8(ascii: "-")

    /// ALPHA = %x41-5A / %x61-7A
    static func isAlpha(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// DIGIT = %x30-39
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    static func isAlphanumeric(_ byte: UInt8) -> Bool { isAlpha(byte) || isDigit(byte) }

    static func lowercased(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }

    /// Quotes a piece of a record for an error message, escaping anything that is not visible ASCII.
    static func quoted(_ bytes: some Sequence<UInt8>) -> String {
        var text = "'"
        for byte in bytes {
            if (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "'") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return text + "'"
    }
}
