import DNSClient
import Foundation

/// Verifies the DKIM signatures of a message (RFC 6376, with RFC 8301 and RFC 8463).
///
/// Every DKIM-Signature field gets one result, topmost first. Accepted: `rsa-sha256` (RSA keys of 1024 to 8192
/// bits, SubjectPublicKeyInfo or bare PKCS#1) and `ed25519-sha256`; `rsa-sha1` is never accepted. Header and body
/// canonicalisation `simple` and `relaxed`, `l=`, `t=`/`x=` with ``DKIMLimits/clockSkew``, over-signed `h=` lists,
/// and key records with `v`, `h`, `k`, `p` (empty: revoked), `s` and `t` (`y`: reported in
/// ``DKIMSignatureResult/testing``; `s`: strict `i=`).
///
/// ```swift
/// let verifier = DKIMVerifier(resolver: stubResolver)
/// let results = await verifier.verify(Array(rawMessage))
/// for r in results { print(r.result, r.domain ?? "-", r.selector ?? "-", r.reason) }
/// ```
///
/// Work is bounded by ``DKIMLimits``: key lookups run concurrently, one per distinct key name, for at most
/// ``DKIMLimits/maxSignatures`` signatures; each distinct body canonicalisation is computed once.
///
/// - SeeAlso: RFC 6376 §6 (verifier actions), RFC 8301 §3, RFC 8463 §3–4, RFC 8601 §2.7.1 (result names).
public struct DKIMVerifier: Sendable {
    let resolver: any DNSResolver
    private let now: @Sendable () -> Date
    private let limits: DKIMLimits

    /// - Parameters:
    ///   - resolver: answers the TXT queries for `<selector>._domainkey.<domain>`; caching is its business.
    ///   - now: the verification time (for `t=` and `x=`).
    ///   - limits: bounds on the work done for one message.
    public init(
        resolver: any DNSResolver,
        now: @escaping @Sendable () -> Date = Date.init,
        limits: DKIMLimits = .default
    ) {
        self.resolver = resolver
        self.now = now
        self.limits = limits
    }

    /// Verifies every DKIM-Signature header field of `message`.
    ///
    /// - Parameter message: the raw message, header and body, with CRLF line endings (a bare LF is read as CRLF).
    /// - Returns: one result per DKIM-Signature field, topmost first; empty when the message is unsigned (callers
    ///   then report `none`).
    public func verify(_ message: [UInt8]) async -> [DKIMSignatureResult] {
        let parsed = DKIMMessage(message, limits: limits)
        let signatureFields = parsed.fields.indices.filter { parsed.fields[$0].name == "dkim-signature" }
        guard !signatureFields.isEmpty else { return [] }
        let nowSeconds = Int64(now().timeIntervalSince1970.rounded(.down))

        // 1. Parse and validate each signature's tags (no I/O).
        var checks: [SignatureCheck] = []
        for (position, fieldIndex) in signatureFields.enumerated() {
            checks.append(parseSignature(parsed, fieldIndex: fieldIndex, position: position, now: nowSeconds))
        }

        // 2. Fetch the key records, concurrently, once per name.
        let names = Set(
            checks.compactMap { check -> String? in
                if case .valid(let signature) = check.state { return signature.keyName }
                return nil
            })
        let keys = await lookUpKeys(Array(names))

        // 3. Check body hash and signature of each.
        let index = parsed.fieldIndex()
        var bodyHashes: [BodyHashKey: DKIMBodyHash] = [:]
        return checks.map { check in
            switch check.state {
            case .failed(let failure):
                return check.result(failure.result, reason: failure.reason)
            case .valid(let signature):
                let lookup = keys[signature.keyName] ?? .failure(.temperror("key lookup did not run"))
                do throws(VerificationFailure) {
                    let outcome = try verify(
                        signature, lookup: lookup, message: parsed, index: index,
                        bodyHashes: &bodyHashes)
                    return check.result(.pass, testing: outcome.testing, reason: outcome.reason)
                } catch {
                    return check.result(error.result, testing: error.testing, reason: error.reason)
                }
            }
        }
    }

