import FastSMTPModels
import Foundation

/// The superuser key from `FASTSMTP_ROOT_API_KEY`, or one generated on first start and kept in the data dir.
public enum RootAPIKey {
    public static let fileName = "root_api_key"

    /// Where the generated key is kept.
    public static func path(dataDir: String) -> String {
        URL(fileURLWithPath: dataDir).appendingPathComponent(fileName).path
    }

    /// Returns the configured key; else the stored one; else generates, stores (mode 0600) and returns a new one
    /// with `created == true` so the caller prints it once.
    public static func resolve(settings: Settings) throws -> (key: String, created: Bool) {
        if let key = settings.rootAPIKey, !key.isEmpty { return (key, false) }
        let path = path(dataDir: settings.dataDir)
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            let key = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            if !key.isEmpty { return (key, false) }
        }
        let key = APIKeyGenerator.generate()
        try FileManager.default.createDirectory(atPath: settings.dataDir, withIntermediateDirectories: true)
        // Create with 0600 from the start so the key is never readable by others, not even briefly.
        guard FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        return (key, true)
    }
}

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
