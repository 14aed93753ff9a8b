#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Byte constants and small scanning helpers shared by the parsers.
extension UInt8 {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let hyphen: UInt8 = 0x2D
    static let equals: UInt8 = 0x3D
    static let question: UInt8 = 0x3F
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C

    /// Space or horizontal tab (RFC 5234 WSP).
    var isWSP: Bool { self == .space || self == .tab }
    /// WSP, CR or LF.
    var isWhitespace: Bool { self == .space || self == .tab || self == .cr || self == .lf }

    /// ASCII letters folded to lower case; other bytes unchanged.
    var asciiLowercased: UInt8 { (self >= 0x41 && self <= 0x5A) ? self | 0x20 : self }

    /// The value of a hexadecimal digit (either case), or nil.
    var hexValue: UInt8? {
        switch self {
        case 0x30...0x39: return self - 0x30
        case 0x41...0x46: return self - 0x41 + 10
        case 0x61...0x66: return self - 0x61 + 10
        default: return nil
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Index of the first `byte` in `from..<to`, or `to`. Uses `memchr`.
    @inline(__always)
    func index(of byte: UInt8, from: Int, to: Int) -> Int {
        guard from < to, let base = baseAddress else { return to }
        guard let found = memchr(base + from, Int32(byte), to - from) else { return to }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Whether the bytes at `offset` equal `other` (which must fit before `limit`).
    @inline(__always)
    func matches(_ other: [UInt8], at offset: Int, limit: Int) -> Bool {
        guard limit - offset >= other.count else { return false }
        if other.isEmpty { return true }
        guard let base = baseAddress else { return false }
        return other.withUnsafeBufferPointer { memcmp(base + offset, $0.baseAddress!, other.count) == 0 }
    }
}

extension Collection where Element == UInt8 {
    /// ASCII case-insensitive comparison with a lower-case ASCII string.
    func equalsLowercasedASCII(_ lower: StaticString) -> Bool {
        guard count == lower.utf8CodeUnitCount else { return false }
        var i = lower.utf8Start
        for byte in self {
            guard byte.asciiLowercased == i.pointee else { return false }
            i += 1
        }
        return true
    }
}

extension String {
    /// A string from bytes that should be ASCII/UTF-8 (header material); invalid sequences become U+FFFD.
    init(lossyUTF8 bytes: some Collection<UInt8>) {
        self = String(decoding: bytes, as: UTF8.self)
    }

    /// Lower-cased ASCII letters only (header tokens such as charset and type names).
    var asciiLowercased: String {
        String(decoding: utf8.map(\.asciiLowercased), as: UTF8.self)
    }
}
