import DNSClient
import Foundation

/// The openspf.org suites in their normalized JSON form (Fixtures/spf/openspf/, see the README there).
struct OpenSPFSuite: Decodable {
    struct Scenario: Decodable {
        var description: String
        var zonedata: [String: [ZoneEntry]]
        var tests: [Case]
    }

    /// One zonedata entry: `{"type": "TXT", "strings": [...]}`, `{"type": "MX", "preference", "exchange"}`, …
    struct ZoneEntry: Decodable {
        var type: String
        var strings: [String]?
        var value: String?
        var preference: UInt16?
        var exchange: String?
        var timeout: Bool?
    }

    struct Case: Decodable {
        var name: String
        var helo: String
        var host: String
        var mailfrom: String
        /// Acceptable results; any one passes.
        var result: [String]
        /// The exact explanation of a fail; "DEFAULT" means no exp= text (the caller's default).
        var explanation: String?
    }

    var scenarios: [Scenario]

    /// Loads `Fixtures/spf/openspf/<name>.json` from the test bundle.
    static func load(_ name: String) throws -> OpenSPFSuite {
        let url = try SPFFixture.url("spf/openspf/\(name).json")
        return try JSONDecoder().decode(OpenSPFSuite.self, from: Data(contentsOf: url))
    }
}

extension OpenSPFSuite.Scenario {
    /// The scenario's zone as the reference driver serves it: TXT only (type SPF is never queried, and the
    /// TXT copies generated from SPF entries are already in the JSON), list order kept for TIMEOUT markers.
    var zone: DNSZone {
        var zone = DNSZone()
        for (name, entries) in zonedata {
            zone.addName(name)
            for entry in entries {
                if let record = entry.record { zone.add(name, record) }
            }
        }
        return zone
    }
}

extension OpenSPFSuite.ZoneEntry {
    var record: DNSZone.Record? {
        let recordType: DNSRecordType? =
            switch type {
            case "TXT": .txt
            case "A": .a
            case "AAAA": .aaaa
            case "MX": .mx
            case "PTR": .ptr
            case "CNAME": .cname
            default: nil
            }
        if timeout == true, let recordType { return .typeTimeout(recordType) }
        switch type {
        case "TIMEOUT": return .timeoutMarker
        case "TXT": return .txt(strings ?? [])
        case "A": return value.map { DNSZone.Record.a($0) }
        case "AAAA": return value.map { DNSZone.Record.aaaa($0) }
        case "MX": return .mx(preference: preference ?? 0, exchange: exchange ?? "")
        case "PTR": return value.map { .ptr($0) }
        case "CNAME": return value.map { .cname($0) }
        default: return nil  // "SPF" (type 99): kept in the data for information only.
        }
    }
}

/// Locates the copied fixtures inside the test bundle.
enum SPFFixture {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "fixture \(path) not found in the test bundle" }
    }

    static func url(_ path: String) throws -> URL {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw Missing(path: path)
        }
        let url = root.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: path) }
        return url
    }
}
