extension DNSMessage {
    /// Decodes a whole message. Every length is checked against the bytes present, every compression pointer
    /// must point strictly backwards, and RDATA must be consumed exactly; anything else throws.
    init(decoding bytes: [UInt8]) throws(DNSMessageError) {
        var reader = DNSMessageReader(bytes: bytes)
        let header = try reader.readHeader()
        id = header.id
        flags = header.flags
        questions = try reader.readQuestions(count: header.questionCount)
        answers = try reader.readRecords(count: header.answerCount)
        authorities = try reader.readRecords(count: header.authorityCount)
        let additionalStart = reader.offset
        var additionals = try reader.readRecords(count: header.additionalCount)
        let opts = additionals.filter { $0.type == .opt }
        guard opts.count <= 1 else { throw DNSMessageError(reason: .badOPT, offset: additionalStart) }
        if let opt = opts.first {
            guard opt.name.isRoot, case .other(_, let options) = opt.data else {
                throw DNSMessageError(reason: .badOPT, offset: additionalStart)
            }
            edns = DNSEDNS(
                udpPayloadSize: opt.dnsClass,
                extendedResponseCode: UInt8(opt.ttl >> 24),
                version: UInt8(opt.ttl >> 16 & 0xFF),
                dnssecOK: opt.ttl & 0x8000 != 0,
                options: options
            )
            additionals.removeAll { $0.type == .opt }
        }
        self.additionals = additionals
    }
}

/// The fixed 12-byte header (RFC 1035 §4.1.1).
struct DNSHeader: Hashable, Sendable {
    var id: UInt16
    var flags: DNSFlags
    var questionCount: Int
    var answerCount: Int
    var authorityCount: Int
    var additionalCount: Int
}

