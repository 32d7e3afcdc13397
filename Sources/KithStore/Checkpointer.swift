import Foundation
import GRDB
import GRDBSQLite

/// Folds the write-ahead log back into the database file on a connection and thread of its own.
///
/// SQLite checkpoints inside the commit that takes the log past 1,000 pages: that write then also
/// copies the pages into the file and waits for its `fsync`, and every write queued behind it
/// waits too (the long tail of write latencies). Here the writer's commit only notes the log's
/// size (`sqlite3_wal_hook`, which replaces SQLite's own checkpointing on that connection), and a
/// passive checkpoint runs beside the writer. Should the log still reach `limit` pages, the writer
/// checkpoints itself, as SQLite would: readers may hold old pages, and the log only starts over
/// when a transaction begins with all of it copied back, which a writer committing back to back
/// never gives the checkpointer beside it (Benchmarks/README.md, fifteenth round).
final class Checkpointer: @unchecked Sendable {
    /// A checkpoint starts when the log holds this many pages (SQLite's own default).
    static let threshold: Int32 = 1_000
    /// The writer checkpoints in its commit past this many (about 240 MB of 4 KiB pages). Each time
    /// it waits for two syncs; under thousands of saves a second that happens every second or so.
    static let limit: Int32 = 60_000

    private let path: String
    private let configuration: Configuration
    private let queue = DispatchQueue(label: "kith.checkpoint", qos: .utility)
    private let lock = NSLock()
    private var scheduled = false
    private var closed = false
    private var connection: DatabaseQueue?
    private var checkpoints = 0
    private var logPages: Int32 = 0
    private var writerCheckpoint: UInt64 = 0

    init(path: String, configuration: Configuration) {
        self.path = path
        self.configuration = configuration
    }

    /// Checkpoints run so far beside the writer (for tests).
    var checkpointsRun: Int { lock.withLock { checkpoints } }

    /// The log's pages after the writer's last commit, and the microseconds the writer spent
    /// checkpointing in its commits since the last call (for `KITH_WRITE_TRACE`).
    func takeWriterFigures() -> (logPages: Int32, checkpointMicroseconds: UInt64) {
        lock.withLock {
            defer { writerCheckpoint = 0 }
            return (logPages, writerCheckpoint)
        }
    }

    /// Takes over checkpointing from SQLite on the writer's connection.
    func install(on db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, connection, _, pages in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
                if GroupCommit.tracing { checkpointer.lock.withLock { checkpointer.logPages = pages } }
                if pages >= Checkpointer.limit {
                    let start = DispatchTime.now().uptimeNanoseconds
                    sqlite3_wal_checkpoint_v2(connection, "main", SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                    if GroupCommit.tracing {
                        let time = (DispatchTime.now().uptimeNanoseconds - start) / 1_000
                        checkpointer.lock.withLock { checkpointer.writerCheckpoint += time }
                    }
                } else if pages >= Checkpointer.threshold {
                    checkpointer.schedule()
                }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func schedule() {
        let start = lock.withLock {
            guard !scheduled, !closed else { return false }
            scheduled = true
            return true
        }
        guard start else { return }
        queue.async {
            defer { self.lock.withLock { self.scheduled = false } }
            do {
                let connection = try self.lock.withLock { () throws -> DatabaseQueue? in
                    guard !self.closed else { return nil }
                    if self.connection == nil { self.connection = try DatabaseQueue(path: self.path, configuration: self.configuration) }
                    return self.connection
                }
                let started = DispatchTime.now().uptimeNanoseconds
                var log: Int32 = 0, copied: Int32 = 0
                try connection?.writeWithoutTransaction { db in
                    _ = sqlite3_wal_checkpoint_v2(db.sqliteConnection, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
                    Self.syncDatabaseFile(of: db)
                }
                if GroupCommit.tracing {  // `checkpoint START MICROSECONDS LOG-PAGES COPIED-PAGES`
                    let time = (DispatchTime.now().uptimeNanoseconds - started) / 1_000
                    FileHandle.standardError.write(Data("checkpoint \(started / 1_000) \(time) \(log) \(copied)\n".utf8))
                }
                self.lock.withLock { self.checkpoints += 1 }
            } catch {
                // Nothing is lost: the log keeps the pages, and the next commit asks again.
            }
        }
    }

    /// Makes the pages a checkpoint copied into the database file durable.
    ///
    /// SQLite syncs the file only at the end of a checkpoint that copied the whole log; one that
    /// commits overtook leaves its pages dirty in the file. Those piled up over the log's whole
    /// cycle, and the writer's own checkpoint at `limit` then synced them all, thousands of random
    /// pages, while every save waited (Benchmarks/README.md, sixteenth round). Syncing them here,
    /// beside the writer, leaves the writer only the last pages to sync. The call goes through
    /// SQLite's own file: a second descriptor on the database would drop its locks when closed.
    private static func syncDatabaseFile(of db: Database) {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
            let file, let sync = file.pointee.pMethods?.pointee.xSync
        else { return }
        _ = sync(file, SQLITE_SYNC_NORMAL)
    }

    /// Waits for a checkpoint under way and closes the checkpointer's connection.
    func close() throws {
        lock.withLock { closed = true }
        queue.sync {}
        try lock.withLock {
            try connection?.close()
            connection = nil
        }
    }
}
