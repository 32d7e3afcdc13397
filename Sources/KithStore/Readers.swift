import Foundation
import GRDB

/// The store's read-only connections, each a `DatabaseQueue` taken from a stack for one read. A
/// read through GRDB's pool took a barrier queue, a semaphore, a group and a lock, and ran
/// `PRAGMA schema_version` before every read, a sixth of an API get. Nothing here caches the
/// schema: the store's statements are prepared by SQLite, which prepares them again after a
/// migration. The writer stays GRDB's pool, whose WAL files every reader shares.
final class Readers: @unchecked Sendable {
    private let path: String
    private let configuration: Configuration
    private let lock = NSLock()
    private var idle: [DatabaseQueue] = []
    private var opened = 0
    /// At most this many reads at once; more wait for a connection.
    private let slots: DispatchSemaphore

    init(path: String, configuration: Configuration, maximum: Int) {
        self.path = path
        var configuration = configuration
        configuration.readonly = true
        self.configuration = configuration
        slots = DispatchSemaphore(value: maximum)
    }

    /// Runs `body` on a reader inside one read transaction: every read sees one committed state.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let queue = try take()
        defer { lock.withLock { idle.append(queue) } }
        return try queue.inDatabase { db in
            if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }  // a failed COMMIT left one open
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            defer { try? db.cachedStatement(sql: "COMMIT").execute() }
            return try body(db)
        }
    }

    private func take() throws -> DatabaseQueue {
        let (reused, number): (DatabaseQueue?, Int) = lock.withLock {
            if let queue = idle.popLast() { return (queue, 0) }
            opened += 1
            return (nil, opened)
        }
        if let reused { return reused }
        // Each reader has its own label ("kith.reader.3"), never reused while the store is open:
        // the store's count cache keys counts by it.
        var configuration = configuration
        configuration.label = "kith.reader.\(number)"
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    func close() throws {
        let queues = lock.withLock {
            defer { idle.removeAll() }
            return idle
        }
        for queue in queues { try queue.close() }
    }
}
