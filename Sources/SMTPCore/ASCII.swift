/// Byte constants and character classes used by the parsers (RFC 5234 core rules,
/// RFC 5321 section 4.1.2, RFC 5322 section 3.2.3).
enum ASCII {
    static let nul: UInt8 = 0x00
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22  // "
    static let comma: UInt8 = 0x2C  // ,
    static let hyphen: UInt8 = 0x2D  // -
    static let dot: UInt8 = 0x2E  // .
    static let zero: UInt8 = 0x30  // 0
    static let nine: UInt8 = 0x39  // 9
    static let colon: UInt8 = 0x3A  // :
    static let lessThan: UInt8 = 0x3C  // <
    static let equals: UInt8 = 0x3D  // =
    static let greaterThan: UInt8 = 0x3E  // >
    static let at: UInt8 = 0x40  // @
    static let leftBracket: UInt8 = 0x5B  // [
    static let backslash: UInt8 = 0x5C  // \
    static let rightBracket: UInt8 = 0x5D  // ]
    static let underscore: UInt8 = 0x5F  // _
    static let delete: UInt8 = 0x7F

    /// The CRLF line terminator.
    static let crlf: [UInt8] = [cr, lf]
}

extension UInt8 {
    /// `ALPHA = %x41-5A / %x61-7A` (RFC 5234 appendix B.1).
    var isASCIIAlpha: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }

    /// `DIGIT = %x30-39` (RFC 5234 appendix B.1).
    var isASCIIDigit: Bool { (ASCII.zero...ASCII.nine).contains(self) }

    /// `HEXDIG`, case-insensitive.
    var isASCIIHexDigit: Bool {
        isASCIIDigit || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }

    /// `Let-dig = ALPHA / DIGIT` (RFC 5321 section 4.1.2).
    var isLetDig: Bool { isASCIIAlpha || isASCIIDigit }

    /// Control characters `%x00-1F / %x7F`.
    var isASCIIControl: Bool { self < ASCII.space || self == ASCII.delete }

    /// Any byte of a multi-octet UTF-8 sequence (`UTF8-non-ascii`, RFC 6532 section 3.1);
    /// callers validate the UTF-8 of the whole line first.
    var isNonASCII: Bool { self >= 0x80 }

    /// Visible ASCII, `VCHAR = %x21-7E`.
    var isVisibleASCII: Bool { (0x21...0x7E).contains(self) }

    /// `atext` (RFC 5322 section 3.2.3):
    ///
    /// ```
    /// atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "/" /
    ///         "=" / "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"
    /// ```
    var isAtext: Bool {
        if isLetDig { return true }
        switch self {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2F,
            0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E:
            return true
        default:
            return false
        }
    }

    /// ASCII upper-casing; other bytes unchanged.
    var asciiUppercased: UInt8 { (0x61...0x7A).contains(self) ? self - 0x20 : self }
}

extension Collection<UInt8> {
    /// ASCII case-insensitive comparison with an upper-case ASCII literal.
    func equalsCaseInsensitive(_ upperCased: String) -> Bool {
        self.count == upperCased.utf8.count
            && zip(self, upperCased.utf8).allSatisfy { $0.asciiUppercased == $1 }
    }

    /// ASCII case-insensitive prefix test against an upper-case ASCII literal.
    func hasPrefixCaseInsensitive(_ upperCased: String) -> Bool {
        self.count >= upperCased.utf8.count
            && zip(self, upperCased.utf8).allSatisfy { $0.asciiUppercased == $1 }
    }

    /// The bytes as a `String`; callers have validated the UTF-8 already.
    var utf8String: String { String(decoding: self, as: UTF8.self) }
}
