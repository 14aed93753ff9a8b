import DNSClient
import Foundation
import MailAuth
import _CryptoExtras

/// Runs `body` repeatedly for about `seconds` on this one task (one core) and returns operations per second.
func measure(_ seconds: Double, _ body: () async -> Bool) async -> (perSecond: Double, ok: Bool) {
    for _ in 0..<20 { _ = await body() }  // warm up
    let clock = ContinuousClock()
    let start = clock.now
    var count = 0
    var ok = true
    while clock.now - start < .milliseconds(Int64(seconds * 1000)) {
        ok = await body() && ok
        count += 1
    }
    let elapsed = clock.now - start
    let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (Double(count) / secs, ok)
}

let seconds = Double(CommandLine.arguments.dropFirst().first ?? "3") ?? 3

// DKIM: a 100 KB message signed with a fresh RSA-2048 key, relaxed/relaxed; the key record answered from memory
// (a warm cache).
let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
let signer = DKIMTestSigner(key: .rsa(rsa), domain: "bench.test", selector: "sel")
let line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.\r\n"
let body = String(repeating: line, count: 100 * 1024 / line.utf8.count)
let message =
    "From: a@bench.test\r\nTo: b@example.com\r\nSubject: bench\r\nDate: Sat, 28 Nov 2026 08:00:00 +0000\r\n\r\n" + body
let signed = Array(signer.sign(message).utf8)
let dkimZone = DNSZoneResolver([("sel._domainkey.bench.test", .txt(signer.keyRecord()))])
let verifier = DKIMVerifier(resolver: dkimZone)
let dkim = await measure(seconds) { await verifier.verify(signed).summary == .pass }

// SPF: a record with 3 includes, the client matching in the third; every record answered from memory.
let spfZone = DNSZoneResolver([
    ("bench.test", .txt("v=spf1 include:a.bench.test include:b.bench.test include:c.bench.test -all")),
    ("a.bench.test", .txt("v=spf1 ip4:192.0.2.0/28 ip6:2001:db8::/48 ~all")),
    ("b.bench.test", .txt("v=spf1 ip4:198.51.100.0/24 -all")),
    ("c.bench.test", .txt("v=spf1 ip4:203.0.113.0/24 -all")),
])
let evaluator = SPFEvaluator(resolver: spfZone)
let client = IPAddress("203.0.113.7")!
let spf = await measure(seconds) {
    await evaluator.evaluate(clientIP: client, mailFrom: "x@bench.test", helo: "mx.bench.test").result == .pass
}

print(
    """
    DKIM verify, 100 KB message (\(signed.count) bytes), RSA-2048, relaxed/relaxed, key cached: \(Int(dkim.perSecond)) /s on one core\(dkim.ok ? "" : "  (NOT passing!)")
    SPF evaluate, 3 includes, warm cache (in-memory zone): \(Int(spf.perSecond)) /s on one core\(spf.ok ? "" : "  (NOT passing!)")
    """)
