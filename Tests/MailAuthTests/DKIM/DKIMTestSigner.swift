import Crypto
import Foundation
import _CryptoExtras

/// A small DKIM signer for the tests, written independently of the verifier (its own, naive canonicalisation on
/// strings) so that sign-then-verify cross-checks the two.
struct DKIMTestSigner {
    enum Key {
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    var key: Key
    var domain = "example.com"
    var selector = "sel"
    var headerCanonicalization = "relaxed"
    var bodyCanonicalization = "relaxed"
    var signedHeaders = ["from", "to", "subject", "date"]
    var identity: String?
    /// Add `l=` with the canonical body length.
    var bodyLength = false
    var timestamp: Int64? = 1_700_000_000
    var expiration: Int64?
    /// Overrides `a=` (the hash really used follows it: rsa-sha1 signs with SHA-1).
    var algorithm: String?
    /// Overrides the `c=` text (the canonicalisations used still follow the two properties above).
    var canonicalizationTag: String?
    /// Extra `tag=value` text put before `b=`.
    var extraTags: [String] = []

    var defaultAlgorithm: String {
        switch key {
        case .rsa: "rsa-sha256"
        case .ed25519: "ed25519-sha256"
        }
    }

    /// The key record to publish: `v=DKIM1; k=…; p=…` plus `extra` tags.
    func keyRecord(extra: String = "", pkcs1: Bool = false) -> String {
        switch key {
        case .rsa(let k):
            let der = pkcs1 ? k.publicKey.pkcs1DERRepresentation : k.publicKey.derRepresentation
            return "v=DKIM1; k=rsa; \(extra)p=\(der.base64EncodedString())"
        case .ed25519(let k):
            return "v=DKIM1; k=ed25519; \(extra)p=\(k.publicKey.rawRepresentation.base64EncodedString())"
        }
    }

    var keyName: String { "\(selector)._domainkey.\(domain)" }

    /// Returns `message` (CRLF text) with a DKIM-Signature field prepended.
    func sign(_ message: String) -> String {
        let (headers, body) = Self.split(message)
        let canonicalBody = bodyCanonicalization == "simple" ? Self.simpleBody(body) : Self.relaxedBody(body)
        let algorithm = algorithm ?? defaultAlgorithm
        let sha1 = algorithm == "rsa-sha1"
        let bh =
            sha1
            ? Data(Insecure.SHA1.hash(data: Data(canonicalBody.utf8))).base64EncodedString()
            : Data(SHA256.hash(data: Data(canonicalBody.utf8))).base64EncodedString()

        var tags = [
            "v=1", "a=\(algorithm)", "c=\(canonicalizationTag ?? "\(headerCanonicalization)/\(bodyCanonicalization)")",
            "d=\(domain)", "s=\(selector)",
        ]
        if let identity { tags.append("i=\(identity)") }
        if bodyLength { tags.append("l=\(canonicalBody.utf8.count)") }
        if let timestamp { tags.append("t=\(timestamp)") }
        if let expiration { tags.append("x=\(expiration)") }
        tags += extraTags
        tags.append("\r\n\th=\(signedHeaders.joined(separator: ":"))")
        tags.append("\r\n\tbh=\(bh)")
        let unsignedField = "DKIM-Signature: " + tags.joined(separator: "; ") + "; \r\n\tb="

        var data = ""
        var used: [String: Int] = [:]
        for name in signedHeaders {
            let matches = headers.filter { Self.name(of: $0).lowercased() == name.lowercased() }
            let taken = used[name.lowercased(), default: 0]
            guard taken < matches.count else { continue }
            used[name.lowercased()] = taken + 1
            data += canonicalHeader(matches[matches.count - 1 - taken])
        }
        var sigField = canonicalHeader(unsignedField + "\r\n")
        sigField.removeLast()  // the trailing CRLF (one Character in Swift)
        data += sigField

        let signature: Data
        switch key {
        case .rsa(let k):
            if sha1 {
                signature = try! k.signature(
                    for: Insecure.SHA1.hash(data: Data(data.utf8)), padding: .insecurePKCS1v1_5
                ).rawRepresentation
            } else {
                signature = try! k.signature(for: SHA256.hash(data: Data(data.utf8)), padding: .insecurePKCS1v1_5)
                    .rawRepresentation
            }
        case .ed25519(let k):
            signature = try! k.signature(for: Data(SHA256.hash(data: Data(data.utf8))))
        }
        let b64 = signature.base64EncodedString()
        // Fold b= every 64 characters, as signers do.
        var folded = ""
        var rest = Substring(b64)
        while !rest.isEmpty {
            folded += (folded.isEmpty ? "" : "\r\n\t") + rest.prefix(64)
            rest = rest.dropFirst(64)
        }
        return unsignedField + folded + "\r\n" + message
    }

