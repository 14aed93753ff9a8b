import Foundation

/// Memoizes ``SPFRecordParser/parse(_:)`` by record text, so a warm DNS cache also means no re-parsing.
///
/// Parsing is a pure function of the text, so an entry never goes stale; the cache is bounded by
/// `capacity` entries and simply starts over when full. Shared by all evaluations of one ``SPFEvaluator``.
final class SPFRecordCache: @unchecked Sendable {  // mutable state: `entries`, guarded by `lock`
    private let lock = NSLock()
    private var entries: [String: Result<SPFRecord, SPFSyntaxError>] = [:]
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func parse(_ text: String) throws(SPFSyntaxError) -> SPFRecord {
        if let cached = lock.withLock({ entries[text] }) { return try cached.get() }
        let result: Result<SPFRecord, SPFSyntaxError>
        do {
            result = .success(try SPFRecordParser.parse(text))
        } catch {
            result = .failure(error)
        }
        // Records longer than a DNS message could carry are not worth keeping.
        if capacity > 0, text.utf8.count <= 4_096 {
            lock.withLock {
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
                entries[text] = result
            }
        }
        return try result.get()
    }
}
