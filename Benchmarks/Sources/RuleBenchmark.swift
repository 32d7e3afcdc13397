import Foundation
import KithEngine
import KithSchema
import KithScript
import KithStore

/// The rules runtime: hook overhead on saves, the budget hook's cost, the state pool.
struct RuleBenchmark {
    let installation: Installation
    let coreFiles: [URL]
    var rows: [(String, String)] = []
    /// Sections to run (all when empty): saves, core, invoke, pool, loop.
    var only: Set<String> = []

    func runs(_ section: String) -> Bool { only.isEmpty || only.contains(section) }

    static let module = """
        <module xmlns="urn:kith:1" name="bench" version="1">
          <entity name="plain_item" label="Plain">
            <field name="name" type="text" max="100" required="true"/>
            <field name="amount" type="money"/>
            <field name="note" type="text" max="200"/>
          </entity>
          <entity name="hooked_item" label="Hooked">
            <field name="name" type="text" max="100" required="true"/>
            <field name="amount" type="money"/>
            <field name="note" type="text" max="200"/>
            <hook event="before-save" function="bench.first"/>
            <hook event="before-save" function="bench.second"/>
          </entity>
        </module>
        """

    static let script = """
        local M = {}
        function M.first(ctx) end
        function M.second(ctx) end
        function M.touch(ctx) return ctx.record and ctx.record.name end
        function M.calls(ctx) for i = 1, 1000 do kith.count("x", {}) end end
        return M
        """

    init(installation: Installation, coreFiles: [URL]) {
        self.installation = installation
        self.coreFiles = coreFiles
    }

    mutating func run() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-rules-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("scripts"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.module.utf8).write(to: folder.appendingPathComponent("bench.xml"))
        try Data(Self.script.utf8).write(to: folder.appendingPathComponent("scripts/bench.lua"))
        let limits = Workspace.Limits()
        let loader = WorkspaceLoader(installation: installation)

