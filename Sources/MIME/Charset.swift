#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A character set that text can be decoded from (RFC 2045 `charset`, RFC 2047 and RFC 2231 charsets).
///
/// UTF-8, US-ASCII, ISO-8859-1 and Windows-1252 are decoded natively; the others (ISO-8859-2…16, Windows-1250…1258,
/// KOI8-R/U, GB2312/GBK/GB18030, Big5, Shift_JIS, EUC-JP, ISO-2022-JP, EUC-KR, UTF-16/32, UTF-7, …) through iconv,
/// always *to* UTF-8. Only labels in the table below are handed to iconv, so message content cannot pick an arbitrary
/// converter. Decoding never fails: invalid bytes become U+FFFD.
///
/// Following the WHATWG Encoding Standard, labels are matched case-insensitively and a few are widened to the superset
/// that mailers really send: `iso-8859-1` and `us-ascii` → Windows-1252 (US-ASCII that is valid UTF-8 is read as
/// UTF-8), `gb2312`/`gbk` → GB18030, `shift_jis` → Windows-31J (CP932), `euc-kr` → CP949, `big5` → Big5-HKSCS.
///
/// ```swift
/// let text = Charset(label: "iso-8859-2")?.decode([0xB1]).string   // "ą"
/// let any = Charset.decode(bytes, label: "x-unknown")                // UTF-8, lossy, never crashes
/// ```
public struct Charset: Sendable, Hashable, CustomStringConvertible {
    enum Backend: Sendable, Hashable {
        case utf8
        case ascii  // US-ASCII: UTF-8 if valid, else Windows-1252
        case windows1252
        case iconv(String)  // iconv name
    }

    let backend: Backend

    /// The canonical name used for decoding (for example `UTF-8`, `windows-1252`, `GB18030`).
    public var description: String {
        switch backend {
        case .utf8: "UTF-8"
        case .ascii: "US-ASCII"
        case .windows1252: "windows-1252"
        case .iconv(let name): name
        }
    }

    /// The charset for a MIME label such as `UTF-8`, `"iso-8859-1"` or `ks_c_5601-1987`, or nil when unknown.
    public init?(label: String) {
        var bytes = label.utf8.map(\.asciiLowercased)[...]
        let junk: (UInt8) -> Bool = { $0.isWhitespace || $0 == .quote || $0 == 0x27 }
        while let first = bytes.first, junk(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, junk(last) { bytes = bytes.dropLast() }
        if let star = bytes.firstIndex(of: 0x2A) { bytes = bytes[..<star] }  // RFC 2231 language suffix
        let key = String(decoding: bytes, as: UTF8.self)
        guard let backend = Self.labels[key] else { return nil }
        self.backend = backend
    }

    init(backend: Backend) { self.backend = backend }

    public static let utf8 = Charset(backend: .utf8)
    public static let usASCII = Charset(backend: .ascii)
    public static let windows1252 = Charset(backend: .windows1252)

    /// Decodes `bytes`. `isLossless` is false when some bytes were invalid and replaced with U+FFFD.
    public func decode(_ bytes: some Collection<UInt8>) -> (string: String, isLossless: Bool) {
        switch backend {
        case .utf8:
            return Self.decodeUTF8(bytes)
        case .ascii:
            if Self.isValidUTF8(bytes) { return (String(decoding: bytes, as: UTF8.self), true) }
            return (Self.decodeWindows1252(bytes), false)
        case .windows1252:
            return (Self.decodeWindows1252(bytes), true)
        case .iconv(let name):
            return Self.decodeWithIconv(bytes, from: name) ?? Self.decodeUTF8(bytes)
        }
    }

    /// Decodes with the charset named by `label`; an unknown or missing label decodes as UTF-8 with replacement
    /// characters. The defect, if any, says what was wrong (`unknownCharset` or `invalidCharsetData`).
    public static func decode(
        _ bytes: some Collection<UInt8>, label: String?
    )
        -> (string: String, defect: MIMEDefect.Kind?)
    {
        guard let label, !label.isEmpty else {
            let (string, lossless) = Charset.usASCII.decode(bytes)
            return (string, lossless ? nil : .invalidCharsetData)
        }
        guard let charset = Charset(label: label) else {
            return (decodeUTF8(bytes).string, .unknownCharset)
        }
        let (string, lossless) = charset.decode(bytes)
        return (string, lossless ? nil : .invalidCharsetData)
    }

    // MARK: - Native decoders

    static func decodeUTF8(_ bytes: some Collection<UInt8>) -> (string: String, isLossless: Bool) {
        var slice = bytes[...]
        if slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }  // byte order mark
        return (String(decoding: slice, as: UTF8.self), isValidUTF8(slice))
    }

