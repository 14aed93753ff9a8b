import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import X509

/// The server's certificate and key as a TLS context, reloaded when the files change on disk.
///
/// cert-manager rotates a Kubernetes secret in place (the mounted files are swapped), so a long-running server must
/// pick the new pair up without a restart. When a TLS connection starts (``context(now:)``), the files are checked
/// at most once per `reloadInterval` by their identity (device, inode, size, modification time); a changed pair is
/// read, checked (certificate and key parse, the key belongs to the leaf certificate, TLS context builds) and used
/// for new connections. A broken pair is logged once and the previous context kept; connections in progress keep
/// the context they started with.
///
/// The check runs on the event loop that accepts the connection: two `stat` calls, and the file reads only after a
/// change.
final class TLSCertificateStore: Sendable {
    let certificatePath: String
    let privateKeyPath: String
    let reloadInterval: TimeAmount
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    struct State {
        var context: NIOSSLContext?
        /// The files as they were when `context` was built.
        var loaded: [FileIdentity] = []
        /// The files as they were when they last failed to load (not retried until they change again).
        var failed: [FileIdentity] = []
        var lastCheck: NIODeadline?
    }

    /// What identifies one version of a file without reading it.
    struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
        var size: UInt64
        var modified: Date
    }

    /// A pair that cannot be used.
    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    init(configuration: SMTPTLSConfiguration, logger: Logger) {
        self.certificatePath = configuration.certificatePath
        self.privateKeyPath = configuration.privateKeyPath
        self.reloadInterval = SMTPServer.timeAmount(configuration.reloadInterval)
        self.logger = logger
    }

    /// Loads the pair at startup; throws when it is unusable, so a misconfigured server does not start.
    func loadInitial() throws {
        let identity = try identities()
        let context = try Self.makeContext(certificatePath: certificatePath, privateKeyPath: privateKeyPath)
        state.withLockedValue { state in
            state.context = context
            state.loaded = identity
            state.lastCheck = .now()
        }
        logger.info("TLS certificate loaded", metadata: ["tls.certificate": "\(certificatePath)"])
    }

    /// The context for a connection starting now; reloads the files first when they changed.
    func context(now: NIODeadline = .now()) -> NIOSSLContext? {
        state.withLockedValue { state in
            if let lastCheck = state.lastCheck, now - lastCheck < reloadInterval, state.context != nil {
                return state.context
            }
            state.lastCheck = now
            reloadIfChanged(&state)
            return state.context
        }
    }

    private func reloadIfChanged(_ state: inout State) {
        let current: [FileIdentity]
        do {
            current = try identities()
        } catch {
            if state.failed.isEmpty {
                logger.error(
                    "TLS certificate files unreadable; keeping the previous certificate",
                    metadata: ["error": "\(error)"])
                state.failed = [FileIdentity(device: 0, inode: 0, size: 0, modified: .distantPast)]
            }
            return
        }
        guard current != state.loaded, current != state.failed else { return }
        do {
            state.context = try Self.makeContext(certificatePath: certificatePath, privateKeyPath: privateKeyPath)
            state.loaded = current
            state.failed = []
            logger.info("TLS certificate reloaded", metadata: ["tls.certificate": "\(certificatePath)"])
        } catch {
            state.failed = current
            logger.error(
                "TLS certificate or key changed but cannot be used; keeping the previous certificate",
                metadata: [
                    "tls.certificate": "\(certificatePath)", "tls.key": "\(privateKeyPath)", "error": "\(error)",
                ])
        }
    }

    private func identities() throws -> [FileIdentity] {
        try [certificatePath, privateKeyPath].map { path in
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return FileIdentity(
                device: (attributes[.systemNumber] as? NSNumber)?.uint64Value ?? 0,
                inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0,
                size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0,
                modified: attributes[.modificationDate] as? Date ?? .distantPast
            )
        }
    }

    /// Reads and checks a pair and builds a server context for TLS 1.2 and later.
    static func makeContext(certificatePath: String, privateKeyPath: String) throws -> NIOSSLContext {
        guard let certificatePEM = FileManager.default.contents(atPath: certificatePath),
            let keyPEM = FileManager.default.contents(atPath: privateKeyPath)
        else { throw LoadError(description: "cannot read \(certificatePath) or \(privateKeyPath)") }
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM))
        guard !chain.isEmpty else { throw LoadError(description: "\(certificatePath) holds no certificate") }
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM), format: .pem)
        // The key must belong to the leaf; swift-certificates compares the public keys explicitly.
        let leaf = try Certificate(derEncoded: chain[0].toDERBytes())
        if let x509Key = try? Certificate.PrivateKey(pemEncoded: String(decoding: keyPEM, as: UTF8.self)),
            x509Key.publicKey != leaf.publicKey
        {
            throw LoadError(description: "the private key does not belong to the certificate")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }
}
