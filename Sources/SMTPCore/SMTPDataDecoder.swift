/// Decodes DATA content incrementally: finds the end-of-data indicator, removes
/// dot-stuffing and enforces the line and message limits. Used by ``SMTPInputFramer``.
///
/// RFC 5321 section 4.1.1.4: "The mail data are terminated by a line containing only a
/// period, that is, the character sequence "<CRLF>.<CRLF>", where the first <CRLF> is
/// actually the terminator of the previous line." The decoder starts at the beginning of
/// a line (the CRLF of the DATA command precedes it), so content that starts with
/// `.<CRLF>` is an empty message.
///
/// Only CRLF ends a line, so `<LF>.<LF>`, `<CR>.<CR>`, `<CRLF>.<LF>` and every other mixture
/// never end the data (the "SMTP smuggling" ambiguity). A bare CR or LF is moreover refused:
/// RFC 5321 section 2.3.8 says they "MUST NOT" be sent except as CRLF, and a message that
/// carries one could be split differently by a later hop. The decoder keeps reading up to the
/// real `CRLF.CRLF` and reports ``SMTPDataError/bareLineEnding``, so the whole content, any
/// "second message" inside it included, is discarded and the session stays in sync.
///
/// RFC 5321 section 4.5.2 (transparency): "If the first character is a period and there
/// are other characters on the line, the first character is deleted."
///
/// The line limit counts the unstuffed line including CRLF (section 4.5.3.1.6: "not
/// counting the leading dot duplicated for transparency"); the message limit counts the
/// unstuffed message including its line endings.
struct SMTPDataDecoder: Sendable {
    enum Phase: Sendable {
        /// At the start of a line (after CRLF).
        case lineStart
        /// A `.` was the first character of the line.
        case dotAtLineStart
        /// The line so far is `.` CR.
        case dotCR
        /// Inside a line.
        case inLine
        /// Inside a line, after a CR that may start the CRLF.
        case sawCR
    }

    let maxTextLineLength: Int
    let maxMessageSize: Int
    private(set) var phase: Phase = .lineStart
    /// Octets of the current line so far, without CRLF, after unstuffing.
    private var lineLength = 0
    /// The unstuffed message so far, less what was drained (``drainContent()``); emptied once the content is
    /// rejected.
    private(set) var message: [UInt8] = []
    /// Octets of unstuffed content so far, drained ones included: what the message limit counts.
    private(set) var size = 0
    /// Why the content is refused; the decoder keeps reading up to the terminator.
    private(set) var rejection: SMTPDataError?

    init(maxTextLineLength: Int, maxMessageSize: Int) {
        self.maxTextLineLength = maxTextLineLength
        self.maxMessageSize = maxMessageSize
    }

    /// Consumes `bytes[start...]` up to and including the end-of-data indicator.
    /// Returns how many bytes were consumed and, if the indicator was found, the event
    /// (the decoder is then reset for the next message).
    mutating func decode(_ bytes: [UInt8], from start: Int) -> (consumed: Int, event: SMTPInputFramer.DataEvent?) {
        bytes.withUnsafeBufferPointer { all in
            let input = UnsafeBufferPointer(rebasing: all[start...])
            var index = input.startIndex
            while index < input.endIndex {
                switch phase {
                case .inLine:
                    // Fast path: everything up to the next CR or LF is content.
                    var runEnd = index
                    while runEnd < input.endIndex, input[runEnd] != ASCII.cr, input[runEnd] != ASCII.lf { runEnd += 1 }
                    if runEnd > index { appendContent(UnsafeBufferPointer(rebasing: input[index..<runEnd])) }
                    index = runEnd
                    if index < input.endIndex {
                        if input[index] == ASCII.lf {
                            refuseBareLineEnding()  // a bare LF: content, never a line end
                        } else {
                            phase = .sawCR
                        }
                        index += 1
                    }
                case .lineStart:
                    if input[index] == ASCII.dot {
                        phase = .dotAtLineStart
                        index += 1
                    } else {
                        phase = .inLine  // re-examine this byte as content
                    }
                case .dotAtLineStart:
                    if input[index] == ASCII.cr {
                        phase = .dotCR
                        index += 1
                    } else {
                        phase = .inLine  // stuffed dot: dropped; the byte is content
                    }
                case .dotCR:
                    if input[index] == ASCII.lf {
                        return (index + 1 - input.startIndex, finish())
                    }
                    phase = .sawCR  // stuffed dot before a bare CR: dropped; the CR is pending
                case .sawCR:
                    if input[index] == ASCII.lf {
                        appendLineEnd()
                        phase = .lineStart
                        index += 1
                    } else {
                        refuseBareLineEnding()  // a bare CR: content, never a line end
                        phase = .inLine
                    }
                }
            }
            return (input.count, nil)
        }
    }

    private mutating func appendContent(_ bytes: some Collection<UInt8>) {
        guard rejection == nil else { return }
        // Room left before each limit; the first byte beyond the smaller one decides the
        // reason, exactly as if the bytes arrived one at a time (line length checked first).
        let lineRoom = maxTextLineLength - ASCII.crlf.count - lineLength
        let sizeRoom = maxMessageSize - size
        if bytes.count > lineRoom || bytes.count > sizeRoom {
            reject(lineRoom <= sizeRoom ? .lineTooLong : .tooLarge)
        } else {
            lineLength += bytes.count
            size += bytes.count
            message.append(contentsOf: bytes)
        }
    }

    private mutating func appendLineEnd() {
        lineLength = 0
        guard rejection == nil else { return }
        if size + ASCII.crlf.count > maxMessageSize {
            reject(.tooLarge)
        } else {
            size += ASCII.crlf.count
            message.append(contentsOf: ASCII.crlf)
        }
    }

    /// A bare CR or LF: the first reason found wins, as for the limits.
    private mutating func refuseBareLineEnding() {
        if rejection == nil { reject(.bareLineEnding) }
    }

    /// Hands over the content decoded so far (to be spooled) and keeps counting from there; the event at the end
    /// then carries only the rest.
    mutating func drainContent() -> [UInt8] {
        defer { message = [] }
        return message
    }

    private mutating func reject(_ reason: SMTPDataError) {
        rejection = reason
        message = []  // release the buffer; the rest is discarded
    }

    private mutating func finish() -> SMTPInputFramer.DataEvent {
        let event: SMTPInputFramer.DataEvent = rejection.map { .rejected($0) } ?? .message(message)
        self = SMTPDataDecoder(maxTextLineLength: maxTextLineLength, maxMessageSize: maxMessageSize)
        return event
    }
}
