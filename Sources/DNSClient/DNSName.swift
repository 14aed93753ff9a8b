/// A domain name as a list of labels, compared case-insensitively (RFC 4343).
///
/// Labels are stored ASCII-lowercased, so the synthesized `==` and `hash` are the DNS comparisons.
/// The root name has no labels.
///
/// - SeeAlso: RFC 1035 §2.3.4 (size limits), §3.1 (wire form).
struct DNSName: Hashable, Sendable, CustomStringConvertible {
    private(set) var labels: [[UInt8]]

    static let root = DNSName(uncheckedLabels: [])

    /// From wire labels, lowercased; nil when a label is empty or too long or the whole name is too long.
    init?(labels: [[UInt8]]) {
        var wireLength = 1
        for label in labels {
            guard !label.isEmpty, label.count <= DNSDefaults.maxLabelLength else { return nil }
            wireLength += 1 + label.count
        }
        guard wireLength <= DNSDefaults.maxNameWireLength else { return nil }
        self.labels = labels.map { $0.map(Self.lowercase) }
    }

    /// Parses presentation text: dot-separated labels, an optional trailing dot, `\.`, `\\` and `\DDD` escapes.
    /// Nil when a label is empty or too long, an escape is bad, or the name exceeds 255 octets.
    init?(_ text: some StringProtocol) {
        if text == "." || text.isEmpty {
            self = .root
            return
        }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        var endedWithDot = false
        while let byte = bytes.popFirst() {
            endedWithDot = false
            switch byte {
            case UInt8(ascii: "."):
                guard !current.isEmpty else { return nil }
                labels.append(current)
                current = []
                endedWithDot = true
            case UInt8(ascii: "\\"):
                guard let next = bytes.popFirst() else { return nil }
                if Self.isDigit(next) {
                    guard let second = bytes.popFirst(), let third = bytes.popFirst(),
                        Self.isDigit(second), Self.isDigit(third)
                    else { return nil }
                    let value = Int(next - 48) * 100 + Int(second - 48) * 10 + Int(third - 48)
                    guard value <= 255 else { return nil }
                    current.append(UInt8(value))
                } else {
                    current.append(next)
                }
            default:
                current.append(byte)
            }
        }
        if !current.isEmpty {
            labels.append(current)
        } else if !endedWithDot {
            return nil
        }
        self.init(labels: labels)
    }

    private init(uncheckedLabels: [[UInt8]]) {
        labels = uncheckedLabels
    }

    /// Octets in wire form without compression, root byte included.
    var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

    var isRoot: Bool { labels.isEmpty }

    /// Lowercase text without the trailing dot (`.` for the root). Dots and backslashes inside a label, and
    /// octets outside printable ASCII, are escaped as in master files (RFC 1035 §5.1) so the text parses back.
    var description: String {
        if labels.isEmpty { return "." }
        var text = ""
        for (index, label) in labels.enumerated() {
            if index > 0 { text.append(".") }
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    text.append("\\")
                    text.append(Character(Unicode.Scalar(byte)))
                case 0x21...0x7E:
                    text.append(Character(Unicode.Scalar(byte)))
                default:
                    text.append("\\")
                    let digits = String(byte)
                    text.append(String(repeating: "0", count: 3 - digits.count) + digits)
                }
            }
        }
        return text
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
