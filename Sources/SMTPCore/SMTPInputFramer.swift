/// Splits inbound bytes into command lines and DATA content.
///
/// Pull-based: the owner appends what the network delivered, then pulls events with
/// ``nextCommand()`` or ``nextData()`` depending on the session's state, so it can switch
/// mode between two pulls. With PIPELINING (RFC 2920) several commands, or the end of the
/// message and the next command, arrive in one packet; they are returned one at a time.
///
/// Consumed input is not removed from the front of the buffer on every pull (that would be
/// quadratic); a read index moves instead and the buffer is compacted occasionally
/// (``SMTPDefaults/framerCompactionThreshold``). A search for a line end that needs more
/// input resumes where it stopped; DATA content is decoded as it arrives.
public struct SMTPInputFramer: Sendable {
    /// A command line, or the report that one was too long.
    public enum CommandEvent: Sendable, Hashable {
        /// The line without its line ending.
        case line([UInt8])
        /// A line longer than the limit was discarded up to and including its line end.
        case lineTooLong
    }

    /// The outcome of a DATA phase.
    public enum DataEvent: Sendable, Hashable {
        /// The dot-unstuffed message, ending in CRLF (empty for an empty message).
        case message([UInt8])
        /// The content was discarded up to the end-of-data indicator for this reason.
        case rejected(SMTPDataError)
    }

    let maxCommandLineLength: Int
    private var buffer: [UInt8] = []
    /// Bytes before this index are consumed.
    private var readIndex = 0
    /// Bytes in `readIndex..<commandScanIndex` are known to contain no LF.
    private var commandScanIndex = 0
    /// Discarding the rest of an over-long command line.
    private var discardingCommandLine = false
    private(set) var dataDecoder: SMTPDataDecoder  // internal for tests

    /// - Parameters:
    ///   - maxCommandLineLength: octets per command line including CRLF (RFC 5321 section 4.5.3.1.4).
    ///   - maxTextLineLength: octets per DATA line including CRLF (RFC 5321 section 4.5.3.1.6).
    ///   - maxMessageSize: octets of unstuffed DATA content.
    public init(
        maxCommandLineLength: Int = SMTPDefaults.maxCommandLineLength,
        maxTextLineLength: Int = SMTPDefaults.maxTextLineLength,
        maxMessageSize: Int = SMTPDefaults.maxMessageSize
    ) {
        self.maxCommandLineLength = max(1, maxCommandLineLength)
        self.dataDecoder = SMTPDataDecoder(
            maxTextLineLength: max(ASCII.crlf.count + 1, maxTextLineLength),
            maxMessageSize: max(0, maxMessageSize))
    }

    /// Input bytes appended but not yet consumed (not counting a DATA message being
    /// assembled, which is bounded by the maximum message size).
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes. Contiguous collections (`[UInt8]`, `ArraySlice`,
    /// `UnsafeRawBufferPointer`, ...) are copied in one block.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        compactIfNeeded()
        let copied: Void? = bytes.withContiguousStorageIfAvailable { buffer.append(contentsOf: $0) }
        if copied == nil {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Drops all buffered input and any partial line or message, for example the
    /// plaintext that followed STARTTLS (RFC 3207 section 4.2).
    public mutating func discardBufferedInput() {
        buffer.removeAll(keepingCapacity: buffer.capacity <= SMTPDefaults.framerRetainedCapacity)
        readIndex = 0
        commandScanIndex = 0
        discardingCommandLine = false
        dataDecoder = SMTPDataDecoder(
            maxTextLineLength: dataDecoder.maxTextLineLength, maxMessageSize: dataDecoder.maxMessageSize)
    }

    /// The next command line without its line ending, `nil` if more input is needed.
    ///
    /// ```
    /// command-line = command-word [ SP arguments ] CRLF   ; RFC 5321 section 4.1.1
    /// ```
    /// Leniently a bare LF also ends a command line; a CR before the LF is removed. A line
    /// of more than `maxCommandLineLength` octets including its line ending is discarded
    /// as it arrives and reported once, as `.lineTooLong`, when its end is reached.
    public mutating func nextCommand() -> CommandEvent? {
        while discardingCommandLine {
            guard let lf = Self.firstLF(in: buffer, from: readIndex, to: buffer.count) else {
                readIndex = buffer.count
                commandScanIndex = readIndex
                return nil
            }
            readIndex = lf + 1
            commandScanIndex = readIndex
            discardingCommandLine = false
            return .lineTooLong
        }
        // The LF must be within the first maxCommandLineLength octets of the line.
        let searchEnd = min(buffer.count, readIndex + maxCommandLineLength)
        let searchStart = max(readIndex, commandScanIndex)
        if let lf = Self.firstLF(in: buffer, from: searchStart, to: searchEnd) {
            var lineEnd = lf
            if lineEnd > readIndex, buffer[lineEnd - 1] == ASCII.cr { lineEnd -= 1 }
            let line = Array(buffer[readIndex..<lineEnd])
            readIndex = lf + 1
            commandScanIndex = readIndex
            return .line(line)
        }
        if searchEnd - readIndex >= maxCommandLineLength {
            // maxCommandLineLength octets without a line end: too long.
            readIndex = searchEnd
            commandScanIndex = readIndex
            discardingCommandLine = true
            return nextCommand()
        }
        commandScanIndex = searchEnd
        return nil
    }

    /// Consumes DATA content up to and including the terminating `CRLF.CRLF` and returns
    /// the dot-unstuffed message, or `nil` if more input is needed. Input after the
    /// terminator stays buffered for ``nextCommand()``.
    ///
    /// Content over the message size or with an over-long line is discarded as it
    /// arrives (never buffering much more than the limit) up to the terminator, then
    /// reported as `.rejected`. See ``SMTPDataDecoder`` for the exact rules.
    public mutating func nextData() -> DataEvent? {
        guard readIndex < buffer.count else { return nil }
        let (consumed, event) = dataDecoder.decode(buffer, from: readIndex)
        readIndex += consumed
        commandScanIndex = readIndex
        return event
    }

    /// Octets of DATA content decoded and held here so far (since the last ``drainDataContent()``).
    public var heldDataByteCount: Int { dataDecoder.message.count }

    /// Takes the DATA content decoded so far, for the owner to spool (to a file) while the rest arrives; the
    /// `.message` event at the end of data then carries only what came after. Limits still count the whole message.
    public mutating func drainDataContent() -> [UInt8] {
        dataDecoder.drainContent()
    }

    // MARK: - Buffer management

    private mutating func compactIfNeeded() {
        if readIndex == buffer.count {
            if readIndex > 0 {
                buffer.removeAll(keepingCapacity: buffer.capacity <= SMTPDefaults.framerRetainedCapacity)
                readIndex = 0
                commandScanIndex = 0
            }
        } else if readIndex >= SMTPDefaults.framerCompactionThreshold, readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            commandScanIndex -= readIndex
            readIndex = 0
        }
    }

    private static func firstLF(in bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        guard start < end else { return nil }
        return bytes.withUnsafeBufferPointer { pointer in
            var index = start
            while index < end {
                if pointer[index] == ASCII.lf { return index }
                index += 1
            }
            return nil
        }
    }
}
