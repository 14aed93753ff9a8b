/// Parses a whole message: RFC 5322 headers, the MIME tree (RFC 2045/2046), transfer encodings and charsets, then
/// picks the text and HTML bodies and the attachments (see ``ParsedMessage``).
///
/// Pure and synchronous; never throws and never traps on any input. Time and memory are linear in the input size:
/// the tree is built in one pass over the bytes with a stack of active boundaries, and ``MIMELimits`` bounds depth,
/// part count and header sizes. Anything malformed is worked around as mail readers do and listed in
/// ``ParsedMessage/defects``.
///
/// ```swift
/// let message = MIMEParser.parse(Array(rawMessage.utf8))
/// print(message.subject ?? "", message.from.first?.address ?? "", message.text ?? "")
/// for attachment in message.attachments { print(attachment.filename ?? "unnamed", attachment.size) }
/// ```
///
/// Boundaries (RFC 2046 §5.1.1): a line is a delimiter when it starts with `--` and a boundary of an enclosing
/// multipart — a prefix match, as the RFC's note to implementors says; transport padding and any trailing text are
/// ignored. The innermost multipart is tried first. A multipart without its close delimiter ends where an enclosing
/// boundary or the input ends; one without any delimiter keeps its body as text.
public enum MIMEParser {
    /// Parses `bytes` (CRLF or LF line endings).
    public static func parse(_ bytes: [UInt8], limits: MIMELimits = .default) -> ParsedMessage {
        let context = ParseContext(limits: limits)
        let root = bytes.withUnsafeBufferPointer { buffer in
            EntityParser(storage: bytes, buffer: buffer, context: context)
                .parseEntity(from: 0, boundaries: [], depth: 0, path: [], defaultType: .default, isRoot: true).part
        }
        return ParsedMessage(root: root, defects: context.defects, maxBodyTextBytes: limits.maxBodyTextBytes)
    }

    /// Parses any collection of bytes (copied once into an array).
    public static func parse(_ bytes: some Collection<UInt8>, limits: MIMELimits = .default) -> ParsedMessage {
        parse(Array(bytes), limits: limits)
    }
}

/// State shared by all levels of one parse.
final class ParseContext {
    let limits: MIMELimits
    var defects: [MIMEDefect] = []
    var partCount = 1  // the top-level message
    private var partLimitReported = false

    init(limits: MIMELimits) { self.limits = limits }

    func report(_ kind: MIMEDefect.Kind, _ path: [Int], _ detail: String = "") {
        guard defects.count < 1_000 else { return }  // a list of defects must not grow without bound either
        defects.append(
            MIMEDefect(kind: kind, part: path, detail: detail.count > 160 ? detail.prefix(160) + "…" : detail))
    }

    /// Counts a new part; false (with one defect per parse) when the limit is reached.
    func admitPart(_ path: [Int]) -> Bool {
        if partCount < limits.maxParts {
            partCount += 1
            return true
        }
        if !partLimitReported {
            report(.partLimit, path, "more than \(limits.maxParts) parts; the rest are skipped")
            partLimitReported = true
        }
        return false
    }
}

/// Parses entities in one buffer: the message, or the decoded body of an encoded message/rfc822.
struct EntityParser {
    /// A delimiter line found in the input.
    struct BoundaryLine {
        var start: Int
        /// Index into the boundary stack (the innermost matching one).
        var level: Int
        var isClose: Bool
    }

    let storage: [UInt8]
    let buffer: UnsafeBufferPointer<UInt8>
    let context: ParseContext
    var end: Int { buffer.count }

    // MARK: Entities

    func parseEntity(
        from start: Int, boundaries: [[UInt8]], depth: Int, path: [Int], defaultType: ContentType,
        isRoot: Bool
    ) -> (part: MIMEPart, next: Int) {
        let limits = context.limits
        var scanner = HeaderScanner(
            buffer: buffer, maxCount: limits.maxHeaderCount, maxBytes: limits.maxHeaderBytes,
            invalidLines: .endSection)
        scanner.allowsMboxFromLine = isRoot
        let context = self.context
        scanner.report = { kind, detail in context.report(kind, path, detail) }
        let header = scanner.scan(from: start, to: end) { lineStart, lineEnd in
            match(lineStart: lineStart, lineEnd: lineEnd, boundaries) != nil
        }
        var part = makePart(headers: header.fields, defaultType: defaultType, path: path)
        let bodyStart = header.bodyStart
        part.body = storage[bodyStart..<bodyStart]
        if header.endedAtBoundary { return (part, bodyStart) }

        if part.contentType.isMultipart {
            if let boundary = part.contentType.boundary, !boundary.isEmpty {
                if depth < limits.maxDepth {
                    return parseMultipart(
                        part, bodyStart: bodyStart, boundary: Array(boundary.utf8), boundaries: boundaries,
                        depth: depth)
                }
                context.report(.depthLimit, path, "multipart deeper than \(limits.maxDepth) levels kept as one part")
            } else {
                context.report(.noBoundary, path, "multipart without a boundary parameter; body kept as text")
            }
        } else if part.contentType.isEncapsulatedMessage {
            if depth >= limits.maxDepth {
                context.report(.depthLimit, path, "message deeper than \(limits.maxDepth) levels kept as one part")
            } else if context.admitPart(path + [0]) {
                return parseEncapsulated(part, bodyStart: bodyStart, boundaries: boundaries, depth: depth)
            }
        }
        let (bodyEnd, next) = scanLeaf(from: bodyStart, boundaries)
        part.body = storage[bodyStart..<bodyEnd]
        return (part, next)
    }

