/// Bounds that keep hostile input from costing unbounded time or memory. Every limit is counted per parse.
///
/// When a limit is reached the parser stops building structure past it, keeps scanning linearly to stay in sync
/// with the input, and reports a ``MIMEDefect``. The defaults are far above what real mail uses.
///
/// | limit | default | what happens when it is reached |
/// |---|---|---|
/// | `maxDepth` | 50 | a deeper multipart or message/rfc822 is kept as one opaque leaf part |
/// | `maxParts` | 1,000 | further parts are skipped (their bytes stay in the parent's raw body) |
/// | `maxHeaderCount` | 1,000 | further fields of that header section are skipped |
/// | `maxHeaderBytes` | 256 KiB | further fields of that header section are skipped |
/// | `maxBodyTextBytes` | none | ``ParsedMessage/text`` and ``ParsedMessage/html`` keep only this many decoded bytes |
///
/// ```swift
/// var limits = MIMELimits.default
/// limits.maxParts = 100
/// let message = MIMEParser.parse(bytes, limits: limits)
/// ```
public struct MIMELimits: Sendable, Hashable {
    /// Nesting depth of multiparts and encapsulated messages; the top-level message is depth 0. The parser recurses
    /// once per level, so keep this in the hundreds at most.
    public var maxDepth: Int
    /// Parts in the whole tree, counting the root, multiparts and encapsulated messages.
    public var maxParts: Int
    /// Header fields kept per header section.
    public var maxHeaderCount: Int
    /// Bytes of (unfolded) field values and names kept per header section.
    public var maxHeaderBytes: Int
    /// Bytes of the decoded text and HTML bodies kept (cut at this many bytes before charset decoding); nil keeps
    /// them whole. For a reader that needs only their start (rules), so a 25 MB text body is not held twice.
    public var maxBodyTextBytes: Int?

    public init(
        maxDepth: Int = 50, maxParts: Int = 1_000, maxHeaderCount: Int = 1_000, maxHeaderBytes: Int = 256 * 1024,
        maxBodyTextBytes: Int? = nil
    ) {
        self.maxBodyTextBytes = maxBodyTextBytes
        self.maxDepth = maxDepth
        self.maxParts = maxParts
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
    }

    /// The limits described above.
    public static let `default` = MIMELimits()
}
