import DNSClient
import FastSMTPTestSupport
import Foundation
import Testing

@testable import Rules

/// The fast paths of evaluation against the general mechanisms they stand in for, on generated inputs: the
/// literal operators against their literal patterns on the regex engine, case folding of bytes against the
/// orbits, the byte scanners and the substring search against plain loops, the address parsing and network test
/// against `IPAddress`.
@Suite("Fast paths agree with the general ones")
struct FastPathTests {
    /// Scalars where case folding is subtle: one-way and three-way orbits, scalars that change UTF-8 length
    /// (KELVIN SIGN, LONG S), ones without a simple folding (ß, İ, ı), a combining mark, Greek sigmas, title case.
    static let alphabet: [String] = [
        "a", "A", "k", "K", "\u{212A}", "s", "S", "\u{17F}", "ß", "\u{1E9E}", "σ", "ς", "Σ", "é", "É", "\u{301}",
        "İ", "ı", "i", "I", "ǅ", "ǆ", "Ǆ", "ω", "Ω", "\u{2126}", "日", "😀", "-", ".", " ", "\n", "z", "Z", "0", "ü",
        "Ü", "x", "X", "ſt", "\u{10400}", "\u{10428}", "_",
    ]
    static let asciiAlphabet: [String] = ["a", "A", "b", "B", "k", "K", "s", "S", "-", ".", " ", "0", "z", "@"]

    static func text(_ length: Int, from alphabet: [String], _ generator: inout SplitMix64) -> String {
        (0..<length).map { _ in alphabet[generator.below(alphabet.count)] }.joined()
    }

    /// A needle for `text`: often a piece of it with some scalars swapped for case variants, else random.
    static func needle(for text: String, _ generator: inout SplitMix64) -> String {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty, generator.below(4) != 0 else {
            return Self.text(1 + generator.below(4), from: alphabet, &generator)
        }
        let start = generator.below(scalars.count)
        let length = 1 + generator.below(min(scalars.count - start, 20))
        var piece = Array(scalars[start..<(start + length)])
        for index in piece.indices where generator.below(3) == 0 {
            let variants = CaseFolding.shared.variants(of: piece[index].value)
            piece[index] = Unicode.Scalar(variants[generator.below(variants.count)]) ?? piece[index]
        }
        // Anchor the piece at an end of the text now and then, for starts_with, ends_with and equals.
        switch generator.below(5) {
        case 0: piece = Array(scalars.prefix(length))
        case 1: piece = Array(scalars.suffix(length))
        case 2 where scalars.count <= 24: piece = scalars
        default: break
        }
        return String(String.UnicodeScalarView(piece))
    }

    static let operators: [(name: String, position: LiteralMatcher.Position, pattern: @Sendable (String) -> String)] = [
        ("equals", .whole, { "\\A\($0)\\z" }), ("contains", .anywhere, { $0 }),
        ("starts_with", .start, { "\\A\($0)" }), ("ends_with", .end, { "\($0)\\z" }),
    ]

