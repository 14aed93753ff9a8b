/// Decides whether received bytes answer the query we sent (RFC 5452 §4.3, §9.1: id, question, QR, opcode).
///
/// A stub that accepts a datagram only when id and question match makes blind spoofing need both a guessed
/// 16-bit id and a guessed source port.
struct DNSResponseMatcher: Sendable {
    var id: UInt16
    var question: DNSQuestion

    enum Verdict: Hashable, Sendable {
        /// The answer to our query.
        case accepted(DNSMessage)
        /// Our answer, but it did not fit (TC=1): ask again over TCP (RFC 7766 §5).
        case truncated
        /// Not an answer to our query (wrong id, question, direction or opcode): ignore it.
        case mismatched(String)
        /// Our id and question, but the rest cannot be decoded.
        case malformed(DNSMessageError)
    }

    func verdict(on bytes: [UInt8]) -> Verdict {
        var reader = DNSMessageReader(bytes: bytes)
        let header: DNSHeader
        let questions: [DNSQuestion]
        do {
            header = try reader.readHeader()
            guard header.id == id else { return .mismatched("id \(header.id) instead of \(id)") }
            guard header.flags.isResponse else { return .mismatched("not a response") }
            guard header.flags.opcode == 0 else { return .mismatched("opcode \(header.flags.opcode)") }
            questions = try reader.readQuestions(count: header.questionCount)
        } catch {
            return .mismatched("\(error)")
        }
        // Some servers leave the question out of an error response (FORMERR, NOTIMP…); such an answer can only
        // make us try elsewhere, never supply data, so it is accepted by id alone.
        let rcode = header.flags.responseCode
        let errorWithoutQuestion = questions.isEmpty && rcode != 0 && rcode != 3
        guard questions == [question] || errorWithoutQuestion else {
            return .mismatched(
                "question \(questions.map { "\($0.name) \($0.type)" }) instead of \(question.name) \(question.type)")
        }
        if header.flags.truncated { return .truncated }
        do {
            return .accepted(try DNSMessage(decoding: bytes))
        } catch {
            return .malformed(error)
        }
    }
}
