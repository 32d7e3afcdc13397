import Foundation
import KithStore

/// Imports started from the import page: rows done so far, then the report. Only the user who
/// started one sees it; finished ones are forgotten after an hour.
final class ImportJobs: @unchecked Sendable {
    struct Job {
        let entity: String
        let user: Int64
        let started: Date
        var rows = 0
        var report: ImportReport?
        var error: String?
        var isFinished: Bool { report != nil || error != nil }
    }

    private let lock = NSLock()
    private var jobs: [UUID: Job] = [:]

    func start(entity: String, user: Int64) -> UUID {
        let id = UUID()
        lock.withLock {
            jobs = jobs.filter { !$0.value.isFinished || $0.value.started.timeIntervalSinceNow > -3600 }
            jobs[id] = Job(entity: entity, user: user, started: Date())
        }
        return id
    }

    func progress(_ id: UUID, rows: Int) { lock.withLock { jobs[id]?.rows = rows } }

    func finish(_ id: UUID, report: ImportReport?, error: String?) {
        lock.withLock {
            jobs[id]?.report = report
            jobs[id]?.error = error
            if let report { jobs[id]?.rows = report.rows }
        }
    }

    func job(_ id: UUID, user: Int64) -> Job? { lock.withLock { jobs[id].flatMap { $0.user == user ? $0 : nil } } }
}
