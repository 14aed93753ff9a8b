import DNSClient

/// The values of one field of one message, in the forms the operators need: each form is computed on first use
/// and kept for the other rules on the field (``RuleBook`` keeps one per field while it evaluates a message).
struct FieldValues {
    /// The values as rules see them: non-empty, capped (``MailFacts/values(of:recipient:)``).
    let raw: [String]
    private var numbers: [Int]?
    private var addresses: [IPAddress]?
    private var folded: Folded?

    /// The values prepared for caseless `contains`.
    private enum Folded {
        /// Every value is ASCII: searched in place, its letters folded on the way.
        case ascii
        /// Each value's UTF-8 with every scalar case-folded (``CaseFolding/foldedUTF8(_:)``).
        case values([[UInt8]])
    }

    init(_ raw: [String]) {
        self.raw = raw
    }

    /// Whether `body` is true for the UTF-8 of any value.
    @inline(__always)
    func anyUTF8(_ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        raw.withUnsafeBufferPointer { values in
            for index in values.indices {
                let found =
                    values[index].utf8.withContiguousStorageIfAvailable(body) ?? withUTF8(values[index], body)
                if found { return true }
            }
            return false
        }
    }

    /// Whether any value that is a number satisfies `predicate`.
    mutating func anyNumber(_ predicate: (Int) -> Bool) -> Bool {
        if numbers == nil { numbers = raw.compactMap { Int($0) } }
        return numbers.unsafelyUnwrapped.contains(where: predicate)
    }

    /// Whether any value that is an IP address satisfies `predicate`.
    mutating func anyAddress(_ predicate: (IPAddress) -> Bool) -> Bool {
        if addresses == nil { addresses = raw.compactMap(Self.address) }
        return addresses.unsafelyUnwrapped.contains(where: predicate)
    }

    /// Whether `folded` is true for the case-folded UTF-8 of any value; when every value is ASCII, whether
    /// `ascii` is true for the UTF-8 of any value (which it folds itself, as it reads).
    mutating func anyFolded(
        ascii: (UnsafeBufferPointer<UInt8>) -> Bool, folded body: (UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        if folded == nil {
            folded =
                anyUTF8({ !Self.isASCII($0) })
                ? .values(raw.map { value in withUTF8(value) { CaseFolding.shared.foldedUTF8($0) } }) : .ascii
        }
        guard case .values(let values) = folded else { return anyUTF8(ascii) }
        return values.withUnsafeBufferPointer { values in
            for index in values.indices where values[index].withUnsafeBufferPointer(body) { return true }
            return false
        }
    }

    /// Whether every byte is below 0x80.
    static func isASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress else { return true }
        var index = 0
        var high = SIMD16<UInt8>()
        while index &+ 16 <= text.count {
            high |= UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
            index &+= 16
        }
        var rest: UInt8 = 0
        while index < text.count {
            rest |= base[index]
            index &+= 1
        }
        return (high.max() | rest) < 0x80
    }

    /// `IPAddress(text)`, with plain dotted quads (`192.0.2.1`: four 1–3 digit numbers up to 255, which it
    /// reads the same way) parsed here without its general text handling.
    static func address(_ text: String) -> IPAddress? {
        if let value = withUTF8(text, dottedQuad) { return .v4(value) }
        return IPAddress(text)
    }

    private static func dottedQuad(_ text: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard text.count >= 7, text.count <= 15 else { return nil }
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            } else {
                guard byte &- UInt8(ascii: "0") < 10, digits < 3 else { return nil }
                octet = octet * 10 + UInt32(byte &- UInt8(ascii: "0"))
                guard octet <= 255 else { return nil }
                digits += 1
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }
}

/// Calls `body` with the UTF-8 of `text`: in place for a native string, else after making it contiguous.
@inline(__always)
func withUTF8<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    var text = text
    return text.withUTF8(body)
}
