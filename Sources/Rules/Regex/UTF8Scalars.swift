/// Decoding and encoding single Unicode scalars in UTF-8 text that is known to be valid (the bytes of a Swift
/// string): no validation, and a truncated sequence, which cannot occur, reads as U+FFFD.
enum UTF8Scalars {
    /// The scalar whose UTF-8 starts at `index`, and its length in bytes.
    @inline(__always)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: UInt32, length: Int) {
        let lead = UInt32(text[index])
        if lead < 0x80 { return (lead, 1) }
        return decodeMultiByte(text, at: index)
    }

    /// ``decode(_:at:)`` for a lead byte of 0x80 or more.
    @inline(__always)
    static func decodeMultiByte(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: UInt32, length: Int) {
        let lead = UInt32(text[index])
        if lead < 0xE0 {
            guard index + 1 < text.count else { return (0xFFFD, 1) }
            return ((lead & 0x1F) << 6 | UInt32(text[index + 1] & 0x3F), 2)
        }
        if lead < 0xF0 {
            guard index + 2 < text.count else { return (0xFFFD, 1) }
            let value = (lead & 0x0F) << 12 | UInt32(text[index + 1] & 0x3F) << 6 | UInt32(text[index + 2] & 0x3F)
            return (value, 3)
        }
        guard index + 3 < text.count else { return (0xFFFD, 1) }
        let value =
            (lead & 0x07) << 18 | UInt32(text[index + 1] & 0x3F) << 12 | UInt32(text[index + 2] & 0x3F) << 6
            | UInt32(text[index + 3] & 0x3F)
        return (value, 4)
    }

    /// The start of the scalar that ends just before `end` (which is a scalar boundary greater than 0).
    @inline(__always)
    static func start(before end: Int, in text: UnsafeBufferPointer<UInt8>) -> Int {
        var index = end - 1
        while index > 0, text[index] & 0xC0 == 0x80 { index -= 1 }
        return index
    }

    /// Writes the UTF-8 of `scalar` at `index`; returns its length (1 to 4).
    @inline(__always)
    static func encode(_ scalar: UInt32, into output: UnsafeMutableBufferPointer<UInt8>, at index: Int) -> Int {
        switch scalar {
        case ..<0x80:
            output[index] = UInt8(scalar)
            return 1
        case ..<0x800:
            output[index] = UInt8(0xC0 | scalar >> 6)
            output[index + 1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case ..<0x1_0000:
            output[index] = UInt8(0xE0 | scalar >> 12)
            output[index + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[index + 2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            output[index] = UInt8(0xF0 | scalar >> 18)
            output[index + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            output[index + 2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[index + 3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    /// The first byte of the UTF-8 form of `scalar`.
    static func leadByte(of scalar: UInt32) -> UInt8 {
        switch scalar {
        case ..<0x80: UInt8(scalar)
        case ..<0x800: UInt8(0xC0 | scalar >> 6)
        case ..<0x1_0000: UInt8(0xE0 | scalar >> 12)
        default: UInt8(0xF0 | scalar >> 18)
        }
    }
}