    /// Reads the standard MIME fields of a header section.
    private func makePart(headers: [HeaderField], defaultType: ContentType, path: [Int]) -> MIMEPart {
        var contentType = defaultType
        if let raw = headers.first(named: "Content-Type") {
            if let parsed = ContentType(parsing: raw), !parsed.subtype.isEmpty {
                contentType = parsed
            } else {
                // RFC 2045 §5.2: an invalid type means the default; parameters such as charset are still kept.
                contentType.parameters = ContentType(parsing: raw)?.parameters ?? []
                context.report(
                    .invalidContentType, path, "Content-Type \(raw.debugDescription); using \(defaultType.mimeType)")
            }
        }
        let encoding = TransferEncoding(headerValue: headers.first(named: "Content-Transfer-Encoding"))
        if case .other(let name) = encoding {
            context.report(.unknownTransferEncoding, path, "\(name.debugDescription) taken as binary")
        }
        var contentID: String?
        if let raw = headers.first(named: "Content-ID") {
            var id = raw.trimmedWhitespace
            if id.hasPrefix("<"), id.hasSuffix(">"), id.count >= 2 { id = String(id.dropFirst().dropLast()) }
            contentID = id.isEmpty ? nil : id
        }
        return MIMEPart(
            kind: .leaf, headers: headers, contentType: contentType,
            contentDisposition: headers.first(named: "Content-Disposition").map(ContentDisposition.init(parsing:)),
            transferEncoding: encoding, contentID: contentID, body: [], parts: [], preamble: [], epilogue: [],
            path: path
        )
    }

    /// multipart/*: preamble, parts between delimiters, epilogue.
    ///
    /// ```
    /// multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF
    ///                   body-part *encapsulation close-delimiter transport-padding [CRLF epilogue]   ; RFC 2046 §5.1.1
    /// encapsulation  := delimiter transport-padding CRLF body-part
    /// delimiter      := CRLF dash-boundary ; dash-boundary := "--" boundary ; close-delimiter := delimiter "--"
    /// ```
    /// The CRLF before a delimiter belongs to the delimiter, not to the part. Two delimiters in a row enclose no part.
    private func parseMultipart(
        _ part: MIMEPart, bodyStart: Int, boundary: [UInt8], boundaries: [[UInt8]], depth: Int
    )
        -> (part: MIMEPart, next: Int)
    {
        var part = part
        let stack = boundaries + [boundary]
        let own = stack.count - 1
        let path = part.path

        guard let first = nextBoundaryLine(from: bodyStart, stack), first.level == own else {
            // No delimiter of its own before the input or an enclosing multipart ends: keep the body as text.
            let name = String(decoding: boundary, as: UTF8.self)
            context.report(.startBoundaryNotFound, path, "no \"--\(name)\" line; body kept as text")
            let (bodyEnd, next) = scanLeaf(from: bodyStart, boundaries)
            part.body = storage[bodyStart..<bodyEnd]
            return (part, next)
        }
        if first.isClose {
            // A close delimiter before any part: no parts; keep what precedes it as the (text) body.
            context.report(.startBoundaryNotFound, path, "close delimiter without any part")
            part.body = storage[bodyStart..<bodyEnd(before: first.start, floor: bodyStart)]
            return (part, nextBoundaryLine(from: lineAfter(first.start), boundaries)?.start ?? end)
        }
        part.kind = .multipart
        part.preamble = storage[bodyStart..<bodyEnd(before: first.start, floor: bodyStart)]
        let childType: ContentType = part.contentType.subtype == "digest" ? .messageRFC822 : .default
        var line = first
        var next = end
        var children: [MIMEPart] = []
        while true {
            let childStart = lineAfter(line.start)
            if line.isClose {
                if let outer = nextBoundaryLine(from: childStart, boundaries) {
                    part.epilogue = storage[childStart..<bodyEnd(before: outer.start, floor: childStart)]
                    next = outer.start
                } else {
                    part.epilogue = storage[childStart..<end]
                    next = end
                }
                break
            }
            if childStart >= end {  // a delimiter as the very last line
                context.report(.closeBoundaryNotFound, path, "input ends after a delimiter")
                next = end
                break
            }
            let childPath = path + [children.count]
            let childNext: Int
            if let adjacent = match(lineStart: childStart, stack) {
                childNext = adjacent.start  // two delimiters in a row: no part between them
            } else if context.admitPart(childPath) {
                let (child, after) = parseEntity(
                    from: childStart, boundaries: stack, depth: depth + 1, path: childPath,
                    defaultType: childType, isRoot: false)
                children.append(child)
                childNext = after
            } else {
                childNext = nextBoundaryLine(from: childStart, stack)?.start ?? end
            }
            guard childNext < end, let found = match(lineStart: childNext, stack) else {
                context.report(.closeBoundaryNotFound, path, "input ends inside the multipart")
                next = end
                break
            }
            if found.level != own {  // an enclosing multipart's boundary
                context.report(.closeBoundaryNotFound, path, "an enclosing boundary ends the multipart")
                next = childNext
                break
            }
            line = found
        }
        part.parts = children
        part.body = storage[bodyStart..<(next == end ? end : bodyEnd(before: next, floor: bodyStart))]
        return (part, next)
    }