    /// Tag list, limits, then the tags' meaning (RFC 6376 §6.1.1). No I/O.
    private func parseSignature(_ message: DKIMMessage, fieldIndex: Int, position: Int, now: Int64) -> SignatureCheck {
        let field = message.fields[fieldIndex]
        if field.range.count > limits.maxSignatureFieldBytes {
            let reason = "DKIM-Signature longer than \(limits.maxSignatureFieldBytes) bytes"
            return SignatureCheck(claims: DKIMSignatureClaims(), failure: .permerror(reason))
        }
        let parsed = message.bytes.withUnsafeBufferPointer { (p) -> Result<DKIMTagList, DKIMFailure> in
            Result { () throws(DKIMFailure) in try DKIMTagList(parsing: p, range: field.valueRange) }
        }
        let tags: DKIMTagList
        switch parsed {
        case .success(let list):
            tags = list
        case .failure(let failure):
            let reason = "malformed DKIM-Signature: \(failure.reason)"
            return SignatureCheck(claims: DKIMSignatureClaims(), failure: .permerror(reason))
        }
        let claims = DKIMSignatureClaims(tags)
        if position >= limits.maxSignatures {
            let reason = "not verified: more than \(limits.maxSignatures) signatures"
            return SignatureCheck(claims: claims, failure: .neutral(reason))
        }
        if message.exceededLimits {
            return SignatureCheck(claims: claims, failure: .neutral("not verified: header section exceeds the limits"))
        }
        do throws(DKIMFailure) {
            let signature = try DKIMSignature(tags: tags, fieldIndex: fieldIndex, now: now, limits: limits)
            return SignatureCheck(claims: claims, state: .valid(signature))
        } catch {
            return SignatureCheck(claims: claims, failure: error)
        }
    }

    /// Key record check, body hash, then header signature (RFC 6376 §6.1.2, §6.1.3).
    private func verify(
        _ signature: DKIMSignature,
        lookup: KeyLookup,
        message: DKIMMessage,
        index: [String: [Int]],
        bodyHashes: inout [BodyHashKey: DKIMBodyHash]
    ) throws(VerificationFailure) -> (testing: Bool, reason: String) {
        let records: [String]
        switch lookup {
        case .records(let texts): records = texts
        case .failure(let failure): throw VerificationFailure(failure)
        }
        var keys: [DKIMKeyRecord] = []
        var firstError: DKIMFailure?
        for text in records.prefix(limits.maxKeyRecords) {
            do throws(DKIMFailure) {
                keys.append(try DKIMKeyRecord(parsing: text, for: signature, limits: limits))
            } catch {
                firstError = firstError ?? error
            }
        }
        guard let firstKey = keys.first else {
            throw VerificationFailure(firstError ?? .permerror("no key record at \(signature.keyName)"))
        }
        let testing = firstKey.testing

        let key = BodyHashKey(canonicalization: signature.bodyCanonicalization, limit: signature.bodyLength)
        let bodyHash: DKIMBodyHash
        if let cached = bodyHashes[key] {
            bodyHash = cached
        } else {
            bodyHash = message.bytes.withUnsafeBufferPointer { p in
                DKIMBodyHash.compute(
                    UnsafeBufferPointer(rebasing: p[message.bodyStart...]),
                    canonicalization: key.canonicalization, limit: key.limit)
            }
            bodyHashes[key] = bodyHash
        }
        if bodyHash.isShorterThanLimit {
            let failure = DKIMFailure.fail(
                "body shorter than l=\(signature.bodyLength ?? 0) (\(bodyHash.hashedLength) bytes)")
            throw VerificationFailure(failure, testing: testing)
        }
        guard bodyHash.digest == signature.bodyHash else {
            throw VerificationFailure(.fail("body hash mismatch"), testing: testing)
        }

        let headerHash = DKIMHeaderHash.compute(message, index: index, signature: signature)
        let verified = keys.first { $0.key.isValidSignature(signature.signature, headerHash: headerHash) }
        guard let verified else {
            let froms = index["from"]?.count ?? 0
            let note = froms > 1 ? " (message has \(froms) From fields)" : ""
            throw VerificationFailure(.fail("signature did not verify\(note)"), testing: testing)
        }
        var reason = "verified (\(verified.key.summary))"
        if bodyHash.hasUnsignedContent {
            reason += "; l=\(bodyHash.hashedLength) leaves unsigned body content"
        }
        if verified.testing { reason += "; key in testing mode (t=y)" }
        return (verified.testing, reason)
    }
}

extension DKIMVerifier {
    /// One signature between parsing and verification.
    struct SignatureCheck {
        enum State {
            case valid(DKIMSignature)
            case failed(DKIMFailure)
        }
        var claims: DKIMSignatureClaims
        var state: State

        init(claims: DKIMSignatureClaims, state: State) {
            self.claims = claims
            self.state = state
        }

        init(claims: DKIMSignatureClaims, failure: DKIMFailure) {
            self.init(claims: claims, state: .failed(failure))
        }

        func result(_ result: DKIMResult, testing: Bool = false, reason: String) -> DKIMSignatureResult {
            DKIMSignatureResult(
                result: result, domain: claims.domain, selector: claims.selector, algorithm: claims.algorithm,
                identity: claims.identity, testing: testing, reason: reason
            )
        }
    }

    /// A failed verification, remembering whether the key record was in testing mode.
    struct VerificationFailure: Error {
        var result: DKIMResult
        var reason: String
        var testing: Bool

        init(_ failure: DKIMFailure, testing: Bool = false) {
            result = failure.result
            reason = failure.reason
            self.testing = testing
        }
    }

    /// Body hashes are shared by signatures with the same body canonicalisation and `l=`.
    struct BodyHashKey: Hashable {
        var canonicalization: DKIMCanonicalization
        var limit: Int?
    }
}
