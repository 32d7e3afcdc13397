import Foundation
import GRDB

/// One run of a schedule: the cron slot it ran for, when, and how it ended.
public struct ScheduleRun: Sendable, Equatable {
    public let id: Int64
    public let schedule: String
    /// The cron minute the run stands for (UTC ISO 8601).
    public let slot: String
    public let startedAt: String
    public let finishedAt: String?
    /// `running`, `ok`, `failed`, or `baseline` (the first slot seen, not run).
    public let outcome: String
    public let error: String?
}

extension RecordTransaction {
    /// The latest slot recorded for the schedule (run or baseline).
    public func lastScheduleSlot(_ schedule: String) throws(RecordError) -> String? {
        try storage("schedule") {
            try String.fetchOne(db, sql: "SELECT max(slot) FROM kith_schedule_run WHERE schedule = ?", arguments: [schedule])
        }
    }

    /// Whether a run of the schedule started after `since` and has not finished.
    public func scheduleIsRunning(_ schedule: String, since: String) throws(RecordError) -> Bool {
        try storage("schedule") {
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM kith_schedule_run WHERE schedule = ? AND outcome = 'running' AND started_at > ?)",
                arguments: [schedule, since]) ?? false
        }
    }

    /// Claims a slot for this process: the new run's id, or nil when another process has it.
    public func claimScheduleSlot(_ schedule: String, slot: String, outcome: String = "running") throws(RecordError) -> Int64? {
        try storage("schedule") {
            try db.execute(
                sql: "INSERT OR IGNORE INTO kith_schedule_run (schedule, slot, started_at, outcome) VALUES (?, ?, ?, ?)",
                arguments: [schedule, slot, nowText, outcome])
            return db.changesCount == 1 ? db.lastInsertedRowID : nil
        }
    }

    public func finishScheduleRun(_ id: Int64, outcome: String, error: String?) throws(RecordError) {
        try storage("schedule") {
            try db.execute(
                sql: "UPDATE kith_schedule_run SET finished_at = ?, outcome = ?, error = ? WHERE id = ?", arguments: [nowText, outcome, error, id])
        }
    }

    /// The latest runs, of one schedule or all, newest first.
    public func scheduleRuns(_ schedule: String? = nil, limit: Int = 50) throws(RecordError) -> [ScheduleRun] {
        try storage("schedule") {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, schedule, slot, started_at, finished_at, outcome, error FROM kith_schedule_run
                    WHERE ? IS NULL OR schedule = ? ORDER BY id DESC LIMIT ?
                    """, arguments: [schedule, schedule, limit]
            ).map { ScheduleRun(id: $0[0], schedule: $0[1], slot: $0[2], startedAt: $0[3], finishedAt: $0[4], outcome: $0[5], error: $0[6]) }
        }
    }
}
