import API
import FastSMTPModels
import Foundation

/// The superuser key from `FASTSMTP_ROOT_API_KEY`, or one generated on first start and kept in the data dir.
public enum RootAPIKey {
    public static let fileName = "root_api_key"

    /// Where the generated key is kept.
    public static func path(dataDir: String) -> String {
        URL(fileURLWithPath: dataDir).appendingPathComponent(fileName).path
    }

    /// Returns the configured key; else the stored one; else generates, stores (mode 0600) and returns a new one
    /// with `created == true` so the caller prints it once.
    public static func resolve(settings: Settings) throws -> (key: String, created: Bool) {
        if let key = settings.rootAPIKey, !key.isEmpty { return (key, false) }
        let path = path(dataDir: settings.dataDir)
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            let key = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            if !key.isEmpty { return (key, false) }
        }
        let key = APIKeyGenerator.generate()
        try FileManager.default.createDirectory(atPath: settings.dataDir, withIntermediateDirectories: true)
        // Create with 0600 from the start so the key is never readable by others, not even briefly.
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((key + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        return (key, true)
    }
}
