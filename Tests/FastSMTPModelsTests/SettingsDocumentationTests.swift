import FastSMTPModels
import Foundation
import Testing

/// A setting nobody can find is a setting nobody can use: every variable the loader reads is shown by
/// `show-config` and documented in README.md, and README names no variable that does not exist.
@Suite("Settings documentation")
struct SettingsDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func variables(in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = text[...]
        while let range = rest.range(of: "FASTSMTP_") {
            let tail = rest[range.lowerBound...]
            let name = tail.prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            if name.count > "FASTSMTP_".count, !name.hasSuffix("_") { names.insert(String(name)) }
            rest = tail.dropFirst(name.count)
        }
        return names
    }

    /// The names the settings loader reads (its source's string literals) and the DNS configuration's.
    static func loaderVariables() throws -> Set<String> {
        let sources = [
            "Sources/FastSMTPModels/Settings+Loading.swift", "Sources/DNSClient/StubResolver+Configuration.swift",
        ]
        var names: Set<String> = []
        for path in sources {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            names.formUnion(variables(in: text).filter { text.contains("\"\($0)\"") })
        }
        return names
    }

    @Test("every setting the loader reads is in README.md and in show-config")
    func documented() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let loaded = try Self.loaderVariables()
        #expect(loaded.count >= 34)
        for name in loaded.sorted() {
            let documented = readme.contains("`\(name)`")
            #expect(documented, "\(name) is read but README.md does not document it")
        }
        let shown = Set(Settings().redactedEntries().map(\.name))
        for name in loaded.subtracting(["FASTSMTP_DNS_SERVERS"]).sorted() {
            let printed = shown.contains(name)
            #expect(printed, "\(name) is read but show-config does not print it")
        }
    }

    @Test("README.md names only settings that exist")
    func noStaleNames() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        // Server settings, fsmtp's client settings, and the test suite's own.
        var known = try Self.loaderVariables().union([
            "FASTSMTP_TEST_DATABASE_URL", "FASTSMTP_TEST_MARIADB_URL", "FASTSMTP_TEST_REQUIRE_DNSMASQ",
        ])
        let enumerator = FileManager.default.enumerator(atPath: Self.root.appendingPathComponent("Sources").path)
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            let text = try String(
                contentsOf: Self.root.appendingPathComponent("Sources").appendingPathComponent(path), encoding: .utf8)
            known.formUnion(Self.variables(in: text).filter { text.contains("\"\($0)\"") })
        }
        for name in Self.variables(in: readme).sorted() {
            let exists = known.contains(name)
            #expect(exists, "README.md documents \(name), which no code reads")
        }
    }
}