        // Saves: plain vs two trivial hooks, in one transaction (no commit in the figure) and one per save.
        if runs("saves") { try saves(folder: folder, loader: loader, limits: limits) }
        if runs("core") { try coreRules(folder: folder, loader: loader, limits: limits) }
        if runs("invoke") { try invoke(limits: limits) }
        if runs("pool") { try pool(limits: limits) }
        if runs("loop") { try loop() }
    }

    mutating func saves(folder: URL, loader: WorkspaceLoader, limits: Workspace.Limits) throws {
        let schema = try loader.load(
            moduleFiles: [folder.appendingPathComponent("bench.xml")], scriptFolders: [folder.appendingPathComponent("scripts")])
        let store = try RecordStore.open(at: folder.appendingPathComponent("bench.sqlite").path, schema: schema, timeZone: .current)
        let engine = Engine(store: store, rules: RuleRuntime(folders: [folder.appendingPathComponent("scripts")], limits: limits))
        let values: [String: Value] = ["name": "Widget", "amount": .decimal(try ExactDecimal("12.50")), "note": "benchmark"]
        let batch = 5_000
        func batched(_ entity: String) throws -> Double {
            try measure(runs: 3) {
                try engine.write(as: .system) { transaction in
                    for _ in 0..<batch { _ = try transaction.createID(entity, values) }
                }
            } / Double(batch)
        }
        // Alternate the two so that neither measures a bigger database than the other.
        var plainRuns: [Double] = []
        var hookedRuns: [Double] = []
        for _ in 0..<3 {
            hookedRuns.append(try batched("hooked_item"))
            plainRuns.append(try batched("plain_item"))
        }
        let plain = plainRuns.sorted()[1]
        let hooked = hookedRuns.sorted()[1]
        rows.append(("create in a batch, no hooks (µs per record)", Self.format(plain * 1e6)))
        rows.append(("create in a batch, two trivial before-save hooks (µs per record)", Self.format(hooked * 1e6)))
        rows.append(("overhead per trivial hook call (µs)", Self.format((hooked - plain) / 2 * 1e6)))
        let single = 500
        let plainSaves = try measure(runs: 3) {
            for _ in 0..<single { _ = try engine.write(as: .system) { try $0.createID("plain_item", values) } }
        }
        let hookedSaves = try measure(runs: 3) {
            for _ in 0..<single { _ = try engine.write(as: .system) { try $0.createID("hooked_item", values) } }
        }
        rows.append(("saves, one transaction each, no hooks (ops/s)", Self.format(Double(single) / plainSaves)))
        rows.append(("saves, one transaction each, two trivial hooks (ops/s)", Self.format(Double(single) / hookedSaves)))
        try store.close()
    }

    /// The core's order rules: totals, credit check (before-save), level upgrade (after-save).
    mutating func coreRules(folder: URL, loader: WorkspaceLoader, limits: Workspace.Limits) throws {
        let core = try loader.load(moduleFiles: coreFiles, scriptFolders: [installation.scriptsFolder])
        let coreStore = try RecordStore.open(at: folder.appendingPathComponent("core.sqlite").path, schema: core, timeZone: .current)
        let coreEngine = Engine(store: coreStore, rules: RuleRuntime(folders: [installation.scriptsFolder], limits: limits))
        // 1,000 customers with credit limits; orders go round-robin (a few dozen per customer).
        let customers = try coreEngine.write(as: .system) { transaction in
            try (0..<1_000).map { index in
                try transaction.createID(
                    "customer", ["name": .text("Bench Co \(index)"), "credit_limit": .decimal(try ExactDecimal("100000000.00"))])
            }
        }
        var next = 0
        func order() -> [String: Value] {
            next += 1
            return ["customer": .integer(customers[next % customers.count])]
        }
        let lines: [String: [[String: Value]]] = ["order_line": [["description": "Pump", "quantity": 2, "price": "120.00"]]]
        let orders = 2_000
        let coreBatch = try measure(runs: 3) {
            try coreEngine.store.write(as: .system) { transaction in
                for _ in 0..<orders { _ = try transaction.createID("order", order(), lines: lines) }
            }
        } / Double(orders)
        let coreHooked = try measure(runs: 3) {
            try coreEngine.write(as: .system) { transaction in
                for _ in 0..<orders { _ = try transaction.createID("order", order(), lines: lines) }
            }
        } / Double(orders)
        rows.append(("order with a line, no rules (µs per order, batch)", Self.format(coreBatch * 1e6)))
        rows.append(("order with a line + totals, credit check, level rules (µs per order, batch)", Self.format(coreHooked * 1e6)))
        rows.append(("cost of the three order rules (µs per order)", Self.format((coreHooked - coreBatch) * 1e6)))
        try coreStore.close()
    }

    /// One invoke of a trivial function with a ten-field record.
    mutating func invoke(limits: Workspace.Limits) throws {
        let runtime = RuleRuntime(sources: ["bench": Self.script], limits: limits)
        let state = try runtime.acquire()
        let context = ScriptValue.table([
            "record": .table(
                Dictionary(uniqueKeysWithValues: (0..<10).map { ("field\($0)", ScriptValue.text("value \($0)")) }).merging(["name": .text("n")]) { $1 }),
            "event": .text("before-save"), "entity": .text("plain_item"),
        ])
        let calls = 100_000
        let host = BenchmarkHost()
        let touch = FunctionReference("bench.touch")!
        let invoke = try measure(runs: 5) {
            for _ in 0..<calls { _ = try state.invoke(touch, context: context, host: host, readsBack: false) }
        } / Double(calls)
        let readBack = try measure(runs: 5) {
            for _ in 0..<calls { _ = try state.invoke(touch, context: context, host: host) }
        } / Double(calls)
        rows.append(("invoke a rule with a ten-field record (µs per call)", Self.format(invoke * 1e6)))
        let thousand = FunctionReference("bench.calls")!
        let hostCalls = try measure(runs: 5) {
            for _ in 0..<100 { _ = try state.invoke(thousand, context: .table([:]), host: host) }
        } / 100_000
        rows.append(("a kith.* call from Lua to Swift and back (µs)", Self.format(hostCalls * 1e6)))
        let empty = ScriptValue.table([:])
        let bare = try measure(runs: 5) {
            for _ in 0..<calls { _ = try state.invoke(touch, context: empty, host: host, readsBack: false) }
        } / Double(calls)
        rows.append(("invoke a rule with an empty context (µs per call)", Self.format(bare * 1e6)))
        rows.append(("the same, reading the record back as before-save does (µs per call)", Self.format(readBack * 1e6)))
        // The same calls after other work has pushed Lua's data out of the CPU caches, as in a save.
        let cold = try afterMemoryTraffic { _ = try state.invoke(touch, context: context, host: host, readsBack: true) }
        rows.append(("the same after 2 MB of other memory traffic, as in a save (µs per call)", Self.format(cold)))
        let coldEmpty = try afterMemoryTraffic { _ = try state.invoke(touch, context: empty, host: host, readsBack: false) }
        rows.append(("an empty context after the same memory traffic (µs per call)", Self.format(coldEmpty)))
        runtime.release(state)
    }

    /// The state pool, and a fresh state with the core's twelve scripts.
    mutating func pool(limits: Workspace.Limits) throws {
        let calls = 100_000
        let pool = RuleRuntime(folders: [installation.scriptsFolder], limits: limits)
        let acquire = try measure(runs: 5) {
            for _ in 0..<calls { pool.release(try pool.acquire()) }
        } / Double(calls)
        rows.append(("state pool acquire + release (µs)", Self.format(acquire * 1e6)))
        let fresh = try measure(runs: 5) {
            for _ in 0..<50 { _ = try RuleState(library: pool.library, limits: limits) }
        } / 50
        rows.append(("new state with the core's 12 scripts loaded (µs)", Self.format(fresh * 1e6)))
    }

    /// One million VM instructions, with and without the budget's count hook.
    mutating func loop() throws {
        let loop = "local x = 0 for i = 1, 500000 do x = x + i end return tostring(x)"  // 2 instructions per turn
        let lua = try LuaState(memoryLimit: 64 << 20)
        let free = try measure(runs: 7) { try lua.run(loop, chunkName: "loop") }
        let budgeted = try measure(runs: 7) { try lua.run(loop, chunkName: "loop", instructionBudget: 5_000_000) }
        rows.append(("1M Lua instructions, no budget hook (ms)", Self.format(free * 1e3)))
        rows.append(("1M Lua instructions, with the budget hook (ms)", Self.format(budgeted * 1e3)))
        rows.append(("budget hook slowdown", Self.format(budgeted / free) + "x"))
    }

    /// Microseconds per `call`, each made after touching 2 MB of other memory (the traffic only is not timed).
    func afterMemoryTraffic(_ call: () throws -> Void) throws -> Double {
        var scratch = [UInt8](repeating: 1, count: 2 << 20)
        var spent: UInt64 = 0
        let calls = 5_000
        for _ in 0..<calls {
            for index in stride(from: 0, to: scratch.count, by: 64) { scratch[index] &+= 1 }
            let start = DispatchTime.now().uptimeNanoseconds
            try call()
            spent += DispatchTime.now().uptimeNanoseconds - start
        }
        return Double(spent) / Double(calls) / 1e3
    }

    /// The median seconds of `runs` runs (after one warm-up).
    func measure(runs: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    static func format(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.2f", value) }

    func table() -> String {
        (["| benchmark | value |", "|---|---|"] + rows.map { "| \($0.0) | \($0.1) |" }).joined(separator: "\n")
    }
}

final class BenchmarkHost: RuleHost {
    func perform(_ operation: HostOperation, _ arguments: [ScriptValue], _ call: RuleCall) throws(HostError) -> [ScriptValue] { [] }
}