    /// Windows-1252 upper half 0x80…0x9F (the rest of 0xA0…0xFF is Latin-1). Undefined bytes map to the C1 control
    /// of the same value, as in the WHATWG index.
    private static let cp1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x009D, 0x017E, 0x0178,
    ]

    static func decodeWindows1252(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 2)
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
                continue
            }
            let scalar = byte < 0xA0 ? cp1252High[Int(byte - 0x80)] : UInt16(byte)
            if scalar < 0x800 {
                output.append(UInt8(0xC0 | scalar >> 6))
                output.append(UInt8(0x80 | scalar & 0x3F))
            } else {
                output.append(UInt8(0xE0 | scalar >> 12))
                output.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
                output.append(UInt8(0x80 | scalar & 0x3F))
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `bytes` are well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values above U+10FFFF).
    /// (`String(validating:)` would do, but needs macOS 15.)
    static func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({ isValidUTF8(buffer: $0) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { isValidUTF8(buffer: $0) }
    }

    private static func isValidUTF8(buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = buffer.count
        while index < count {
            let lead = buffer[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF  // allowed range of the second byte
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: return false
            }
            guard index + length <= count, buffer[index + 1] >= low, buffer[index + 1] <= high else { return false }
            for offset in 2..<max(2, length) where buffer[index + offset] & 0xC0 != 0x80 { return false }
            index += length
        }
        return true
    }

    // MARK: - iconv

    /// Converts with iconv to UTF-8. Invalid input bytes become U+FFFD and conversion resumes at the next byte.
    /// Returns nil if iconv does not know the charset.
    static func decodeWithIconv(
        _ input: some Collection<UInt8>, from name: String
    ) -> (string: String, isLossless: Bool)? {
        let descriptor = iconv_open("UTF-8", name)
        guard Int(bitPattern: descriptor) != -1 else { return nil }
        defer { iconv_close(descriptor) }
        var bytes = Array(input)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2 + 16)
        var lossless = true
        var chunk = [UInt8](repeating: 0, count: max(4096, min(bytes.count * 3 + 16, 1 << 20)))
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        bytes.withUnsafeMutableBytes { inputBytes in
            chunk.withUnsafeMutableBytes { chunkBytes in
                guard let chunkBase = chunkBytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return }
                var inPointer = inputBytes.baseAddress?.assumingMemoryBound(to: CChar.self)
                var inLeft = inputBytes.count
                while true {
                    var outPointer: UnsafeMutablePointer<CChar>? = chunkBase
                    var outLeft = chunkBytes.count
                    let flushing = inLeft == 0 || inPointer == nil
                    let result =
                        flushing
                        ? iconv(descriptor, nil, nil, &outPointer, &outLeft)  // end the shift state
                        : iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    let failure = result == -1 ? errno : 0
                    output.append(
                        contentsOf: UnsafeRawBufferPointer(start: chunkBase, count: chunkBytes.count - outLeft))
                    if failure == E2BIG { continue }
                    if flushing { break }
                    if failure == EILSEQ {  // invalid sequence: replace one byte and resume
                        output.append(contentsOf: replacement)
                        lossless = false
                        inPointer = inPointer.map { $0 + 1 }
                        inLeft -= 1
                    } else if failure != 0 {  // EINVAL: truncated sequence at the end
                        output.append(contentsOf: replacement)
                        lossless = false
                        inLeft = 0
                    }
                }
            }
        }
        return (String(decoding: output, as: UTF8.self), lossless)
    }

    // MARK: - Labels

    private static let labels: [String: Backend] = {
        var table: [String: Backend] = [:]
        func add(_ backend: Backend, _ names: [String]) { for name in names { table[name] = backend } }
        add(.utf8, ["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"])
        add(
            .ascii,
            [
                "us-ascii", "ascii", "us", "ansi_x3.4-1968", "ansi_x3.4-1986", "ansi-x3.4-1968", "ansi-x3.4-1986",
                "iso646-us", "iso-ir-6", "cp367", "ibm367", "csascii", "646", "iso_646.irv:1991",
            ])
        add(
            .windows1252,
            [
                "iso-8859-1", "iso8859-1", "iso_8859-1", "iso88591", "iso_8859-1:1987", "8859-1", "latin1",
                "latin-1", "l1", "cp819", "ibm819", "iso-ir-100", "csisolatin1", "windows-1252", "cp1252", "cp-1252",
                "x-cp1252", "win-1252",
            ])
        let latinAliases: [Int: [String]] = [
            2: ["latin2", "l2", "csisolatin2", "iso-ir-101"], 3: ["latin3", "l3", "iso-ir-109"],
            4: ["latin4", "l4", "iso-ir-110"], 5: ["cyrillic", "csisolatincyrillic", "iso-ir-144"],
            6: ["arabic", "iso-8859-6-i", "iso-8859-6-e", "iso-ir-127"],
            7: ["greek", "greek8", "iso-ir-126", "elot_928"],
            8: ["hebrew", "iso-8859-8-i", "iso-8859-8-e", "iso-ir-138"], 9: ["latin5", "l5", "iso-ir-148"],
            10: ["latin6", "l6", "iso-ir-157"], 13: ["latin7", "l7"], 14: ["latin8", "l8"],
            15: ["latin9", "l9", "latin-9"],
            16: ["latin10", "l10"],
        ]
        for part in [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16] {
            let names = ["iso-8859-\(part)", "iso8859-\(part)", "iso_8859-\(part)", "iso8859\(part)", "8859-\(part)"]
            add(.iconv("ISO-8859-\(part)"), names + (latinAliases[part] ?? []))
        }
        for page in [1250, 1251, 1253, 1254, 1255, 1256, 1257, 1258] {
            add(.iconv("CP\(page)"), ["windows-\(page)", "cp\(page)", "cp-\(page)", "x-cp\(page)", "win-\(page)"])
        }
        add(.iconv("KOI8-R"), ["koi8-r", "koi8r", "koi8_r", "koi", "koi8", "cskoi8r"])
        add(.iconv("KOI8-U"), ["koi8-u", "koi8u", "koi8-ru"])
        add(
            .iconv("GB18030"),
            [
                "gb18030", "gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "euccn",
                "x-euc-cn", "csgb2312", "chinese", "gb_2312-80", "gb_2312", "iso-ir-58", "csiso58gb231280",
                "x-gb2312",
            ])
        add(
            .iconv("BIG5-HKSCS"),
            [
                "big5", "big-5", "x-big5", "cn-big5", "csbig5", "big5-hkscs", "big5hkscs", "cp950",
                "ms950", "windows-950",
            ])
        add(
            .iconv("CP932"),
            [
                "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932",
                "ms932", "x-ms-cp932", "cswindows31j",
            ])
        add(.iconv("EUC-JP"), ["euc-jp", "eucjp", "x-euc-jp", "x-euc", "cseucpkdfmtjapanese"])
        // ISO-2022-JP-2 is a superset that glibc also decodes half-width katakana (ESC ( I) with.
        add(
            .iconv("ISO-2022-JP-2"),
            [
                "iso-2022-jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2", "csiso2022jp2", "jis",
                "x-jis",
            ])
        add(.iconv("ISO-2022-JP-3"), ["iso-2022-jp-3"])
        add(
            .iconv("CP949"),
            [
                "euc-kr", "euckr", "x-euc-kr", "ks_c_5601-1987", "ks_c_5601-1989", "ks_c_5601", "ksc5601",
                "ksc_5601", "korean", "csksc56011987", "iso-ir-149", "cseuckr", "cp949", "uhc", "windows-949",
                "x-windows-949", "ms949",
            ])
        add(.iconv("ISO-2022-KR"), ["iso-2022-kr", "csiso2022kr"])
        add(.iconv("UTF-16"), ["utf-16", "utf16", "ucs-2", "iso-10646-ucs-2", "csunicode"])
        add(.iconv("UTF-16LE"), ["utf-16le", "utf16le", "unicodefffe"])
        add(.iconv("UTF-16BE"), ["utf-16be", "utf16be", "unicodefeff"])
        add(.iconv("UTF-32"), ["utf-32", "utf32", "ucs-4"])
        add(.iconv("UTF-32LE"), ["utf-32le"])
        add(.iconv("UTF-32BE"), ["utf-32be"])
        add(.iconv("UTF-7"), ["utf-7", "unicode-1-1-utf-7", "csunicode11utf7"])
        add(.iconv("CP866"), ["ibm866", "cp866", "866", "csibm866"])
        add(.iconv("CP874"), ["windows-874", "cp874", "tis-620", "tis620", "x-windows-874", "dos-874"])
        add(.iconv("MACINTOSH"), ["macintosh", "mac", "x-mac-roman", "csmacintosh", "macroman"])
        add(.iconv("MAC-CYRILLIC"), ["x-mac-cyrillic", "x-mac-ukrainian", "maccyrillic"])
        return table
    }()
}
