/// One entity of the MIME tree (RFC 2045 §2.4): the message itself, a multipart, a leaf, or an encapsulated message.
///
/// Bodies are slices of the parsed bytes (no copies); ``decodedBody()`` undoes the transfer encoding on demand.
public struct MIMEPart: Sendable {
    public enum Kind: Sendable, Hashable {
        /// A body that is not parsed further (text, image, …, or a multipart that could not be split).
        case leaf
        /// multipart/*: the children are in ``MIMEPart/parts``.
        case multipart
        /// message/rfc822 or message/global: the encapsulated message is `parts[0]`.
        case message
    }

    public var kind: Kind
    /// The fields of this entity's header section, unfolded, in order.
    public var headers: [HeaderField]
    /// The declared Content-Type, or the default when it is missing or invalid (text/plain, whose charset is then
    /// US-ASCII; message/rfc822 inside multipart/digest). A multipart whose body could not be split keeps its declared type
    /// but has kind `.leaf` and is read as text/plain.
    public var contentType: ContentType
    public var contentDisposition: ContentDisposition?
    public var transferEncoding: TransferEncoding
    /// Content-ID without the angle brackets, as `cid:` URLs refer to it (RFC 2392).
    public var contentID: String?
    /// The raw body, still transfer-encoded. For a multipart it spans preamble, all parts and epilogue.
    public var body: ArraySlice<UInt8>
    /// Children of a multipart, or the one encapsulated message of a message/rfc822 part.
    public var parts: [MIMEPart]
    /// Text before the first boundary of a multipart (RFC 2046 §5.1.1); empty otherwise.
    public var preamble: ArraySlice<UInt8>
    /// Text after the close delimiter of a multipart; empty otherwise.
    public var epilogue: ArraySlice<UInt8>
    /// Child indexes from the root, as in ``MIMEDefect/part``.
    public var path: [Int]

    /// The file name from Content-Disposition `filename`, else Content-Type `name` (both RFC 2231/2047 decoded).
    public var filename: String? {
        if let name = contentDisposition?.filename, !name.isEmpty { return name }
        if let name = contentType.parameter("name"), !name.isEmpty { return name }
        return nil
    }

    /// The type used to read the body: the declared one, or text/plain for a multipart that kept its body as text.
    public var effectiveMIMEType: String {
        contentType.isMultipart && kind == .leaf ? "text/plain" : contentType.mimeType
    }

    /// The body with its transfer encoding undone (base64 and quoted-printable; others as they are).
    public func decodedBody() -> [UInt8] {
        transferEncoding.decode(body).bytes
    }

    /// The body decoded to text with its charset (see ``Charset``). Unknown charsets decode as UTF-8, lossily.
    public func decodedText() -> String {
        Charset.decode(decodedBody(), label: contentType.charset).string
    }
}
