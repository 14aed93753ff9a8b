import Crypto

/// The data a DKIM signature signs: the selected header fields, canonicalised, then the DKIM-Signature field itself
/// with its `b=` value deleted.
///
/// - SeeAlso: RFC 6376 §3.4.1, §3.4.2, §3.7, §5.4.2.
enum DKIMHeaderHash {
    // RFC 6376 §5.4.2: "Signers choose header fields to sign from the bottom of the header block up. Header
    // fields listed in h= that do not exist contribute nothing (the null string). A field name listed n times
    // selects the n bottom-most instances, bottom-up."
    // RFC 6376 §3.7: "The DKIM-Signature header field that exists (verifying) ... MUST be included in the
    // cryptographic hash ... with the value of the "b=" tag (including all surrounding whitespace) deleted (i.e.,
    // treated as the empty string) ... presented to the hash algorithm without a trailing CRLF."
    //
    // Deliberate hardening (as dkimpy, its bug 644046): when h= lists From, one extra "from" is appended to the
    // selection. A message with a single From hashes the same (the extra entry selects nothing); a message with an
    // unsigned second From *above* the signed one fails instead of passing with a From the signer never saw.

    /// Hashes the signed header data of `signature`.
    ///
    /// - Parameter index: ``DKIMMessage/fieldIndex()`` of `message`.
    static func compute(_ message: DKIMMessage, index: [String: [Int]], signature: DKIMSignature) -> SHA256.Digest {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        var remaining: [String: Int] = [:]
        var names = signature.signedHeaders
        if names.contains("from") { names.append("from") }
        message.bytes.withUnsafeBufferPointer { p in
            for name in names {
                let instances = index[name] ?? []
                let left = remaining[name] ?? instances.count
                guard left > 0 else { continue }
                remaining[name] = left - 1
                let field = message.fields[instances[left - 1]]
                switch signature.headerCanonicalization {
                case .simple:
                    out.append(contentsOf: p[field.range])
                case .relaxed:
                    appendRelaxed(p, field, value: [p[field.valueRange]], into: &out)
                    out.append(contentsOf: [0x0D, 0x0A])
                }
            }
            // The DKIM-Signature field being verified, b= value removed, no trailing CRLF.
            let field = message.fields[signature.fieldIndex]
            let cut = signature.signatureValueRange
            switch signature.headerCanonicalization {
            case .simple:
                out.append(contentsOf: p[field.range.lowerBound..<cut.lowerBound])
                out.append(contentsOf: p[cut.upperBound..<field.valueRange.upperBound])
            case .relaxed:
                let before = p[field.valueRange.lowerBound..<cut.lowerBound]
                let after = p[cut.upperBound..<field.valueRange.upperBound]
                appendRelaxed(p, field, value: [before, after], into: &out)
            }
        }
        return SHA256.hash(data: out)
    }

    /// One header field canonicalised as it is hashed (with its final CRLF); for tests and diagnostics.
    static func canonicalizedField(
        _ message: DKIMMessage, at index: Int, _ canonicalization: DKIMCanonicalization
    ) -> [UInt8] {
        let field = message.fields[index]
        var out: [UInt8] = []
        message.bytes.withUnsafeBufferPointer { p in
            switch canonicalization {
            case .simple:
                out.append(contentsOf: p[field.range])
            case .relaxed:
                appendRelaxed(p, field, value: [p[field.valueRange]], into: &out)
                out.append(contentsOf: [0x0D, 0x0A])
            }
        }
        return out
    }

    // RFC 6376 §3.4.2, the "relaxed" header canonicalisation:
    //   - Convert all header field names (not the header field values) to lowercase.
    //   - Unfold all header field continuation lines (remove each CRLF that is followed by WSP).
    //   - Convert all sequences of one or more WSP characters to a single SP character.
    //   - Delete all WSP characters at the end of each unfolded header field value.
    //   - Delete any WSP characters remaining before and after the colon separating name and value.

    /// Appends `name:value` relaxed, without the final CRLF; `value` is given in pieces (the b= cut).
    private static func appendRelaxed(
        _ p: UnsafeBufferPointer<UInt8>, _ field: DKIMHeaderField,
        value pieces: [Slice<UnsafeBufferPointer<UInt8>>], into out: inout [UInt8]
    ) {
        for byte in p[field.nameRange] { out.append(DKIMMessage.asciiLowercased(byte)) }
        out.append(UInt8(ascii: ":"))
        var started = false
        var pendingSpace = false
        for piece in pieces {
            var i = piece.startIndex
            while i < piece.endIndex {
                let byte = piece[i]
                if byte == 0x0D, i + 1 < piece.endIndex, piece[i + 1] == 0x0A {
                    i += 2  // unfold
                    continue
                }
                if DKIMSyntax.isWSP(byte) {
                    pendingSpace = started
                } else {
                    if pendingSpace { out.append(0x20) }
                    pendingSpace = false
                    started = true
                    out.append(byte)
                }
                i += 1
            }
        }
    }
}
