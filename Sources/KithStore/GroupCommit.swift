import Foundation
import GRDB

/// Writes of many callers committed together: each caller's write runs in a savepoint of one
/// transaction, and the transaction commits (one write of the log) for all of them.
///
/// Callers wait without holding a thread: their writes run on the store's writer queue, which
/// takes every write waiting when it starts a transaction. A write that fails is rolled back to its
/// savepoint alone and its caller gets the error; the others commit. If the commit itself fails,
/// every caller of the batch gets that error and nothing of the batch is stored.
final class GroupCommit: @unchecked Sendable {
    /// One caller's write: `run` does the work inside its savepoint, `finish` hears how it ended.
    struct Job {
        let run: (Database) throws -> Void
        let finish: ((any Error)?) -> Void
    }

    /// At most this many writes share one transaction, so that a long queue still commits often.
    static let batchLimit = 64
    /// `KITH_WRITE_TRACE=1`: a line on standard error per batch and per write (operations.md).
    static let tracing = ProcessInfo.processInfo.environment["KITH_WRITE_TRACE"] != nil

    private let pool: DatabasePool
    private let checkpointer: Checkpointer
    private let search: SearchIndex
    private let queue = DispatchQueue(label: "kith.writer", qos: .userInitiated)
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false
    private var inHand = 0
    private var transactions = 0
    private var writes = 0

    /// Writes not finished yet (waiting, or in the transaction under way), the transactions begun
    /// and the writes taken into them so far: for tests and metrics.
    var unfinished: Int { lock.withLock { pending.count + inHand } }
    var transactionsBegun: Int { lock.withLock { transactions } }
    var writesBegun: Int { lock.withLock { writes } }

    init(pool: DatabasePool, checkpointer: Checkpointer, search: SearchIndex) {
        self.pool = pool
        self.checkpointer = checkpointer
        self.search = search
    }

    /// Queues a write; `job.finish` is called on the writer queue once its batch is over.
    func add(_ job: Job) {
        let job = Self.tracing ? Self.traced(job) : job
        let start = lock.withLock {
            pending.append(job)
            if draining { return false }
            draining = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            let batch: [Job] = lock.withLock {
                let taken = Array(pending.prefix(Self.batchLimit))
                pending.removeFirst(taken.count)
                if taken.isEmpty { draining = false } else { transactions += 1 }
                writes += taken.count
                inHand = taken.count
                return taken
            }
            if batch.isEmpty { return }
            commit(batch)
            lock.withLock { inHand = 0 }
        }
    }

    private func commit(_ batch: [Job]) {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { if Self.tracing { trace(batch.count, started: started) } }
        var outcomes = [(any Error)?](repeating: nil, count: batch.count)
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for (index, job) in batch.enumerated() {
                        // The savepoint's statements are cached (GRDB's `inSavepoint` prepares them
                        // anew each time, a sixth of a small write).
                        do {
                            try db.run("SAVEPOINT kith_write")
                            try job.run(db)
                            try db.run("RELEASE kith_write")
                        } catch {
                            outcomes[index] = error
                            try? db.run("ROLLBACK TO kith_write")
                            try? db.run("RELEASE kith_write")
                        }
                    }
                    try search.trim(db)
                    return .commit
                }
            }
            search.wake()
        } catch {
            // The commit failed, or a failure (a full disk, an I/O error) ended the whole
            // transaction, after which GRDB refuses every statement and the commit: no write of
            // the batch is stored, and each caller hears so.
            for index in outcomes.indices where outcomes[index] == nil { outcomes[index] = error }
        }
        for (job, outcome) in zip(batch, outcomes) { job.finish(outcome) }
    }

    /// `batch START WRITES MICROSECONDS LOG-PAGES WRITER-CHECKPOINT-MICROSECONDS`, times in
    /// microseconds of the system's uptime.
    private func trace(_ writes: Int, started: UInt64) {
        let time = (DispatchTime.now().uptimeNanoseconds - started) / 1_000
        let (pages, checkpoint) = checkpointer.takeWriterFigures()
        FileHandle.standardError.write(Data("batch \(started / 1_000) \(writes) \(time) \(pages) \(checkpoint)\n".utf8))
    }

    /// The job, answering with `write QUEUED MICROSECONDS` on standard error: from when it was
    /// queued until its caller hears how it ended.
    private static func traced(_ job: Job) -> Job {
        let queued = DispatchTime.now().uptimeNanoseconds
        return Job(run: job.run) { error in
            let time = (DispatchTime.now().uptimeNanoseconds - queued) / 1_000
            FileHandle.standardError.write(Data("write \(queued / 1_000) \(time)\n".utf8))
            job.finish(error)
        }
    }
}

/// A value handed to the writer queue and back while its owner waits: it is used by one thread at
/// a time, so it need not be `Sendable` itself.
struct Handover<Value>: @unchecked Sendable {
    var value: Value

    /// A place the writer queue fills in for its owner.
    final class Box: @unchecked Sendable {
        var value: Value?
    }
}
