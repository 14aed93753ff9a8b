extension DNSMessage {
    /// The wire form, with names compressed (RFC 1035 §4.1.4) in owner names and in the RDATA of the
    /// well-known types that allow it (RFC 3597 §4: NS, CNAME, SOA, PTR, MX).
    func encoded() throws(DNSMessageError) -> [UInt8] {
        var writer = DNSMessageWriter()
        writer.writeUInt16(id)
        writer.writeUInt16(flags.rawValue)
        let additionalCount = additionals.count + (edns == nil ? 0 : 1)
        for count in [questions.count, answers.count, authorities.count, additionalCount] {
            guard count <= Int(UInt16.max) else { throw DNSMessageError(reason: .tooLarge, offset: 0) }
            writer.writeUInt16(UInt16(count))
        }
        for question in questions {
            writer.writeName(question.name)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.dnsClass)
        }
        for record in answers + authorities + additionals {
            try writer.writeRecord(record)
        }
        if let edns {
            writer.writeName(.root)
            writer.writeUInt16(DNSType.opt.rawValue)
            writer.writeUInt16(edns.udpPayloadSize)
            writer.writeUInt32(
                UInt32(edns.extendedResponseCode) << 24 | UInt32(edns.version) << 16 | (edns.dnssecOK ? 0x8000 : 0))
            guard edns.options.count <= Int(UInt16.max) else { throw DNSMessageError(reason: .tooLarge, offset: 0) }
            writer.writeUInt16(UInt16(edns.options.count))
            writer.bytes += edns.options
        }
        guard writer.bytes.count <= DNSDefaults.maxMessageSize else {
            throw DNSMessageError(reason: .tooLarge, offset: writer.bytes.count)
        }
        return writer.bytes
    }
}

/// Appends wire fields and remembers where each name suffix was written for compression.
struct DNSMessageWriter {
    var bytes: [UInt8] = []
    private var suffixOffsets: [[[UInt8]]: Int] = [:]

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUInt16(UInt16(value >> 16))
        writeUInt16(UInt16(value & 0xFFFF))
    }

    /// Writes `name`, replacing its longest suffix already written by a pointer.
    mutating func writeName(_ name: DNSName, compress: Bool = true) {
        let labels = name.labels
        for index in labels.indices {
            let suffix = Array(labels[index...])
            if compress, let offset = suffixOffsets[suffix] {
                writeUInt16(0xC000 | UInt16(offset))
                return
            }
            // Pointers have 14 bits (RFC 1035 §4.1.4).
            if compress, bytes.count < 0x4000 { suffixOffsets[suffix] = bytes.count }
            bytes.append(UInt8(labels[index].count))
            bytes += labels[index]
        }
        bytes.append(0)
    }

    mutating func writeRecord(_ record: DNSResourceRecord) throws(DNSMessageError) {
        writeName(record.name)
        writeUInt16(record.type.rawValue)
        writeUInt16(record.dnsClass)
        writeUInt32(record.ttl)
        let lengthOffset = bytes.count
        writeUInt16(0)
        switch record.data {
        case .a(let address), .aaaa(let address):
            bytes += address.bytes
        case .ns(let name), .cname(let name), .ptr(let name):
            writeName(name)
        case .mx(let preference, let exchange):
            writeUInt16(preference)
            writeName(exchange)
        case .txt(let strings):
            for string in strings {
                guard string.count <= DNSDefaults.maxCharacterStringLength else {
                    throw DNSMessageError(reason: .tooLarge, offset: bytes.count)
                }
                bytes.append(UInt8(string.count))
                bytes += string
            }
        case .soa(let soa):
            writeName(soa.primary)
            writeName(soa.mailbox)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writeUInt32(value) }
        case .other(_, let data):
            bytes += data
        }
        let length = bytes.count - lengthOffset - 2
        guard length <= Int(UInt16.max) else { throw DNSMessageError(reason: .tooLarge, offset: lengthOffset) }
        bytes[lengthOffset] = UInt8(length >> 8)
        bytes[lengthOffset + 1] = UInt8(length & 0xFF)
    }
}
