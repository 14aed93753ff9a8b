import Foundation
import NIOConcurrencyHelpers

/// Where DATA content goes once a message outgrows memory: one file per message being received, in a directory of
/// the server's own (`<data_dir>/spool`). Content is written as it arrives, so a slow 25 MB upload — or twenty at
/// once — holds at most ``threshold`` bytes of it in memory; at the end of data the file is read back into one
/// buffer of exactly the message's size and removed. A spool file never outlives its transaction: what a crash
/// leaves is an unacknowledged partial message, removed when the server starts.
public struct MessageSpoolConfiguration: Sendable {
    public var directory: String
    /// Content held in memory beyond this goes to the spool file.
    public var threshold: Int

    public init(directory: String, threshold: Int) {
        self.directory = directory
        self.threshold = threshold
    }

    /// Creates the directory and removes what a previous run left in it.
    public func prepare() throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: directory) where name.hasSuffix(".spool") {
            try? manager.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
    }
}

/// The spool file of one message being received.
final class MessageSpoolFile {
    let path: String
    private let handle: FileHandle
    private(set) var size = 0

    init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent("\(UUID().uuidString.lowercased()).spool")
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func append(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try handle.write(contentsOf: bytes)
        size += bytes.count
    }

    /// The whole content followed by `tail`, in one buffer allocated once; the file is removed.
    func finish(appending tail: [UInt8]) throws -> [UInt8] {
        try handle.close()
        defer { remove() }
        let total = size + tail.count
        var bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            count = 0
            guard let file = fopen(path, "rb") else { return }
            defer { fclose(file) }
            count = fread(buffer.baseAddress, 1, size, file)
        }
        guard bytes.count == size else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path]) }
        bytes.append(contentsOf: tail)
        return bytes
    }

    /// Discards the file (the content was refused, or the connection ended).
    func discard() {
        try? handle.close()
        remove()
    }

    private func remove() {
        unlink(path)
    }
}

/// A process-wide budget of message bytes in flight between the end of data and the commit (where a message is
/// held in memory, parsed and written). A message that does not fit is answered `451 4.3.1`: the client tries
/// again later and nothing is lost.
public final class MessageBudget: Sendable {
    public let limit: Int
    private let used = NIOLockedValueBox(0)

    public init(limit: Int) {
        self.limit = limit
    }

    /// Takes `bytes` of the budget; false when they do not fit now.
    func reserve(_ bytes: Int) -> Bool {
        used.withLockedValue { used in
            guard used + bytes <= limit else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        used.withLockedValue { $0 = max(0, $0 - bytes) }
    }

    /// Bytes reserved now.
    public var inFlight: Int { used.withLockedValue { $0 } }
}
