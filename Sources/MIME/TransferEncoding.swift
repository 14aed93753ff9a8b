/// A Content-Transfer-Encoding (RFC 2045 §6).
///
/// Unknown values are kept in `.other` and decoded as identity (with a defect), as RFC 2045 §6.4 suggests treating
/// the body as application/octet-stream.
public enum TransferEncoding: Sendable, Hashable {
    case sevenBit, eightBit, binary, base64, quotedPrintable
    case other(String)

    /// Parses a header value such as `Base64` or ` quoted-printable (comment)`. Nil or empty means 7bit.
    public init(headerValue: String?) {
        guard let headerValue else {
            self = .sevenBit
            return
        }
        var token = headerValue.utf8.prefix { $0 != 0x28 && $0 != 0x3B }[...]  // cut comments and parameters
        while let first = token.first, first.isWhitespace || first == .quote { token = token.dropFirst() }
        while let last = token.last, last.isWhitespace || last == .quote { token = token.dropLast() }
        switch String(decoding: token.map(\.asciiLowercased), as: UTF8.self) {
        case "", "7bit", "7-bit": self = .sevenBit
        case "8bit", "8-bit", "8bits": self = .eightBit
        case "binary": self = .binary
        case "base64", "base-64", "x-base64": self = .base64
        case "quoted-printable", "quoted_printable", "quotedprintable", "x-quoted-printable": self = .quotedPrintable
        case let other: self = .other(other)
        }
    }

    /// True for encodings that need no decoding (7bit, 8bit, binary and unknown ones).
    public var isIdentity: Bool {
        switch self {
        case .base64, .quotedPrintable: false
        default: true
        }
    }

    /// Decodes `bytes`. Broken input is decoded as far as possible; `defect` says what was wrong.
    public func decode(_ bytes: ArraySlice<UInt8>) -> (bytes: [UInt8], defect: MIMEDefect.Kind?) {
        switch self {
        case .base64:
            let (decoded, valid) = Base64.decode(bytes)
            return (decoded, valid ? nil : .invalidBase64)
        case .quotedPrintable:
            let (decoded, valid) = QuotedPrintable.decode(bytes)
            return (decoded, valid ? nil : .invalidQuotedPrintable)
        case .other:
            return (Array(bytes), .unknownTransferEncoding)
        default:
            return (Array(bytes), nil)
        }
    }
}

