import Crypto
import Foundation

/// Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
/// where the key is the base64 after `whsec_` in the recipient's secret.
///
/// - SeeAlso: https://www.standardwebhooks.com (specification, "Signature scheme")
public enum WebhookSignature {
    /// The header value, or nil when the secret is not a `whsec_` base64 key.
    public static func sign(id: String, timestamp: Int, body: [UInt8], secret: String) -> String? {
        guard let key = key(from: secret) else { return nil }
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Whether `header` (space-separated `v1,…` entries) holds a valid signature of the request.
    public static func verify(id: String, timestamp: Int, body: [UInt8], secret: String, header: String) -> Bool {
        guard let expected = sign(id: id, timestamp: timestamp, body: body, secret: secret) else { return false }
        return header.split(separator: " ").contains { candidate in
            let a = Array(candidate.utf8)
            let b = Array(expected.utf8)
            guard a.count == b.count else { return false }
            return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }

    static func key(from secret: String) -> Data? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { return nil }
        return key
    }
}
