import FastSMTPModels
import FastSMTPTestSupport
import Foundation

/// A fresh temporary directory, removed when the value is released by `withTemporaryDirectory`.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fastsmtp-models-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// Writes `contents` to `name` inside `directory` and returns the path.
@discardableResult
func writeFile(_ contents: String, named name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// `Settings.load` without any .env file.
func load(_ environment: [String: String]) throws(SettingsError) -> Settings {
    try Settings.load(environment: environment, dotEnvPath: nil)
}

/// The error `Settings.load` throws for `environment`, or nil when it succeeds.
func loadError(_ environment: [String: String], dotEnvPath: String? = nil) -> SettingsError? {
    do {
        _ = try Settings.load(environment: environment, dotEnvPath: dotEnvPath)
        return nil
    } catch {
        return error
    }
}

/// `redactedEntries()` as a dictionary.
func entries(_ settings: Settings) -> [String: String] {
    Dictionary(uniqueKeysWithValues: settings.redactedEntries().map { ($0.name, $0.value) })
}
