import Crypto
import _CryptoExtras

/// A public key from a DKIM key record, ready to check signatures.
///
/// - SeeAlso: RFC 6376 §3.3.1 (RSA, PKCS#1 v1.5), RFC 8463 §3 (Ed25519 over the SHA-256 header hash),
///   RFC 8301 §3.2 (RSA key sizes).
enum DKIMPublicKey {
    case rsa(_RSA.Signing.PublicKey, bits: Int)
    case ed25519(Curve25519.Signing.PublicKey)

    /// Builds the key from the decoded `p=` bytes.
    ///
    /// RSA: a DER SubjectPublicKeyInfo (RFC 6376 §3.6.1) or a bare PKCS#1 RSAPublicKey (seen in practice; accepted
    /// as dkimpy and others do); the modulus must have between ``DKIMLimits/minimumRSAKeyBits`` and
    /// ``DKIMLimits/maximumRSAKeyBits`` bits. Ed25519: the 32-byte raw key (RFC 8463 §4), or the same wrapped in a
    /// SubjectPublicKeyInfo.
    init(keyType: DKIMKeyType, data: [UInt8], limits: DKIMLimits) throws(DKIMFailure) {
        switch keyType {
        case .rsa:
            guard let (modulus, exponent) = DKIMRSAKeyDecoder.decode(data) else {
                throw .permerror("could not parse RSA public key")
            }
            let bits = DKIMRSAKeyDecoder.bitCount(modulus)
            guard bits >= limits.minimumRSAKeyBits else {
                throw .permerror("RSA key too small (\(bits) bits, minimum \(limits.minimumRSAKeyBits))")
            }
            guard bits <= limits.maximumRSAKeyBits else {
                throw .permerror("RSA key too large (\(bits) bits, maximum \(limits.maximumRSAKeyBits))")
            }
            do {
                self = .rsa(try _RSA.Signing.PublicKey(n: modulus, e: exponent), bits: bits)
            } catch {
                throw .permerror("unusable RSA public key")
            }
        case .ed25519:
            var raw = data
            if raw.count == 44, raw.starts(with: DKIMRSAKeyDecoder.ed25519SPKIPrefix) { raw.removeFirst(12) }
            guard raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                throw .permerror("could not parse Ed25519 public key (\(data.count) bytes, expected 32)")
            }
            self = .ed25519(key)
        }
    }

    /// Whether `signature` is valid for the SHA-256 hash of the canonicalised header fields.
    func isValidSignature(_ signature: [UInt8], headerHash: SHA256.Digest) -> Bool {
        switch self {
        case .rsa(let key, _):
            // RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6376 §3.3.1, RFC 8017 §8.2).
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: headerHash, padding: .insecurePKCS1v1_5)
        case .ed25519(let key):
            // PureEdDSA over the 32-byte SHA-256 hash (RFC 8463 §3).
            return key.isValidSignature(signature, for: Array(headerHash))
        }
    }

    /// A short description for reasons, e.g. `2048-bit RSA key`.
    var summary: String {
        switch self {
        case .rsa(_, let bits): "\(bits)-bit RSA key"
        case .ed25519: "Ed25519 key"
        }
    }
}
