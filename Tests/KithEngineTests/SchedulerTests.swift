import Foundation
import KithEngine
import KithSchema
import KithScript
import KithStore
import Testing

/// The scheduler with explicit clocks: baseline, once per slot, catch-up once after a gap, no
/// double run with two engines on one database file, failures recorded without stopping others.
@Suite struct SchedulerTests {
    static let module = """
        <module xmlns="urn:kith:1" name="ticks" version="1">
          <entity name="tick" ownership="none" title="label">
            <field name="label" type="text" required="true"/>
          </entity>
          <schedule name="morning" cron="0 8 * * *" function="ticks.morning"/>
          <schedule name="broken" cron="0 8 * * *" function="ticks.broken"/>
        </module>
        """
    static let script = """
        local M = {}
        function M.morning(ctx) kith.create("tick", { label = ctx.today }) end
        function M.broken(ctx) error("the mail server is down") end
        return M
        """

    /// 2026-11-22 at `hour`:`minute` in Shanghai, `days` later.
    static func at(days: Int = 0, _ hour: Int, _ minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let start = calendar.date(from: DateComponents(year: 2026, month: 11, day: 22, hour: hour, minute: minute))!
        return calendar.date(byAdding: .day, value: days, to: start)!
    }

    @Test func runsOncePerSlotAndCatchesUpOnce() throws {
        let test = try TestEngine(module: Self.module, scripts: ["ticks": Self.script])
        let engine = test.engine

        #expect(engine.runDueSchedules(at: Self.at(9)).isEmpty)  // first sight: a baseline, no run
        #expect(try test.count("tick") == 0)

        let runs = engine.runDueSchedules(at: Self.at(days: 1, 8, 30))
        #expect(Set(runs.map(\.schedule)) == ["morning", "broken"])
        #expect(try test.count("tick") == 1)
        #expect(engine.runDueSchedules(at: Self.at(days: 1, 8, 45)).isEmpty)  // that slot is done

        // Three days down: one run for the latest slot, not three.
        let caughtUp = engine.runDueSchedules(at: Self.at(days: 4, 9))
        #expect(caughtUp.filter { $0.schedule == "morning" }.count == 1)
        #expect(try test.count("tick") == 2)

        // Failures are recorded with their error, and did not stop the other schedule.
        let recorded = try engine.read(as: .system) { try $0.scheduleRuns("broken") }
        #expect(recorded.filter { $0.outcome == "failed" }.count == 2)
        #expect(recorded.first?.error?.contains("the mail server is down") == true)
        #expect(recorded.first?.finishedAt != nil)
        let morning = try engine.read(as: .system) { try $0.scheduleRuns("morning") }
        #expect(morning.map(\.outcome) == ["ok", "ok", "baseline"])
    }

    @Test func twoProcessesOnOneDatabaseRunASlotOnce() async throws {
        let test = try TestEngine(module: Self.module, scripts: ["ticks": Self.script])
        _ = test.engine.runDueSchedules(at: Self.at(9))
        // A second engine over the same file, as a second `kith serve` would open it.
        let path = test.folder.appendingPathComponent("kith.sqlite").path
        let other = Engine(
            store: try RecordStore.open(at: path, schema: test.engine.schema, timeZone: TestEngine.zone, clock: .fixed(TestEngine.now)),
            rules: RuleRuntime(folders: [test.folder.appendingPathComponent("scripts")], limits: TestEngine.limits))
        let when = Self.at(days: 1, 8, 1)
        async let first = Task.detached { test.engine.runDueSchedules(at: when) }.value
        async let second = Task.detached { other.runDueSchedules(at: when) }.value
        let runs = await first + second
        #expect(runs.filter { $0.schedule == "morning" }.count == 1)
        #expect(try test.count("tick") == 1)
        try other.store.close()
    }
}