    /// message/rfc822 and message/global: the body is itself a message (RFC 2046 §5.2.1).
    private func parseEncapsulated(
        _ part: MIMEPart, bodyStart: Int, boundaries: [[UInt8]], depth: Int
    )
        -> (part: MIMEPart, next: Int)
    {
        var part = part
        part.kind = .message
        let path = part.path + [0]
        if part.transferEncoding.isIdentity {
            // Parse in place: the inner message's parts end at the same enclosing boundaries.
            let (inner, next) = parseEntity(
                from: bodyStart, boundaries: boundaries, depth: depth + 1, path: path,
                defaultType: .default, isRoot: false)
            part.parts = [inner]
            part.body = storage[bodyStart..<(next == end ? end : bodyEnd(before: next, floor: bodyStart))]
            return (part, next)
        }
        // Encoded (not allowed by RFC 2046, but sent): decode, then parse the decoded bytes on their own.
        let (bodyEnd, next) = scanLeaf(from: bodyStart, boundaries)
        part.body = storage[bodyStart..<bodyEnd]
        let (decoded, defect) = part.transferEncoding.decode(part.body)
        if let defect { context.report(defect, part.path) }
        let inner = decoded.withUnsafeBufferPointer { buffer in
            EntityParser(storage: decoded, buffer: buffer, context: context)
                .parseEntity(
                    from: 0, boundaries: [], depth: depth + 1, path: path, defaultType: .default, isRoot: false
                ).part
        }
        part.parts = [inner]
        return (part, next)
    }

    // MARK: Lines and boundaries

    /// A leaf body: up to the line break before the next boundary line, or to the end.
    private func scanLeaf(from start: Int, _ boundaries: [[UInt8]]) -> (bodyEnd: Int, next: Int) {
        guard let line = nextBoundaryLine(from: start, boundaries) else { return (end, end) }
        return (bodyEnd(before: line.start, floor: start), line.start)
    }

    /// The first delimiter line at or after `start` (a line start) for any boundary in the stack.
    private func nextBoundaryLine(from start: Int, _ boundaries: [[UInt8]]) -> BoundaryLine? {
        guard !boundaries.isEmpty else { return nil }
        var position = start
        while position < end {
            if buffer[position] == .hyphen, let found = match(lineStart: position, boundaries) { return found }
            position = buffer.index(of: .lf, from: position, to: end) + 1
        }
        return nil
    }

    private func match(lineStart: Int, _ boundaries: [[UInt8]]) -> BoundaryLine? {
        guard !boundaries.isEmpty, lineStart + 2 < end, buffer[lineStart] == .hyphen, buffer[lineStart + 1] == .hyphen
        else {
            return nil
        }
        var lineEnd = buffer.index(of: .lf, from: lineStart, to: end)
        if lineEnd > lineStart, buffer[lineEnd - 1] == .cr { lineEnd -= 1 }
        return match(lineStart: lineStart, lineEnd: lineEnd, boundaries)
    }

    /// Whether the line is `--boundary…` for a boundary in the stack, innermost first (prefix match, RFC 2046 §5.1.1).
    private func match(lineStart: Int, lineEnd: Int, _ boundaries: [[UInt8]]) -> BoundaryLine? {
        guard lineEnd - lineStart >= 2, buffer[lineStart] == .hyphen, buffer[lineStart + 1] == .hyphen else {
            return nil
        }
        for level in boundaries.indices.reversed() {
            let boundary = boundaries[level]
            if buffer.matches(boundary, at: lineStart + 2, limit: lineEnd) {
                let after = lineStart + 2 + boundary.count
                let isClose = after + 2 <= lineEnd && buffer[after] == .hyphen && buffer[after + 1] == .hyphen
                return BoundaryLine(start: lineStart, level: level, isClose: isClose)
            }
        }
        return nil
    }

    /// The index after the line starting at `lineStart`.
    private func lineAfter(_ lineStart: Int) -> Int {
        min(buffer.index(of: .lf, from: lineStart, to: end) + 1, end)
    }

    /// `index` moved back over the line break that belongs to the following delimiter (RFC 2046 §5.1.1).
    private func bodyEnd(before index: Int, floor: Int) -> Int {
        var result = index
        if result > floor, buffer[result - 1] == .lf {
            result -= 1
            if result > floor, buffer[result - 1] == .cr { result -= 1 }
        }
        return max(result, floor)
    }
}
