import Crypto
import Foundation
import X509

/// A throwaway certificate authority made in the test, and server certificates it signs, written as PEM files to a
/// temporary directory (the CA file is what the Python client trusts).
struct TestCertificates: Sendable {
    let directory: URL
    let caKeyPEM: String
    let caCertificate: Certificate
    var caKey: P256.Signing.PrivateKey { get throws { try P256.Signing.PrivateKey(pemRepresentation: caKeyPEM) } }

    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var certificateFile: String { directory.appendingPathComponent("server-cert.pem").path }
    var keyFile: String { directory.appendingPathComponent("server-key.pem").path }

    /// A new CA in a new temporary directory, with a first server pair already written to ``certificateFile`` and
    /// ``keyFile``.
    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fastsmtp-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("FastSMTP Test CA \(UUID().uuidString.prefix(8))") }
        let now = Date()
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key)
        )
        let certificates = TestCertificates(directory: directory, caKeyPEM: key.pemRepresentation, caCertificate: ca)
        try write(ca.serializeAsPEM().pemString, to: certificates.caFile)
        try certificates.installServerPair()
        return certificates
    }

    /// A server certificate for `localhost` and 127.0.0.1 signed by the CA, and its key, as PEM.
    func makeServerPair(
        commonName: String = "localhost"
    ) throws -> (certificatePEM: String, keyPEM: String, sha256: String) {
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400),
            issuer: caCertificate.subject, subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(.init(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(try caKey)
        )
        let der = try certificate.serializeAsPEM().derBytes
        let fingerprint = SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation, fingerprint)
    }

    /// Writes a new server pair over ``certificateFile`` and ``keyFile`` (each replaced atomically, the way a
    /// rotated secret appears) and returns the new certificate's SHA-256 fingerprint.
    @discardableResult
    func installServerPair() throws -> String {
        let pair = try makeServerPair()
        try Self.write(pair.certificatePEM, to: certificateFile)
        try Self.write(pair.keyPEM, to: keyFile)
        return pair.sha256
    }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The SHA-256 fingerprint of the certificate in ``certificateFile`` now.
    func installedFingerprint() throws -> String {
        let pem = try String(contentsOfFile: certificateFile, encoding: .utf8)
        let der = try Certificate(pemEncoded: pem).serializeAsPEM().derBytes
        return SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }
}