    private func canonicalHeader(_ field: String) -> String {
        guard headerCanonicalization == "relaxed" else { return field }
        let name = Self.name(of: field)
        var value = String(field[field.index(after: field.firstIndex(of: ":")!)...])
        value = value.replacingOccurrences(of: "\r\n", with: "")
        value = value.replacingOccurrences(of: "\t", with: " ")
        while value.contains("  ") { value = value.replacingOccurrences(of: "  ", with: " ") }
        value = value.trimmingCharacters(in: CharacterSet(charactersIn: " "))
        return name.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " \t")) + ":" + value + "\r\n"
    }

    /// Header fields (each with its CRLF, folds kept) and the body.
    static func split(_ message: String) -> ([String], String) {
        let parts = message.components(separatedBy: "\r\n\r\n")
        let head = parts[0] + "\r\n"
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        var fields: [String] = []
        for line in head.components(separatedBy: "\r\n").dropLast() {
            if line.first == " " || line.first == "\t" {
                fields[fields.count - 1] += line + "\r\n"
            } else {
                fields.append(line + "\r\n")
            }
        }
        return (fields, body)
    }

    static func name(of field: String) -> String {
        String(field[..<field.firstIndex(of: ":")!])
    }

    static func simpleBody(_ body: String) -> String {
        var b = body
        while b.hasSuffix("\r\n") { b.removeLast() }
        return b + "\r\n"
    }

    static func relaxedBody(_ body: String) -> String {
        var lines = body.components(separatedBy: "\r\n").map { line -> String in
            var l = line.replacingOccurrences(of: "\t", with: " ")
            while l.contains("  ") { l = l.replacingOccurrences(of: "  ", with: " ") }
            while l.hasSuffix(" ") { l.removeLast() }
            return l
        }
        while lines.last == "" { lines.removeLast() }
        return lines.isEmpty ? "" : lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// Test keys, generated once per test process.
enum DKIMTestKeys {
    static let rsa2048 = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let rsa1024 = try! _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
    private static let ed25519Seed = Curve25519.Signing.PrivateKey().rawRepresentation
    private static let otherEd25519Seed = Curve25519.Signing.PrivateKey().rawRepresentation
    static var ed25519: Curve25519.Signing.PrivateKey { try! .init(rawRepresentation: ed25519Seed) }
    static var otherEd25519: Curve25519.Signing.PrivateKey { try! .init(rawRepresentation: otherEd25519Seed) }
}

/// A plain test message (CRLF).
let dkimSampleMessage = """
    Received: from mx.example.net by mx.example.org; Mon, 13 Nov 2023 10:00:00 +0000\r
    From: Alice Example <alice@example.com>\r
    To: Bob <bob@example.org>\r
    Subject: Quarterly   report\r
     (folded)\r
    Date: Mon, 13 Nov 2023 10:00:00 +0000\r
    Message-ID: <1@example.com>\r
    \r
    Hello Bob,\r
    \r
    the numbers  are\tin.  \r
    \r
    Alice\r
    \r
    \r

    """
