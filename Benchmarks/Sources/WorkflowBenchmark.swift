import Foundation
import KithEngine
import KithSchema
import KithScript
import KithStore

/// Workflows at scale (`kith-benchmarks workflow [CUSTOMERS]`): the core's follow-up reminder
/// schedule (`reminders.stale_followups`) over CUSTOMERS customers with the core's real rules,
/// and one approval step decision (the core's expense route) as the manager.
struct WorkflowBenchmark {
    let installation: Installation
    let coreFiles: [URL]
    let customers: Int
    var rows: [(String, String)] = []

    mutating func run() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-workflow-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let schema = try WorkspaceLoader(installation: installation).load(moduleFiles: coreFiles, scriptFolders: [installation.scriptsFolder])
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let now = Date()
        let store = try RecordStore.open(at: folder.appendingPathComponent("workflow.sqlite").path, schema: schema, timeZone: zone, clock: .fixed(now))
        let engine = Engine(store: store, rules: RuleRuntime(folders: [installation.scriptsFolder], limits: Workspace.Limits()))
        try engine.addDepartment(name: "Sales")
        let manager = try engine.addUser(login: "manager", roles: ["sales_manager"], department: "Sales")
        var reps: [DirectoryUser] = []
        for index in 0..<30 { reps.append(try engine.addUser(login: "rep\(index)", roles: ["sales_rep"], department: "Sales", manager: "manager")) }

        // Customers: level by share (normal 70%, silver 20%, gold 8%, vip 2%), last contact 0-200 days ago.
        let started = Date()
        var generator = SystemRandomNumberGenerator()
        let batch = 20_000
        for start in stride(from: 0, to: customers, by: batch) {
            try store.write(as: .system) { transaction in
                for index in start..<min(start + batch, customers) {
                    let roll = Int.random(in: 0..<100, using: &generator)
                    let level = roll < 70 ? "normal" : roll < 90 ? "silver" : roll < 98 ? "gold" : "vip"
                    let owner = reps[Int.random(in: 0..<reps.count, using: &generator)]
                    let contact = RecordStore.timestamp(now - Double(Int.random(in: 0...200, using: &generator)) * 86_400)
                    _ = try transaction.createID(
                        "customer",
                        [
                            "name": .text("Customer \(index)"), "level": .text(level), "owner": .integer(owner.id),
                            "department": owner.departmentID.map(Value.integer) ?? .null, "last_contact_at": .text(contact),
                        ])
                }
            }
        }
        try store.analyze()
        FileHandle.standardError.write(Data("generated \(customers) customers in \(Int(Date().timeIntervalSince(started))) s\n".utf8))

        var runs: [Double] = []
        var reminders = 0
        for _ in 0..<3 {
            let before = try store.read(as: .system) { try $0.inbox(of: reps[0].id, dueBy: "9999").count }
            let start = DispatchTime.now().uptimeNanoseconds
            try engine.runSchedule("stale_followups")
            runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            reminders = try store.read(as: .system) { try $0.inbox(of: reps[0].id, dueBy: "9999").count } - before
        }
        let total = try store.read(as: .system) { transaction in
            try transaction.aggregate(AggregateQuery(entity: "customer", aggregate: .count)).first?.count ?? 0
        }
        rows.append((
            "follow-up reminder schedule over \(total) customers (s, 3 runs)",
            runs.map { String(format: "%.2f", $0) }.joined(separator: " / ") + " (\(reminders) reminders for one of 30 reps per run)"
        ))

        // Approval decisions: submitted expenses, each approved by the manager (one step).
        var expenses: [Int64] = []
        for index in 0..<300 {
            let rep = reps[index % reps.count]
            expenses.append(
                try engine.write(as: rep.actor) { transaction in
                    let expense = try transaction.create("expense", ["title": .text("Trip \(index)"), "category": "travel", "amount": "300.00"])
                    try engine.transition("expense", id: expense.id, "submit", in: transaction)
                    return expense.id
                })
        }
        var decisions: [Double] = []
        for id in expenses {
            let start = DispatchTime.now().uptimeNanoseconds
            try engine.write(as: manager.actor) { transaction in _ = try engine.decide("expense", id: id, approve: true, comment: "ok", in: transaction) }
            decisions.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        decisions.sort()
        rows.append((
            "approval step decision, last step (ms, p50 / p99, 300 decisions)",
            String(format: "%.2f / %.2f", decisions[decisions.count / 2], decisions[decisions.count * 99 / 100])
        ))
        try store.close()
    }

    func table() -> String {
        (["| benchmark | value |", "|---|---|"] + rows.map { "| \($0.0) | \($0.1) |" }).joined(separator: "\n")
    }
}
