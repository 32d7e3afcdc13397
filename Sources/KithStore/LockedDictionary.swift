import Foundation

/// A dictionary shared between threads, behind a lock. With a `limit`, it starts again when full
/// (for caches whose old entries are rarely asked for again).
public final class LockedDictionary<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int?
    private var storage: [Key: Value] = [:]

    public init(limit: Int? = nil) { self.limit = limit }

    public subscript(key: Key) -> Value? {
        get { lock.withLock { storage[key] } }
        set {
            lock.withLock {
                if let limit, storage.count >= limit { storage.removeAll(keepingCapacity: true) }
                storage[key] = newValue
            }
        }
    }
}
