/// The base64 decoder for `b=`, `bh=` and key `p=` values.
///
/// - SeeAlso: RFC 6376 §2.4, RFC 4648 §4.
enum DKIMBase64 {
    // RFC 6376 §2.4:
    //   ALPHADIGITPS   =  (ALPHA / DIGIT / "+" / "/")
    //   base64string   =  ALPHADIGITPS *([FWS] ALPHADIGITPS)
    //                     [ [FWS] "=" [ [FWS] "=" ] ]
    // FWS anywhere is ignored. Lenient: missing padding is accepted (the length then decides); strict: any other
    // character, "=" before the end, more than two "=", or a length of 4n+1 characters is an error.

    /// Decodes `value`; `nil` if it is not base64.
    static func decode(_ value: String) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var count = 0  // data characters in the current quantum
        var padding = 0
        for byte in value.utf8 {
            if DKIMSyntax.isFWS(byte) { continue }
            if byte == UInt8(ascii: "=") {
                padding += 1
                if padding > 2 { return nil }
                continue
            }
            if padding > 0 { return nil }  // data after padding
            guard let sextet = sextet(byte) else { return nil }
            accumulator = accumulator << 6 | UInt32(sextet)
            count += 1
            if count == 4 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                count = 0
            }
        }
        switch count {
        case 0:
            guard padding == 0 else { return nil }
        case 2:
            guard padding == 0 || padding == 2 else { return nil }
            output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            guard padding == 0 || padding == 1 else { return nil }
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            return nil  // 4n+1 characters cannot encode whole bytes
        }
        return output
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
