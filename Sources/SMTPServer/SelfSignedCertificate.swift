import Crypto
import Foundation
import X509

/// A self-signed certificate and key for trying TLS out (`fastsmtp init --self-signed-cert DIR`). Senders do not
/// trust it; production wants a certificate from a CA (cert-manager in Kubernetes).
public enum SelfSignedCertificate {
    /// A P-256 key and a certificate for `hostname` (and `localhost`), valid from an hour ago for `days` days, as
    /// PEM text.
    ///
    /// ```swift
    /// let pair = try SelfSignedCertificate.make(hostname: "mx.example.com")
    /// try pair.certificatePEM.write(toFile: "tls/cert.pem", atomically: true, encoding: .utf8)
    /// ```
    public static func make(
        hostname: String, days: Int = 365, now: Date = Date()
    ) throws -> (certificatePEM: String, privateKeyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let certificateKey = Certificate.PrivateKey(key)
        let name = try DistinguishedName {
            CommonName(hostname)
            OrganizationName("FastSMTP self-signed")
        }
        var names: [GeneralName] = [.dnsName(hostname)]
        if hostname.lowercased() != "localhost" { names.append(.dnsName("localhost")) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: certificateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(Double(max(1, days)) * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: certificateKey
        )
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }
}
