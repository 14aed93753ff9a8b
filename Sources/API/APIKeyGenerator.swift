import Crypto
import Foundation

/// API keys: `fsmtp_` followed by base62 of 32 random bytes (about 43 characters).
public enum APIKeyGenerator {
    public static let prefix = "fsmtp_"
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return prefix + base62(bytes)
    }

    /// Big-endian base62 of the bytes (leading zero bytes kept as "0").
    static func base62(_ bytes: [UInt8]) -> String {
        var number = bytes
        var digits: [Character] = []
        while number.contains(where: { $0 != 0 }) {
            var remainder = 0
            var next: [UInt8] = []
            next.reserveCapacity(number.count)
            for byte in number {
                let accumulator = remainder * 256 + Int(byte)
                let quotient = accumulator / 62
                remainder = accumulator % 62
                if !next.isEmpty || quotient != 0 { next.append(UInt8(quotient)) }
            }
            digits.append(alphabet[remainder])
            number = next
        }
        let leadingZeros = bytes.prefix { $0 == 0 }.count
        return String(repeating: "0", count: leadingZeros) + String(digits.reversed())
    }
}

extension APIKeyGenerator {
    /// What is stored for a key: the hex digest under the configured algorithm (sha256 by default).
    public static func hash(_ key: String, algorithm: String = "sha256") -> String {
        let data = Data(key.utf8)
        let digest: [UInt8] =
            switch algorithm.lowercased() {
            case "sha384": Array(SHA384.hash(data: data))
            case "sha512": Array(SHA512.hash(data: data))
            default: Array(SHA256.hash(data: data))
            }
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The part of a key that may be shown and stored in clear: `fsmtp_` and the next 8 characters.
    public static func displayPrefix(_ key: String) -> String {
        String(key.prefix(prefix.count + 8))
    }

    /// Compares two secrets in time independent of where they differ (both are hashed first, so lengths leak nothing).
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(SHA256.hash(data: Data(a.utf8)))
        let y = Array(SHA256.hash(data: Data(b.utf8)))
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
