// Parse throughput of MIMEParser on message files, and peak memory of one parse.
//
//   mime-bench [--iterations N] FILE...     prints per file: size, ms per parse, MB/s
//   mime-bench --memory FILE                 prints the peak resident memory added by one parse
//
// One "parse" is MIMEParser.parse(bytes): headers, tree, transfer and charset decoding of the text and HTML bodies
// and of every attachment — everything the webhook payload needs.
import Foundation
import MIME

func peakResidentBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return usage.ru_maxrss
    #endif
}

var arguments = Array(CommandLine.arguments.dropFirst())
var iterations: Int?
var memoryMode = false
if let index = arguments.firstIndex(of: "--iterations"), index + 1 < arguments.count {
    iterations = Int(arguments[index + 1])
    arguments.removeSubrange(index...(index + 1))
}
if let index = arguments.firstIndex(of: "--memory") {
    memoryMode = true
    arguments.remove(at: index)
}
guard !arguments.isEmpty else {
    print("usage: mime-bench [--iterations N] [--memory] FILE...")
    exit(2)
}

for path in arguments {
    guard let data = FileManager.default.contents(atPath: path) else {
        print("cannot read \(path)")
        exit(1)
    }
    let bytes = [UInt8](data)
    if memoryMode {
        let before = peakResidentBytes()
        let message = MIMEParser.parse(bytes)
        let after = peakResidentBytes()
        let added = after - before
        print(
            String(
                format: "%@: %d bytes, peak memory added by one parse %.1f MB (%.2f x message size), %d attachments",
                (path as NSString).lastPathComponent, bytes.count, Double(added) / 1e6,
                Double(added) / Double(bytes.count),
                message.attachments.count))
        continue
    }
    let count = iterations ?? max(3, min(2_000, 200_000_000 / max(bytes.count, 1)))
    _ = MIMEParser.parse(bytes)  // warm up
    var checksum = 0
    let clock = ContinuousClock()
    var best = Duration.seconds(1_000)
    var total = Duration.zero
    for _ in 0..<count {
        let elapsed = clock.measure {
            let message = MIMEParser.parse(bytes)
            checksum &+=
                message.attachments.reduce(0) { $0 + $1.size } + (message.text?.utf8.count ?? 0)
                + (message.html?.utf8.count ?? 0)
        }
        total += elapsed
        best = min(best, elapsed)
    }
    let mean = Double(total.components.attoseconds) / 1e18 + Double(total.components.seconds)
    let perParse = mean / Double(count)
    let bestSeconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
    print(
        String(
            format: "swift   %-18@ %10d bytes  %8.3f ms/parse (best %.3f)  %8.1f MB/s  [%d runs, checksum %d]",
            (path as NSString).lastPathComponent, bytes.count, perParse * 1000, bestSeconds * 1000,
            Double(bytes.count) / perParse / 1e6, count, checksum))
}
