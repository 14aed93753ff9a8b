import Foundation
import MIME
import Rules

// 100 rules in 5 rulesets (mixed fields and operators, 20 of them regexes, a few tags; every ruleset without
// stop_on_match so that all 100 run) against `count` generated messages. Prints numbers; asserts nothing.
let count = Int(CommandLine.arguments.dropFirst().first ?? "10000") ?? 10_000

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let words = ["invoice", "meeting", "viagra", "lottery", "report", "hello", "urgent", "offer", "Zürich", "update"]
let textOps = ["equals", "contains", "starts_with", "ends_with"]
let textFields = [
    "from", "to", "cc", "subject", "header:X-Mailer", "body", "attachment_name", "attachment_type", "helo",
    "mail_from", "rcpt_to", "dkim_result", "spf_result",
]
let regexes = [
    "(?i)(viagra|cialis|lottery)\\s+win", "^re:\\s", "\\binvoice\\s+#?\\d{3,}", "[a-z0-9._%+-]+@spam\\.example$",
    "(a+)+$", "^(\\w+\\s?)*$", "\\.(exe|scr|zip)$", "urgent|asap", "z(ü|ue)rich", "^\\[SPAM\\]",
    "offer.*today", "\\d{4}-\\d{2}-\\d{2}", "^mx\\d+\\.", "(?i)unsubscribe", "^application/(x-)?zip",
    "^(pass|neutral)$", "^fail$", "hello\\s+world", "^$", "meeting (at|on) \\d+",
]
var definitions: [RulesetDefinition] = []
var regexIndex = 0
for set in 0..<5 {
    var rules: [RuleDefinition] = []
    for index in 0..<20 {
        let n = set * 20 + index
        let action = n % 10 == 0 ? "tag" : ["tag", "quarantine", "drop", "forward"][n % 4]
        if n % 5 == 0 {
            let field = ["subject", "body", "from", "attachment_name", "header:X-Mailer"][regexIndex % 5]
            rules.append(
                RuleDefinition(
                    field: field, operator: "regex", value: regexes[regexIndex], action: action,
                    addTags: ["r\(n)"]))
            regexIndex += 1
        } else if n % 17 == 0 {
            rules.append(RuleDefinition(field: "size", operator: "gt", value: "5000000", action: action))
        } else if n % 19 == 0 {
            rules.append(RuleDefinition(field: "client_ip", operator: "in_cidr", value: "10.0.0.0/8", action: action))
        } else if n % 23 == 0 {
            rules.append(RuleDefinition(field: "header:X-Spam-Flag", operator: "exists", action: action))
        } else {
            rules.append(
                RuleDefinition(
                    field: textFields[n % textFields.count], operator: textOps[n % textOps.count],
                    value: "no-such-\(words[n % words.count])-\(n)", caseSensitive: n % 3 == 0,
                    negate: n % 11 == 0 && action == "tag", action: action))
        }
    }
    definitions.append(RulesetDefinition(name: "set\(set)", priority: set, stopOnMatch: false, rules: rules))
}
let book = RuleBook.compile(definitions)
precondition(book.problems.isEmpty, "\(book.problems)")
let ruleCount = book.rulesets.reduce(0) { $0 + $1.rules.count }
let regexCount = book.rulesets.reduce(0) { $0 + $1.rules.filter { $0.condition.operator == .regex }.count }

func message(_ i: Int) -> [UInt8] {
    var random = SplitMix(state: UInt64(i) &* 0x9E37_79B9 &+ 42)
    let subject = (0..<5).map { _ in words.randomElement(using: &random)! }.joined(separator: " ")
    let paragraph = (0..<60).map { _ in words.randomElement(using: &random)! }.joined(separator: " ")
    let body = (0..<(1 + i % 8)).map { _ in paragraph }.joined(separator: "\r\n")
    return Array(
        """
        From: Sender \(i) <sender\(i)@example.org>\r
        To: info@example.com, sales@example.com\r
        Cc: team@example.com\r
        Subject: \(subject)\r
        Message-ID: <\(i)@example.org>\r
        X-Mailer: bench \(i % 7)\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        \(body)\r

        """.utf8)
}

let raws = (0..<count).map(message)
let parsed = raws.map { MIMEParser.parse($0) }
let totalBytes = raws.reduce(0) { $0 + $1.count }

func facts(_ i: Int) -> MailFacts {
    MailFacts(
        message: parsed[i], size: raws[i].count, clientIP: "192.0.2.\(i % 250)", helo: "mx\(i % 9).example.org",
        mailFrom: "sender\(i)@example.org", tls: i % 2 == 0, dkimResult: i % 3 == 0 ? "pass" : "none",
        spfResult: i % 4 == 0 ? "fail" : "pass")
}

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

// Warm up, then: decisions alone (facts built beforehand), and the accept-path cost (facts + decision).
let allFacts = (0..<count).map(facts)
var sink = 0
for i in 0..<min(count, 500) { sink &+= book.evaluate(allFacts[i], recipient: "info@example.com").tags.count }

var start = clock.now
for i in 0..<count { sink &+= book.evaluate(allFacts[i], recipient: "info@example.com").tags.count }
let decide = seconds(clock.now - start)

start = clock.now
for i in 0..<count { sink &+= book.evaluate(facts(i), recipient: "info@example.com").tags.count }
let acceptPath = seconds(clock.now - start)

start = clock.now
for i in 0..<count { sink &+= MIMEParser.parse(raws[i]).headers.count }
let parse = seconds(clock.now - start)

print(
    """
    rules: \(ruleCount) rules in \(book.rulesets.count) rulesets (\(regexCount) regexes), \(count) messages, \
    \(totalBytes / count) bytes on average
    decisions: \(Int(Double(count) / decide)) /s on one core (\(String(format: "%.1f", decide / Double(count) * 1e6)) µs each, \
    all \(ruleCount) rules evaluated)
    accept path (facts from the parsed message + decision): \(String(format: "%.1f", acceptPath / Double(count) * 1e6)) µs \
    per message; for scale, MIME parsing the same message: \(String(format: "%.1f", parse / Double(count) * 1e6)) µs
    (checksum \(sink))
    """)