    @Test(
        "equals, contains, starts_with and ends_with answer as their literal patterns on the regex engine",
        arguments: [false, true])
    func literalOperators(asciiOnly: Bool) throws {
        var generator = SplitMix64(seed: asciiOnly ? 11 : 12)
        var outcomes: [Bool: Int] = [:]
        for round in 0..<500 {
            let alphabet = asciiOnly ? Self.asciiAlphabet : Self.alphabet
            // Short and long texts: the vector loops start at 16 bytes.
            let text = Self.text(generator.below(round % 3 == 0 ? 80 : 12), from: alphabet, &generator)
            let other = Self.text(generator.below(30), from: alphabet, &generator)
            let needle = Self.needle(for: text, &generator)
            guard !needle.isEmpty else { continue }
            for (name, position, pattern) in Self.operators {
                for caseSensitive in [false, true] {
                    let regex = try LinearRegex(
                        pattern(RuleCondition.escapedLiteral(needle)), caseInsensitive: !caseSensitive)
                    let expected = regex.matches(text)
                    let literal = LiteralMatcher(needle, position: position, caseSensitive: caseSensitive)
                    let context = "\(name) \(needle.debugDescription) in \(text.debugDescription), cs \(caseSensitive)"
                    #expect(literal.matches(text) == expected, "\(context)")
                    // Through the field values (folded once, shared): a field with the text among other values.
                    let condition = try RuleCondition(
                        field: "to", operator: name, value: needle, caseSensitive: caseSensitive)
                    var values = FieldValues(other.isEmpty ? [text] : [other, text])
                    let expectedAny = expected || (!other.isEmpty && regex.matches(other))
                    #expect(condition.holds(for: &values) == expectedAny, "\(context) or \(other.debugDescription)")
                    outcomes[expected, default: 0] += 1
                }
            }
        }
        // Both answers are well represented.
        #expect(outcomes[true, default: 0] > 500, "\(outcomes)")
        #expect(outcomes[false, default: 0] > 500, "\(outcomes)")
    }

    @Test("values with _ and values longer than the byte search takes work as well")
    func underscoreAndLongValues() throws {
        let facts = MailFacts(
            from: ["John_Doe@Example.com"], body: String(repeating: "lorem ipsum ", count: 50) + "Ünïcode_" + "x")
        func holds(_ field: String, _ op: String, _ value: String, caseSensitive: Bool = false) throws -> Bool {
            let condition = try RuleCondition(field: field, operator: op, value: value, caseSensitive: caseSensitive)
            var values = FieldValues(facts.values(of: condition.field, recipient: "a@example.com"))
            return condition.holds(for: &values)
        }
        #expect(try holds("from", "equals", "john_doe@example.com"))
        #expect(try !holds("from", "equals", "john_doe@example.com", caseSensitive: true))
        #expect(try holds("from", "contains", "_doe@"))
        let long = String(repeating: "LOREM IPSUM ", count: 8) + "ünïcode_X"
        #expect(long.utf8.count > LiteralMatcher.maxLength)
        #expect(try holds("body", "contains", long))
        #expect(try holds("body", "ends_with", long))
        #expect(try !holds("body", "starts_with", long))
        #expect(try !holds("body", "contains", long, caseSensitive: true))
        #expect(try holds("body", "starts_with", String(repeating: "lorem ipsum ", count: 7), caseSensitive: true))
    }

