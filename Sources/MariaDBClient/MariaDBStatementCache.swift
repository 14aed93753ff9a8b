#if MariaDB
/// A bounded least-recently-used map from SQL text to a prepared statement (or any value): what
/// ``MariaDBConnection`` keeps so a statement it runs again is not prepared again. Values that leave it (evicted,
/// removed, or all at once) are handed back so the caller can close them.
///
/// Small on purpose: the server caps prepared statements for all sessions together (`max_prepared_stmt_count`,
/// 16,382 by default), and FastSMTP runs a few dozen distinct statements.
package struct MariaDBStatementCache<Value> {
    /// The most statements kept; 0 keeps none.
    package let capacity: Int
    private var entries: [String: (value: Value, used: UInt64)] = [:]
    private var clock: UInt64 = 0

    package init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    package var count: Int { entries.count }

    /// The value kept for `sql`, now the most recently used; nil when none is.
    package mutating func value(for sql: String) -> Value? {
        guard let entry = entries[sql] else { return nil }
        clock += 1
        entries[sql] = (entry.value, clock)
        return entry.value
    }

    /// Keeps `value` for `sql` as the most recently used (with a capacity of 0, nothing is kept: check
    /// ``capacity`` first, or `value` comes back at once). Returns what no longer fits (the least recently used) and
    /// any value `sql` had before: the caller closes them.
    package mutating func insert(_ value: Value, for sql: String) -> [Value] {
        guard capacity > 0 else { return [value] }
        var out: [Value] = []
        if let previous = entries.removeValue(forKey: sql) { out.append(previous.value) }
        while entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used }) {
            entries.removeValue(forKey: oldest.key)
            out.append(oldest.value.value)
        }
        clock += 1
        entries[sql] = (value, clock)
        return out
    }

    /// Forgets `sql`'s value and returns it.
    package mutating func remove(_ sql: String) -> Value? {
        entries.removeValue(forKey: sql)?.value
    }

    /// Forgets every value and returns them.
    package mutating func removeAll() -> [Value] {
        defer { entries = [:] }
        return entries.values.map(\.value)
    }
}
#endif
