import Foundation
import GRDB

/// Counts made by read transactions, for as long as the database they counted is unchanged.
/// A key holds the reader connection and its `PRAGMA data_version`, which SQLite changes for a
/// connection whenever any other connection commits; the query and its arguments carry the
/// caller's access filter, so one user's count never answers another's. Readers are named
/// ("kith.reader.3") once per store, so a reopened connection never reuses an old key.
final class CountCache: @unchecked Sendable {
    struct Key: Hashable {
        let connection: String
        let version: Int
        let sql: String
        let arguments: [DatabaseValue]
    }

    /// Past this many counts the cache starts again (most entries are then of older versions).
    static let limit = 2_000
    private let lock = NSLock()
    private var counts: [Key: Int] = [:]

    subscript(key: Key) -> Int? {
        get { lock.withLock { counts[key] } }
        set {
            lock.withLock {
                if counts.count >= Self.limit { counts.removeAll(keepingCapacity: true) }
                counts[key] = newValue
            }
        }
    }
}
