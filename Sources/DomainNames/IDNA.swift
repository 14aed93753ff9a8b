import Foundation

/// Domain names to their ASCII form for storage and matching (IDNA "ToASCII", RFC 5891 §4.2 / RFC 3492 Punycode).
///
/// Each label is lowercased and NFC-normalised; a label with non-ASCII characters becomes `xn--` + Punycode.
/// The IDNA2008 validity tables (which code points are allowed) are not applied: labels must still pass the
/// LDH check of their ASCII form.
public enum IDNA {
    public static func toASCII(_ name: String) -> String? {
        let labels = name.precomposedStringWithCanonicalMapping.lowercased().split(
            separator: ".", omittingEmptySubsequences: false)
        var out: [String] = []
        for label in labels {
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                out.append(String(label))
            } else {
                guard let encoded = punycode(String(label)) else { return nil }
                out.append("xn--" + encoded)
            }
        }
        return out.joined(separator: ".")
    }

    /// RFC 3492 §6.3 encoding.
    public static func punycode(_ input: String) -> String? {
        let (base, tMin, tMax, skew, damp, initialBias, initialN) = (36, 1, 26, 38, 700, 72, 128)
        let scalars = input.unicodeScalars.map { Int($0.value) }
        var output = scalars.filter { $0 < 0x80 }.map { Character(Unicode.Scalar(UInt8($0))) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        func digit(_ d: Int) -> Character { Character(Unicode.Scalar(UInt8(d < 26 ? d + 97 : d + 22))) }
        func adapt(_ delta: Int, _ points: Int, _ first: Bool) -> Int {
            var delta = first ? delta / damp : delta / 2
            delta += delta / points
            var k = 0
            while delta > ((base - tMin) * tMax) / 2 {
                delta /= base - tMin
                k += base
            }
            return k + (base - tMin + 1) * delta / (delta + skew)
        }
        var (n, delta, bias) = (initialN, 0, initialBias)
        while handled < scalars.count {
            guard let m = scalars.filter({ $0 >= n }).min() else { return nil }
            let (product, overflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow else { return nil }
            delta += product
            n = m
            for c in scalars {
                if c < n { delta += 1 }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(output)
    }
}
