import NIOSSL
import PostgresNIO

extension DatabaseLocation.PostgresLocation {
    /// The driver's TLS setting for ``tls``, as libpq reads `sslmode`: `prefer` and `require` encrypt without
    /// checking the certificate, `verify-ca` checks the chain, `verify-full` the chain and the host name.
    /// - Throws: ``DatabaseURLError`` when `sslrootcert` cannot be read as PEM certificates.
    func clientTLS() throws -> PostgresClient.Configuration.TLS {
        guard let (configuration, optional) = try tlsConfiguration() else { return .disable }
        return optional ? .prefer(configuration) : .require(configuration)
    }

    /// The same for a single connection (``Database/probe(_:logger:)``).
    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        guard let (configuration, optional) = try tlsConfiguration() else { return .disable }
        let context = try NIOSSLContext(configuration: configuration)
        return optional ? .prefer(context) : .require(context)
    }

    /// nil without TLS; else the client configuration and whether a server without TLS is acceptable.
    private func tlsConfiguration() throws -> (TLSConfiguration, optional: Bool)? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable:
            return nil
        case .prefer, .require:
            configuration.certificateVerification = .none
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
        }
        if let rootCertificatePath, tls == .verifyCA || tls == .verifyFull {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(rootCertificatePath)
                guard !certificates.isEmpty else { throw DatabaseURLError("no certificate in it") }
                configuration.trustRoots = .certificates(certificates)
            } catch {
                throw DatabaseURLError("sslrootcert '\(rootCertificatePath)' is not a readable PEM certificate file")
            }
        }
        return (configuration, tls == .prefer)
    }
}