    @Test("regexes that skip ahead to a run of bytes (\\d and the like) agree with the plain automaton")
    func rangeScanners() throws {
        var generator = SplitMix64(seed: 18)
        let alphabet: [Character] = ["1", "9", "0", "-", "a", "f", "F", "g", "x", " ", "é", "😀", "\n"]
        let fragments: [(pattern: String, sample: String)] = [
            (#"\d{4}-\d{2}-\d{2}"#, "2024-06-01"), ("[0-9a-f]{3}x", "0a9x"), ("(?i)[a-f]+x", "aFx"),
            (#"[\d.]+-"#, "1.9-"),
        ]
        for (pattern, sample) in fragments {
            let fast = try LinearRegex(pattern)
            let plain = try LinearRegex("(?:\(pattern))|\\b\\B")
            #expect(fast.usesStartScanner, "\(pattern)")
            #expect(!plain.usesStartScanner)
            var matched = 0
            for _ in 0..<150 {
                var text = String((0..<generator.below(120)).map { _ in alphabet[generator.below(alphabet.count)] })
                if generator.below(2) == 0 {
                    let offset = generator.below(text.count + 1)
                    text.insert(contentsOf: sample, at: text.index(text.startIndex, offsetBy: offset))
                }
                let expected = plain.matches(text)
                #expect(fast.matches(text) == expected, "\(pattern) ~ \(text.debugDescription)")
                if expected { matched += 1 }
            }
            #expect(matched >= 30, "\(pattern)")
            #expect(matched <= 140, "\(pattern)")
        }
    }

    @Test("a scalar's folded form is a case variant of it, shared by all of them, never longer in UTF-8")
    func foldedForms() {
        let folding = CaseFolding.shared
        var wrong: [String] = []
        for value in UInt32(0)..<0x2_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let variants = folding.variants(of: value)
            let folded = folding.folded(value)
            let length = Unicode.Scalar(folded).map { String($0).utf8.count } ?? .max
            if !variants.contains(folded) || variants.contains(where: { folding.folded($0) != folded })
                || length > String(scalar).utf8.count
            {
                wrong.append("U+\(String(value, radix: 16))")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(20))")
        #expect(folding.folded(0x212A) == 0x6B)  // KELVIN SIGN → k
        #expect(folding.folded(0x4B) == 0x6B)
        #expect(folding.folded(0x3A3) == folding.folded(0x3C2))  // Σ and ς
        #expect(folding.folded(0x130) == 0x130)  // İ stays alone
    }

    @Test("folded UTF-8 is the folded scalars, byte for byte")
    func foldedUTF8() {
        var generator = SplitMix64(seed: 13)
        for round in 0..<500 {
            let text = Self.text(generator.below(round % 2 == 0 ? 100 : 20), from: Self.alphabet, &generator)
            let expected = text.unicodeScalars.map { CaseFolding.shared.folded($0.value) }
            let folded = withUTF8(text) { CaseFolding.shared.foldedUTF8($0) }
            let decoded = String(decoding: folded, as: UTF8.self).unicodeScalars.map(\.value)
            #expect(decoded == expected, "\(text.debugDescription)")
            #expect(folded.count <= text.utf8.count)
        }
    }

    @Test("the substring search finds what a plain loop finds, exactly and ASCII-folded")
    func substringSearch() {
        var generator = SplitMix64(seed: 14)
        let bytes: [UInt8] = [0x61, 0x41, 0x62, 0x42, 0x7A, 0x5A, 0x20, 0x2D, 0x40, 0x5B, 0x60, 0x7B]
        var found = 0
        for _ in 0..<3_000 {
            let text = (0..<generator.below(70)).map { _ in bytes[generator.below(bytes.count)] }
            var needle = (0..<(1 + generator.below(4))).map { _ in bytes[generator.below(bytes.count)] }
            if !text.isEmpty, generator.below(2) == 0 {
                let start = generator.below(text.count)
                needle = Array(text[start..<min(text.count, start + 1 + generator.below(20))])
            }
            let search = SubstringSearch(needle)
            let exact =
                text.count >= needle.count
                && (0...(text.count - needle.count)).contains { Array(text[$0..<($0 + needle.count)]) == needle }
            #expect(text.withUnsafeBufferPointer { search.occurs(in: $0) } == exact, "\(needle) in \(text)")
            let lower = needle.map { CaseFolding.foldedASCII($0) }
            let folded = text.map { CaseFolding.foldedASCII($0) }
            let caseless =
                folded.count >= lower.count
                && (0...(folded.count - lower.count)).contains { Array(folded[$0..<($0 + lower.count)]) == lower }
            let foldedSearch = SubstringSearch(lower)
            #expect(
                text.withUnsafeBufferPointer { foldedSearch.occurs(inASCII: $0) } == caseless, "\(lower) in \(text)")
            if exact { found += 1 }
        }
        #expect(found > 500)
    }

    @Test("byte scanners stop where a plain loop stops, for few values and for runs of values")
    func byteScanner() throws {
        var generator = SplitMix64(seed: 15)
        var ranges = 0
        for _ in 0..<400 {
            // A few runs of consecutive values (one-value runs too).
            var values = Set<UInt8>()
            for _ in 0..<(1 + generator.below(5)) {
                let start = UInt8(generator.below(250))
                for offset in 0..<(1 + generator.below(generator.below(2) == 0 ? 1 : 12)) {
                    values.insert(start &+ UInt8(offset))
                }
            }
            let sorted = values.sorted()
            let runs = sorted.indices.filter { $0 == 0 || sorted[$0] != sorted[$0 - 1] &+ 1 }.count
            guard let scanner = ByteScanner(values) else {
                #expect(values.count > ByteScanner.maxBytes && runs > ByteScanner.maxRanges)
                continue
            }
            if values.count > ByteScanner.maxBytes { ranges += 1 }
            let text = (0..<generator.below(100)).map { _ in
                generator.below(8) == 0 ? sorted[generator.below(sorted.count)] : UInt8(generator.below(256))
            }
            text.withUnsafeBufferPointer { buffer in
                var start = 0
                while start <= text.count {
                    let expected = (start..<text.count).first { values.contains(text[$0]) } ?? text.count
                    #expect(scanner.next(in: buffer, from: start) == expected, "\(sorted) in \(text) from \(start)")
                    start = expected + 1
                }
            }
        }
        #expect(ranges > 30)
        // The digits are one run: the scanner a regex such as \d{4}-\d{2} skips a text without digits with.
        let digits = try #require(ByteScanner(UInt8(ascii: "0")...UInt8(ascii: "9")))
        let text = Array("no digits in here, none at all until the 7".utf8)
        #expect(text.withUnsafeBufferPointer { digits.next(in: $0, from: 0) } == text.count - 1)
    }

    @Test("client addresses parse as IPAddress parses them")
    func addresses() {
        var generator = SplitMix64(seed: 16)
        var samples = [
            "192.0.2.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.002.3.4", "1..2.3",
            ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "+1.2.3.4", "1.2.3.-4", "١.٢.٣.٤", "1.2.3.4\u{301}",
            "::ffff:192.0.2.1", "2001:db8::1", "", "1234.1.1.1", "1.2.3.0004",
        ]
        let pieces = ["1", "25", "255", "256", "007", "", "a", "-1", "999", "0"]
        for _ in 0..<500 {
            let count = 3 + generator.below(3)
            samples.append((0..<count).map { _ in pieces[generator.below(pieces.count)] }.joined(separator: "."))
        }
        for sample in samples {
            #expect(FieldValues.address(sample) == IPAddress(sample), "\(sample.debugDescription)")
        }
    }

    @Test("network membership is IPAddress.isIn, IPv4-mapped clients in IPv4 networks")
    func networks() throws {
        var generator = SplitMix64(seed: 17)
        func random() -> IPAddress {
            switch generator.below(3) {
            case 0: return .v4(UInt32(truncatingIfNeeded: generator.next()))
            case 1: return .v6((0..<16).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            default:
                return .v6(
                    Array(repeating: 0, count: 10) + [0xFF, 0xFF] + (0..<4).map { _ in UInt8(generator.below(4)) })
            }
        }
        for _ in 0..<3_000 {
            let base = random()
            let length = generator.below(base.isIPv4 ? 33 : 129)
            let network = try #require(CIDRNetwork("\(base)/\(length)"))
            var candidate = random()
            if generator.below(2) == 0, case .v4(let value) = base {
                // Near the network: the same high bits, sometimes as an IPv4-mapped IPv6 address.
                let near = value ^ UInt32(generator.below(1 << 8))
                candidate =
                    generator.below(2) == 0
                    ? .v4(near)
                    : .v6(Array(repeating: 0, count: 10) + [0xFF, 0xFF] + IPAddress.v4(near).bytes)
            }
            let mapped = base.isIPv4 ? (candidate.ipv4Mapped ?? candidate) : candidate
            let expected = mapped.isIn(network: network.address, prefixLength: network.prefixLength)
            #expect(network.contains(candidate) == expected, "\(candidate) in \(base)/\(length)")
        }
    }
}
