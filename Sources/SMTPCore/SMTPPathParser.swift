/// Parses the `Path` and `Mailbox` rules of RFC 5321 section 4.1.2, extended for
/// internationalized addresses by RFC 6531 section 3.3 (`UTF8-non-ascii` in `atext`,
/// `qtextSMTP` and `sub-domain`).
///
/// The functions work on a byte slice and an index into it; on success the index has moved
/// past the parsed text, on failure (`nil` / `false`) its value is unspecified. The caller
/// has already checked that the bytes are valid UTF-8 without control characters, so any
/// byte >= 0x80 is part of a well-formed `UTF8-non-ascii` sequence.
///
/// Deliberate leniencies, for addresses seen in real traffic:
/// - a dot-string local part may have leading, trailing or consecutive dots (legacy
///   Japanese mobile addresses such as `a..b.@example.jp`);
/// - domain labels may contain `_`;
/// - the 64-octet local-part limit (section 4.5.3.1.1) is not enforced (long VERP and SRS
///   addresses exceed it), only the path and domain limits are.
enum SMTPPathParser {
    /// Parses a path and returns the mailbox without its source route.
    ///
    /// ```
    /// Path           = "<" [ A-d-l ":" ] Mailbox ">"
    /// A-d-l          = At-domain *( "," At-domain )
    ///                ; Note that this form, the so-called "source
    ///                ; route", MUST BE accepted, SHOULD NOT be
    ///                ; generated, and SHOULD be ignored.
    /// At-domain      = "@" Domain
    /// ```
    static func parsePath(_ bytes: ArraySlice<UInt8>, at index: inout Int) -> String? {
        let pathStart = index
        guard consume(ASCII.lessThan, bytes, &index) else { return nil }
        if peek(bytes, index) == ASCII.at {
            repeat {
                guard consume(ASCII.at, bytes, &index), parseDomain(bytes, at: &index) else { return nil }
            } while consume(ASCII.comma, bytes, &index)
            guard consume(ASCII.colon, bytes, &index) else { return nil }
        }
        let mailboxStart = index
        guard parseMailbox(bytes, at: &index) else { return nil }
        let mailboxEnd = index
        guard consume(ASCII.greaterThan, bytes, &index),
            index - pathStart <= SMTPDefaults.maxPathLength
        else { return nil }
        return bytes[mailboxStart..<mailboxEnd].utf8String
    }

    /// ```
    /// Mailbox        = Local-part "@" ( Domain / address-literal )
    /// Local-part     = Dot-string / Quoted-string
    /// ```
    static func parseMailbox(_ bytes: ArraySlice<UInt8>, at index: inout Int) -> Bool {
        if peek(bytes, index) == ASCII.quote {
            guard parseQuotedString(bytes, at: &index) else { return false }
        } else {
            guard parseDotString(bytes, at: &index) else { return false }
        }
        guard consume(ASCII.at, bytes, &index) else { return false }
        if peek(bytes, index) == ASCII.leftBracket {
            return parseAddressLiteral(bytes, at: &index)
        }
        return parseDomain(bytes, at: &index)
    }

    /// ```
    /// Dot-string     = Atom *("."  Atom)
    /// Atom           = 1*atext
    /// atext          =/ UTF8-non-ascii        ; RFC 6531 section 3.3
    /// ```
    /// Leniently accepted as `1*(atext / ".")` (see the type's documentation).
    static func parseDotString(_ bytes: ArraySlice<UInt8>, at index: inout Int) -> Bool {
        let start = index
        while index < bytes.endIndex, bytes[index].isAtext || bytes[index].isNonASCII || bytes[index] == ASCII.dot {
            index += 1
        }
        return index > start
    }

    /// ```
    /// Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
    /// QcontentSMTP   = qtextSMTP / quoted-pairSMTP
    /// quoted-pairSMTP  = %d92 %d32-126
    /// qtextSMTP      = %d32-33 / %d35-91 / %d93-126
    /// qtextSMTP      =/ UTF8-non-ascii        ; RFC 6531 section 3.3
    /// ```
    static func parseQuotedString(_ bytes: ArraySlice<UInt8>, at index: inout Int) -> Bool {
        guard consume(ASCII.quote, bytes, &index) else { return false }
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case ASCII.quote:
                return true
            case ASCII.backslash:
                guard index < bytes.endIndex, (0x20...0x7E).contains(bytes[index]) else { return false }
                index += 1
            case 0x20...0x7E:
                continue  // %d32-33 / %d35-91 / %d93-126: '"' and '\' are handled above
            default:
                guard byte.isNonASCII else { return false }
            }
        }
        return false  // no closing DQUOTE
    }

    /// ```
    /// Domain         = sub-domain *("." sub-domain)
    /// sub-domain     = Let-dig [Ldh-str]
    /// Ldh-str        = *( ALPHA / DIGIT / "-" ) Let-dig
    /// sub-domain     =/ U-label               ; RFC 6531 section 3.3
    /// ```
    /// Labels may also contain `_` (see the type's documentation) but never start or end
    /// with `-`.
    static func parseDomain(_ bytes: ArraySlice<UInt8>, at index: inout Int) -> Bool {
        let start = index
        repeat {
            let labelStart = index
            while index < bytes.endIndex, isLabelByte(bytes[index]) {
                index += 1
            }
            guard index > labelStart,
                bytes[labelStart] != ASCII.hyphen,
                bytes[index - 1] != ASCII.hyphen
            else { return false }
        } while consume(ASCII.dot, bytes, &index)
        return index - start <= SMTPDefaults.maxDomainLength
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        byte.isLetDig || byte == ASCII.hyphen || byte == ASCII.underscore || byte.isNonASCII
    }

    // MARK: - Helpers

    static func peek(_ bytes: ArraySlice<UInt8>, _ index: Int) -> UInt8? {
        index < bytes.endIndex ? bytes[index] : nil
    }

    static func consume(_ byte: UInt8, _ bytes: ArraySlice<UInt8>, _ index: inout Int) -> Bool {
        guard index < bytes.endIndex, bytes[index] == byte else { return false }
        index += 1
        return true
    }
}
