import FastSMTPModels
import Testing

@Suite("IDNA")
struct IDNATests {
    /// RFC 3492 §7.1 sample strings (lowercased as IDNA does) and everyday names.
    @Test(
        "Punycode of the RFC 3492 samples",
        arguments: [
            ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
            ("ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"),
            ("そのスピードで", "d9juau41awczczp"),
            ("bücher", "bcher-kva"),
            ("münchen", "mnchen-3ya"),
        ])
    func samples(input: String, expected: String) {
        #expect(IDNA.punycode(input) == expected)
    }

    @Test("ToASCII converts only labels that need it and lowercases")
    func toASCII() {
        #expect(IDNA.toASCII("Mail.Bücher.EXAMPLE") == "mail.xn--bcher-kva.example")
        #expect(IDNA.toASCII("example.com") == "example.com")
    }
}
