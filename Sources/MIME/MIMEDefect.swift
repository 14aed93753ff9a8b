/// Something malformed that the parser worked around. Parsing never fails; it reports defects instead.
///
/// `part` says where: the path of child indexes from the root (`[]` is the top-level message, `[1, 0]` the first
/// child of the second child; an encapsulated message/rfc822 is child 0 of its part). `detail` is a short note for
/// logs, not for matching.
public struct MIMEDefect: Sendable, Hashable, CustomStringConvertible {
    public var kind: Kind
    public var part: [Int]
    public var detail: String

    public init(kind: Kind, part: [Int], detail: String = "") {
        self.kind = kind
        self.part = part
        self.detail = detail
    }

    public var description: String {
        let location = part.isEmpty ? "message" : "part " + part.map(String.init).joined(separator: ".")
        return detail.isEmpty ? "\(kind) at \(location)" : "\(kind) at \(location): \(detail)"
    }

    /// The kind of defect. New kinds may be added; switch with a `default`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case missingHeaderBodySeparator, invalidHeaderLine, headerCountLimit, headerBytesLimit
            case invalidContentType, noBoundary, startBoundaryNotFound, closeBoundaryNotFound
            case depthLimit, partLimit
            case unknownTransferEncoding, invalidBase64, invalidQuotedPrintable
            case unknownCharset, invalidCharsetData
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        public var description: String { base.rawValue }

        /// A header line that is neither a field nor a continuation: the body is taken to start there (RFC 5322 §2.1).
        public static let missingHeaderBodySeparator = Kind(.missingHeaderBodySeparator)
        /// A header line that could not be used (a continuation with nothing to continue, or a field without a name).
        public static let invalidHeaderLine = Kind(.invalidHeaderLine)
        /// More fields than ``MIMELimits/maxHeaderCount``; the rest were skipped.
        public static let headerCountLimit = Kind(.headerCountLimit)
        /// More header bytes than ``MIMELimits/maxHeaderBytes``; the rest were skipped.
        public static let headerBytesLimit = Kind(.headerBytesLimit)
        /// A Content-Type that does not parse; the default type was used (RFC 2045 §5.2).
        public static let invalidContentType = Kind(.invalidContentType)
        /// A multipart without a boundary parameter; its body is kept as text (RFC 2046 §5.1.1).
        public static let noBoundary = Kind(.noBoundary)
        /// No delimiter line for the multipart's boundary; its body is kept as text.
        public static let startBoundaryNotFound = Kind(.startBoundaryNotFound)
        /// The close delimiter (`--boundary--`) is missing; the multipart ends at an outer boundary or the end.
        public static let closeBoundaryNotFound = Kind(.closeBoundaryNotFound)
        /// Nesting deeper than ``MIMELimits/maxDepth``; the part is kept as an opaque leaf.
        public static let depthLimit = Kind(.depthLimit)
        /// More parts than ``MIMELimits/maxParts``; the rest were skipped.
        public static let partLimit = Kind(.partLimit)
        /// A Content-Transfer-Encoding other than 7bit, 8bit, binary, base64 or quoted-printable; taken as-is.
        public static let unknownTransferEncoding = Kind(.unknownTransferEncoding)
        /// Base64 with characters outside the alphabet or a truncated final group.
        public static let invalidBase64 = Kind(.invalidBase64)
        /// Quoted-printable with `=` not followed by two hex digits or a line break.
        public static let invalidQuotedPrintable = Kind(.invalidQuotedPrintable)
        /// A charset the decoder does not know; decoded as UTF-8 with replacement characters.
        public static let unknownCharset = Kind(.unknownCharset)
        /// Bytes that are invalid in the declared charset; replaced with U+FFFD.
        public static let invalidCharsetData = Kind(.invalidCharsetData)
    }
}
