/// Reads the modulus and exponent of an RSA public key from DER, in either of the two forms found in `p=`.
///
/// Only the few DER shapes below are accepted: definite lengths, no trailing bytes, a positive modulus.
///
/// - SeeAlso: RFC 5280 §4.1 (SubjectPublicKeyInfo), RFC 8017 Appendix A.1.1 (RSAPublicKey),
///   RFC 3279 §2.3.1 (rsaEncryption), X.690 §8.1 (DER).
enum DKIMRSAKeyDecoder {
    // SubjectPublicKeyInfo  ::=  SEQUENCE  {
    //      algorithm            AlgorithmIdentifier,      -- SEQUENCE { OID rsaEncryption, NULL }
    //      subjectPublicKey     BIT STRING  }             -- 0 unused bits, then the RSAPublicKey DER
    // RSAPublicKey ::= SEQUENCE {
    //      modulus           INTEGER,  -- n
    //      publicExponent    INTEGER   -- e
    // }
    // rsaEncryption OBJECT IDENTIFIER ::= { 1 2 840 113549 1 1 1 }

    /// DER of the rsaEncryption OID, tag and length included.
    static let rsaEncryptionOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    /// The 12 bytes before the raw key in an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4).
    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// `(modulus, exponent)` as big-endian unsigned bytes without leading zeros, or `nil`.
    static func decode(_ der: [UInt8]) -> (modulus: [UInt8], exponent: [UInt8])? {
        var outer = DKIMDERReader(der[...])
        guard let content = outer.read(tag: 0x30), outer.isAtEnd else { return nil }
        var body = DKIMDERReader(content)
        switch content.first {
        case 0x02:  // bare RSAPublicKey: SEQUENCE { INTEGER, INTEGER }
            return integers(&body)
        case 0x30:  // SubjectPublicKeyInfo
            guard let algorithm = body.read(tag: 0x30), let bitString = body.read(tag: 0x03), body.isAtEnd else {
                return nil
            }
            var algorithmReader = DKIMDERReader(algorithm)
            guard let oid = algorithmReader.readElement(), Array(oid) == rsaEncryptionOID else { return nil }
            if !algorithmReader.isAtEnd {
                guard algorithmReader.read(tag: 0x05)?.isEmpty == true, algorithmReader.isAtEnd else { return nil }
            }
            guard bitString.first == 0x00 else { return nil }  // no unused bits
            var keyReader = DKIMDERReader(bitString.dropFirst())
            guard let key = keyReader.read(tag: 0x30), keyReader.isAtEnd else { return nil }
            var keyBody = DKIMDERReader(key)
            return integers(&keyBody)
        default:
            return nil
        }
    }

    /// The number of significant bits in a big-endian unsigned integer.
    static func bitCount(_ bytes: [UInt8]) -> Int {
        guard let first = bytes.first else { return 0 }
        return (bytes.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    private static func integers(_ reader: inout DKIMDERReader) -> (modulus: [UInt8], exponent: [UInt8])? {
        guard let n = reader.read(tag: 0x02), let e = reader.read(tag: 0x02), reader.isAtEnd,
            let modulus = positive(n), let exponent = positive(e)
        else { return nil }
        return (modulus, exponent)
    }

    /// The magnitude of a positive DER INTEGER, leading zeros removed; `nil` for negative or zero.
    private static func positive(_ content: ArraySlice<UInt8>) -> [UInt8]? {
        guard let first = content.first, first & 0x80 == 0 else { return nil }
        let magnitude = content.drop(while: { $0 == 0 })
        return magnitude.isEmpty ? nil : Array(magnitude)
    }
}

/// A minimal DER TLV reader over a byte slice.
struct DKIMDERReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { bytes.isEmpty }

    /// Reads one element with the given tag and returns its content.
    mutating func read(tag: UInt8) -> ArraySlice<UInt8>? {
        guard bytes.first == tag, let (header, length) = Self.header(bytes) else { return nil }
        let start = bytes.startIndex + header
        let content = bytes[start..<(start + length)]
        bytes = bytes[(start + length)...]
        return content
    }

    /// Reads one element of any tag and returns all of it (tag and length included).
    mutating func readElement() -> ArraySlice<UInt8>? {
        guard let (header, length) = Self.header(bytes) else { return nil }
        let element = bytes.prefix(header + length)
        bytes = bytes.dropFirst(header + length)
        return element
    }

    /// `(header bytes, content length)` of the element at the start of `bytes`, when it fits.
    private static func header(_ bytes: ArraySlice<UInt8>) -> (Int, Int)? {
        guard bytes.count >= 2 else { return nil }
        let first = bytes[bytes.startIndex + 1]
        var header = 2
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 3, bytes.count >= 2 + count else { return nil }  // 0x80 is indefinite
            for i in 0..<count { length = length << 8 | Int(bytes[bytes.startIndex + 2 + i]) }
            guard length >= 0x80 else { return nil }  // DER: the short form must be used
            header += count
        }
        guard bytes.count - header >= length else { return nil }
        return (header, length)
    }
}
