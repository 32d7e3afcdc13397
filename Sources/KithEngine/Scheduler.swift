public import Foundation
import KithSchema
public import KithStore

/// The scheduler (提醒, 定时规则): runs each enabled schedule once per due cron slot in the
/// workspace's time zone. After downtime a schedule runs once for the latest missed slot, not
/// once per slot. Two processes on one database never run the same slot: each claims it with a
/// unique row first. Every run is recorded with its start, end, outcome and error; a failing
/// schedule does not stop the others.
extension Engine {
    /// Runs the schedules due at `now` (the server calls this every half minute); the runs made.
    @discardableResult
    public func runDueSchedules(at now: Date = Date()) -> [ScheduleRun] {
        var made: [ScheduleRun] = []
        for schedule in schema.schedules where schedule.isEnabled {
            guard let due = schedule.cron.latestFire(atOrBefore: now, timeZone: store.timeZone) else { continue }
            let slot = RecordStore.timestamp(due)
            do {
                let claim = try write(as: .system) { transaction -> Int64? in
                    let last = try transaction.lastScheduleSlot(schedule.name)
                    guard let last else {
                        // First sight of this schedule: its current slot is the baseline, not a run.
                        _ = try transaction.claimScheduleSlot(schedule.name, slot: slot, outcome: "baseline")
                        return nil
                    }
                    guard last < slot else { return nil }
                    let hourAgo = RecordStore.timestamp(now - 3600)
                    if try transaction.scheduleIsRunning(schedule.name, since: hourAgo) { return nil }
                    return try transaction.claimScheduleSlot(schedule.name, slot: slot)
                }
                guard let id = claim else { continue }
                if let run = try run(schedule.name, claimed: id) { made.append(run) }
            } catch {
                logger.error("scheduler: \(schedule.name): \(error)")
            }
        }
        return made
    }

    /// Runs every enabled schedule once, now, as the scheduler would (`kith demo`, so that its
    /// workspace has reminders, messages and runs to show). Each run is recorded; one that fails
    /// does not stop the others. The scheduler then goes on from the next slot.
    @discardableResult
    public func runEverySchedule(at now: Date = Date()) -> [ScheduleRun] {
        var made: [ScheduleRun] = []
        let slot = RecordStore.timestamp(now)
        for schedule in schema.schedules where schedule.isEnabled {
            do {
                guard let id = try write(as: .system, { try $0.claimScheduleSlot(schedule.name, slot: slot) }) else { continue }
                if let run = try run(schedule.name, claimed: id) { made.append(run) }
            } catch {
                logger.error("scheduler: \(schedule.name): \(error)")
            }
        }
        return made
    }

    /// Runs a schedule now at an administrator's request (the admin page's **Run now**): a run
    /// like the scheduler's, in the system log with who asked; refused while one is under way.
    /// A run of its function that fails is recorded as failed, not thrown.
    public func runScheduleNow(_ name: String, by user: DirectoryUser) throws(RecordError) -> ScheduleRun {
        guard schema.schedule(name) != nil else {
            throw RecordError(.notFound, entity: "", "there is no schedule '\(name)'")
        }
        let now = Date()
        let claim = try write(as: .system) { transaction -> Int64? in
            if try transaction.scheduleIsRunning(name, since: RecordStore.timestamp(now - 3600)) { return nil }
            try transaction.logEvent("schedule-run", user: user.id, login: user.login, detail: name)
            return try transaction.claimScheduleSlot(name, slot: RecordStore.timestamp(now))
        }
        guard let id = claim, let run = try run(name, claimed: id) else {
            throw RecordError(.wrongState, entity: "", "schedule '\(name)' is running now; try again when it has finished")
        }
        return run
    }

    /// Runs a schedule whose slot this process claimed and records how it ended.
    private func run(_ name: String, claimed id: Int64) throws(RecordError) -> ScheduleRun? {
        var outcome = "ok"
        var message: String?
        do {
            try runSchedule(name)
        } catch {
            outcome = "failed"
            message = [error.ruleLocation, error.description].compactMap { $0 }.joined(separator: ": ")
            logger.error("schedule \(name) failed: \(message ?? "")")
        }
        try write(as: .system) { try $0.finishScheduleRun(id, outcome: outcome, error: message) }
        return try read(as: .system) { try $0.scheduleRuns(name, limit: 1).first }
    }
}