/// Lenient base64 (RFC 2045 §6.8, RFC 4648 §4).
///
/// Whitespace and line breaks are skipped. Other characters outside the alphabet are skipped and make the result
/// invalid. `=` ends a group early, so concatenated encodings (`aGk=aGk=`) decode correctly. A missing final padding
/// is accepted; a dangling single character is dropped and makes the result invalid.
public enum Base64 {
    private static let invalid: UInt8 = 0xFF
    private static let skip: UInt8 = 0xFE
    private static let pad: UInt8 = 0xFD

    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        for byte: UInt8 in [.space, .tab, .cr, .lf, 0x0B, 0x0C] { table[Int(byte)] = skip }
        table[Int(UInt8.equals)] = pad
        // base64url characters are accepted too (some generators use them by mistake).
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Decodes base64 text; `isValid` is false if anything had to be skipped or dropped.
    public static func decode(_ input: some Collection<UInt8>) -> (bytes: [UInt8], isValid: Bool) {
        let result = input.withContiguousStorageIfAvailable { decode(buffer: $0) }
        return result ?? Array(input).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> (bytes: [UInt8], isValid: Bool) {
        var valid = true
        let capacity = input.count / 4 * 3 + 3
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { output, written in
            table.withUnsafeBufferPointer { table in
                var out = 0
                var accumulator: UInt32 = 0
                var pending = 0
                var index = 0
                let count = input.count
                func flushPartial() {
                    switch pending {
                    case 2:
                        output[out] = UInt8(truncatingIfNeeded: accumulator >> 4)
                        out += 1
                    case 3:
                        output[out] = UInt8(truncatingIfNeeded: accumulator >> 10)
                        output[out + 1] = UInt8(truncatingIfNeeded: accumulator >> 2)
                        out += 2
                    case 1: valid = false
                    default: break
                    }
                    pending = 0
                    accumulator = 0
                }
                while index < count {
                    // Fast path: four alphabet characters in a row.
                    if pending == 0, index + 4 <= count {
                        let a = table[Int(input[index])]
                        let b = table[Int(input[index + 1])]
                        let c = table[Int(input[index + 2])]
                        let d = table[Int(input[index + 3])]
                        if (a | b | c | d) < 64 {
                            let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                            output[out] = UInt8(truncatingIfNeeded: value >> 16)
                            output[out + 1] = UInt8(truncatingIfNeeded: value >> 8)
                            output[out + 2] = UInt8(truncatingIfNeeded: value)
                            out += 3
                            index += 4
                            continue
                        }
                    }
                    let value = table[Int(input[index])]
                    index += 1
                    if value < 64 {
                        accumulator = accumulator << 6 | UInt32(value)
                        pending += 1
                        if pending == 4 {
                            output[out] = UInt8(truncatingIfNeeded: accumulator >> 16)
                            output[out + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                            output[out + 2] = UInt8(truncatingIfNeeded: accumulator)
                            out += 3
                            pending = 0
                            accumulator = 0
                        }
                    } else if value == pad {
                        flushPartial()
                    } else if value == invalid {
                        valid = false
                    }
                }
                flushPartial()
                written = out
            }
        }
        return (bytes, valid)
    }
}

/// Lenient quoted-printable (RFC 2045 §6.7) and the RFC 2047 "Q" variant.
///
/// `=XX` (either case) decodes a byte; `=` before a line break (optionally after transport padding) is a soft line
/// break; whitespace at the end of a line is removed (rule 3). Anything else after `=` is kept literally and makes
/// the result invalid. Line breaks are kept as they are.
public enum QuotedPrintable {
    /// Decodes quoted-printable; with `underscoreIsSpace` (RFC 2047 "Q"), `_` means a space.
    public static func decode(
        _ input: some Collection<UInt8>, underscoreIsSpace: Bool = false
    )
        -> (bytes: [UInt8], isValid: Bool)
    {
        let result = input.withContiguousStorageIfAvailable { decode(buffer: $0, underscoreIsSpace: underscoreIsSpace) }
        return result
            ?? Array(input).withUnsafeBufferPointer { decode(buffer: $0, underscoreIsSpace: underscoreIsSpace) }
    }

    static func decode(
        buffer input: UnsafeBufferPointer<UInt8>, underscoreIsSpace: Bool
    ) -> (bytes: [UInt8], isValid: Bool) {
        var valid = true
        let count = input.count
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { output, written in
            var out = 0
            var index = 0
            while index < count {
                let byte = input[index]
                if byte == .equals {
                    if index + 2 < count, let high = input[index + 1].hexValue, let low = input[index + 2].hexValue {
                        output[out] = high << 4 | low
                        out += 1
                        index += 3
                        continue
                    }
                    var next = index + 1
                    while next < count, input[next].isWSP { next += 1 }
                    if next == count {  // "=" at the very end
                        index = count
                    } else if input[next] == .lf {  // soft line break
                        index = next + 1
                    } else if input[next] == .cr {
                        index = next + 1 < count && input[next + 1] == .lf ? next + 2 : next + 1
                    } else {  // not an escape: keep "=" literally
                        valid = false
                        output[out] = byte
                        out += 1
                        index += 1
                    }
                } else if byte.isWSP {
                    var next = index + 1
                    while next < count, input[next].isWSP { next += 1 }
                    let atLineEnd =
                        next == count || input[next] == .lf
                        || (input[next] == .cr && (next + 1 == count || input[next + 1] == .lf))
                    if !atLineEnd || underscoreIsSpace {
                        for position in index..<next {
                            output[out] = input[position]
                            out += 1
                        }
                    }
                    index = next
                } else if byte == 0x5F, underscoreIsSpace {
                    output[out] = .space
                    out += 1
                    index += 1
                } else {
                    output[out] = byte
                    out += 1
                    index += 1
                }
            }
            written = out
        }
        return (bytes, valid)
    }
}