/// Reads wire fields with bounds checks. Never traps on any input.
struct DNSMessageReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func readHeader() throws(DNSMessageError) -> DNSHeader {
        DNSHeader(
            id: try readUInt16(),
            flags: DNSFlags(rawValue: try readUInt16()),
            questionCount: Int(try readUInt16()),
            answerCount: Int(try readUInt16()),
            authorityCount: Int(try readUInt16()),
            additionalCount: Int(try readUInt16())
        )
    }

    mutating func readQuestions(count: Int) throws(DNSMessageError) -> [DNSQuestion] {
        var questions: [DNSQuestion] = []
        for _ in 0..<count {
            let name = try readName()
            let type = DNSType(rawValue: try readUInt16())
            questions.append(DNSQuestion(name: name, type: type, dnsClass: try readUInt16()))
        }
        return questions
    }

    /// Reads `count` records. The count comes from the network, so nothing is reserved ahead: a lying count
    /// runs into the end of the bytes and throws ``DNSMessageError/Reason/truncated``.
    mutating func readRecords(count: Int) throws(DNSMessageError) -> [DNSResourceRecord] {
        var records: [DNSResourceRecord] = []
        for _ in 0..<count {
            records.append(try readRecord())
        }
        return records
    }

    mutating func readRecord() throws(DNSMessageError) -> DNSResourceRecord {
        let name = try readName()
        let type = DNSType(rawValue: try readUInt16())
        let dnsClass = try readUInt16()
        let ttl = try readUInt32()
        let length = Int(try readUInt16())
        let start = offset
        let end = start + length
        guard end <= bytes.count else { throw DNSMessageError(reason: .truncated, offset: start) }
        let data = try readRData(type: type, end: end)
        guard offset == end else { throw DNSMessageError(reason: .badRData, offset: start) }
        return DNSResourceRecord(name: name, dnsClass: dnsClass, ttl: ttl, data: data)
    }

    private mutating func readRData(type: DNSType, end: Int) throws(DNSMessageError) -> DNSRecordData {
        let start = offset
        switch type {
        case .a, .aaaa:
            let size = type == .a ? 4 : 16
            guard end - start == size, let address = IPAddress(bytes: bytes[start..<end]) else {
                throw DNSMessageError(reason: .badRData, offset: start)
            }
            offset = end
            return type == .a ? .a(address) : .aaaa(address)
        case .ns:
            return .ns(try readName(end: end))
        case .cname:
            return .cname(try readName(end: end))
        case .ptr:
            return .ptr(try readName(end: end))
        case .mx:
            let preference = try readUInt16(end: end)
            return .mx(preference: preference, exchange: try readName(end: end))
        case .txt:
            // RFC 1035 §3.3.14: one or more <character-string>s, each a length octet and that many octets.
            var strings: [[UInt8]] = []
            while offset < end {
                let length = Int(bytes[offset])
                guard offset + 1 + length <= end else { throw DNSMessageError(reason: .badRData, offset: offset) }
                strings.append(Array(bytes[(offset + 1)..<(offset + 1 + length)]))
                offset += 1 + length
            }
            guard !strings.isEmpty else { throw DNSMessageError(reason: .badRData, offset: start) }
            return .txt(strings)
        case .soa:
            let primary = try readName(end: end)
            let mailbox = try readName(end: end)
            return .soa(
                DNSSOA(
                    primary: primary, mailbox: mailbox, serial: try readUInt32(end: end),
                    refresh: try readUInt32(end: end),
                    retry: try readUInt32(end: end), expire: try readUInt32(end: end), minimum: try readUInt32(end: end)
                ))
        default:
            offset = end
            return .other(type, Array(bytes[start..<end]))
        }
    }

    /// Reads a possibly compressed name (RFC 1035 §4.1.4) whose in-line part must end by `end`.
    ///
    /// Every pointer must point strictly before the start of the label sequence being read (the name's own
    /// start, then each previous pointer's target), so each jump goes backwards and no loop can form.
    mutating func readName(end: Int? = nil) throws(DNSMessageError) -> DNSName {
        let limit = min(end ?? bytes.count, bytes.count)
        var labels: [[UInt8]] = []
        var wireLength = 1
        var position = offset
        var sequenceStart = offset
        var resumeOffset: Int?
        var pointers = 0
        while true {
            // Only the in-line part is bounded by `end`; pointer targets may lie anywhere before.
            let bound = resumeOffset == nil ? limit : bytes.count
            guard position < bound else { throw DNSMessageError(reason: .truncated, offset: position) }
            let length = Int(bytes[position])
            switch length >> 6 {
            case 0:
                if length == 0 {
                    offset = resumeOffset ?? position + 1
                    guard let name = DNSName(labels: labels) else {
                        throw DNSMessageError(reason: .nameTooLong, offset: position)
                    }
                    return name
                }
                guard position + 1 + length <= bound else {
                    throw DNSMessageError(reason: .truncated, offset: position)
                }
                wireLength += 1 + length
                guard wireLength <= DNSDefaults.maxNameWireLength else {
                    throw DNSMessageError(reason: .nameTooLong, offset: position)
                }
                labels.append(Array(bytes[(position + 1)..<(position + 1 + length)]))
                position += 1 + length
            case 3:
                guard position + 1 < bound else { throw DNSMessageError(reason: .truncated, offset: position) }
                let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < sequenceStart else { throw DNSMessageError(reason: .badPointer, offset: position) }
                pointers += 1
                guard pointers <= DNSDefaults.maxCompressionPointers else {
                    throw DNSMessageError(reason: .tooManyPointers, offset: position)
                }
                if resumeOffset == nil { resumeOffset = position + 2 }
                sequenceStart = target
                position = target
            default:
                throw DNSMessageError(reason: .badLabelType, offset: position)
            }
        }
    }

    mutating func readUInt16(end: Int? = nil) throws(DNSMessageError) -> UInt16 {
        guard offset + 2 <= min(end ?? bytes.count, bytes.count) else {
            throw DNSMessageError(reason: .truncated, offset: offset)
        }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt32(end: Int? = nil) throws(DNSMessageError) -> UInt32 {
        let high = try readUInt16(end: end)
        return UInt32(high) << 16 | UInt32(try readUInt16(end: end))
    }
}
