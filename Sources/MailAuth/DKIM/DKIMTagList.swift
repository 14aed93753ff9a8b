/// One `tag=value` pair of a DKIM tag list, with where its value sits in the parsed bytes.
struct DKIMTag: Sendable, Hashable {
    /// The tag name, case preserved (tags are case-sensitive, RFC 6376 §3.2).
    var name: String
    /// The value with leading and trailing FWS removed; FWS inside the value is kept.
    var value: String
    /// The bytes from just after `=` to the end of the tag-spec (before `;` or the end of the list), in the indices
    /// of the parsed buffer: the value *with* its surrounding whitespace, which is what "b= deleted" removes
    /// (RFC 6376 §3.7).
    var valueRange: Range<Int>
}

/// A parsed DKIM tag list (DKIM-Signature field values and key records).
///
/// - SeeAlso: RFC 6376 §3.2.
struct DKIMTagList: Sendable, Hashable {
    private(set) var tags: [DKIMTag]

    subscript(name: String) -> String? {
        tags.first(where: { $0.name == name })?.value
    }

    func tag(_ name: String) -> DKIMTag? {
        tags.first(where: { $0.name == name })
    }

    // RFC 6376 §3.2:
    //   tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
    //   tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
    //   tag-name  =  ALPHA *ALNUMPUNC
    //   tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
    //                     ; Prohibits WSP and FWS at beginning and end
    //   tval      =  1*VALCHAR
    //   VALCHAR   =  %x21-3A / %x3C-7E
    //                     ; EXCLAMATION to TILDE except SEMICOLON
    //   ALNUMPUNC =  ALPHA / DIGIT / "_"
    // "Tags with duplicate names MUST NOT occur within a single tag-list; if a tag name does occur more than once,
    //  the entire tag-list is invalid."
    // Lenient where it is harmless: an empty tag-spec (";;", or whitespace after the last ";") is skipped. The
    // per-tag rules (base64, domain names, numbers) are checked by the users of the list.

    /// Parses `bytes[range]`. Throws a `permerror` for a tag-spec without `=`, a bad tag name or a duplicate tag.
    init(parsing bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) throws(DKIMFailure) {
        var tags: [DKIMTag] = []
        var names: Set<String> = []
        var specStart = range.lowerBound
        while specStart <= range.upperBound {
            var specEnd = specStart
            while specEnd < range.upperBound, bytes[specEnd] != UInt8(ascii: ";") { specEnd += 1 }
            if let tag = try Self.parseSpec(bytes, specStart..<specEnd) {
                guard names.insert(tag.name).inserted else { throw .permerror("tag \(tag.name)= occurs twice") }
                tags.append(tag)
            }
            specStart = specEnd + 1
        }
        self.tags = tags
    }

    /// Parses a whole string (a DNS key record).
    init(parsing text: String) throws(DKIMFailure) {
        let utf8 = Array(text.utf8)
        self = try utf8.withUnsafeBufferPointer { (buffer) throws(DKIMFailure) -> DKIMTagList in
            try DKIMTagList(parsing: buffer, range: 0..<buffer.count)
        }
    }

    private static func parseSpec(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>
    ) throws(DKIMFailure) -> DKIMTag? {
        let trimmed = trimFWS(bytes, range)
        if trimmed.isEmpty { return nil }
        guard let equals = bytes[trimmed].firstIndex(of: UInt8(ascii: "=")) else {
            throw .permerror("tag list element without '='")
        }
        let nameRange = trimFWS(bytes, trimmed.lowerBound..<equals)
        guard isTagName(bytes, nameRange) else {
            throw .permerror("invalid tag name")
        }
        let valueRange = trimFWS(bytes, (equals + 1)..<trimmed.upperBound)
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameRange]), as: UTF8.self)
        let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[valueRange]), as: UTF8.self)
        return DKIMTag(name: name, value: value, valueRange: (equals + 1)..<range.upperBound)
    }

    /// `tag-name = ALPHA *ALNUMPUNC`
    private static func isTagName(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard let first = range.first, DKIMSyntax.isAlpha(bytes[first]) else { return false }
        return bytes[range].allSatisfy { DKIMSyntax.isAlpha($0) || DKIMSyntax.isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// Removes FWS (SP, HTAB, CR, LF) from both ends of `range`.
    private static func trimFWS(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, DKIMSyntax.isFWS(bytes[lower]) { lower += 1 }
        while upper > lower, DKIMSyntax.isFWS(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}

/// Character classes shared by the DKIM parsers (RFC 5234 core rules, RFC 6376 §2).
enum DKIMSyntax {
    static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    /// `WSP = SP / HTAB`
    static func isWSP(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    /// A byte of folding white space: WSP or the CR LF of a fold.
    static func isFWS(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

    /// `value` with every FWS byte removed (for base64 values, where FWS is ignored).
    static func removingFWS(_ value: String) -> [UInt8] {
        value.utf8.filter { !isFWS($0) }
    }

    /// Splits a colon-separated list (`h=`, key `h=`/`s=`/`t=`, `q=`), trimming FWS around each element.
    static func colonList(_ value: String) -> [String] {
        value.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { element in
            var lower = element.startIndex
            var upper = element.endIndex
            while lower < upper, isFWS(element[lower]) { lower = element.index(after: lower) }
            while upper > lower, isFWS(element[element.index(before: upper)]) { upper = element.index(before: upper) }
            return String(decoding: element[lower..<upper], as: UTF8.self)
        }
    }

    /// `value` if it is safe to report as is: 1 to `maxLength` bytes of visible ASCII (no WSP, no controls).
    static func reportable(_ value: String?, maxLength: Int = 253) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= maxLength,
            value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
        else { return nil }
        return value
    }

    /// `value` made safe to echo in a reason: visible ASCII and SP kept, anything else `?`, at most 64 characters.
    static func excerpt(_ value: String) -> String {
        var out = String(
            decoding: value.utf8.prefix(64).map { $0 >= 0x20 && $0 <= 0x7E ? $0 : UInt8(ascii: "?") },
            as: UTF8.self)
        if value.utf8.count > 64 { out += "..." }
        return out
    }

    /// A decimal number of 1 or more digits; saturates at `Int64.max` (values are compared, never stored back).
    static func decimal(_ value: String, maxDigits: Int) -> Int64? {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= maxDigits, utf8.allSatisfy(isDigit) else { return nil }
        var result: Int64 = 0
        for digit in utf8 {
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            if o1 || o2 { return .max }
            result = sum
        }
        return result
    }
}
