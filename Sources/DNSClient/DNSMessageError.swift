/// Why bytes are not a DNS message, or a message cannot be encoded. Carries the offset where reading stopped.
struct DNSMessageError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Reason: Hashable, Sendable {
        /// The message ends before a field it announces.
        case truncated
        /// A label type other than 00 (label) or 11 (pointer) (RFC 6891 §5 retired the extended types).
        case badLabelType
        /// A compression pointer that does not point strictly before the labels that contain it.
        case badPointer
        /// More compression pointers in one name than ``DNSDefaults/maxCompressionPointers``.
        case tooManyPointers
        /// A name over 255 octets.
        case nameTooLong
        /// RDATA whose length disagrees with its content.
        case badRData
        /// More than one OPT record, or an OPT record not owned by the root (RFC 6891 §6.1.1).
        case badOPT
        /// Encoding would exceed 65,535 octets, or a field exceeds its size.
        case tooLarge
    }

    var reason: Reason
    var offset: Int

    var description: String { "malformed DNS message (\(reason) at offset \(offset))" }
}
