import Foundation
import KithEngine
import KithSchema
import KithScript
import KithStore

/// Access scopes on the hot paths: a list page and a count of opportunities as a sales rep (own),
/// a department manager (department subtree) and an executive (all), beside the same queries
/// without access. Owners and departments spread over 30 users in 7 departments; 400 shares.
struct AccessBenchmark {
    let installation: Installation
    let coreFiles: [URL]
    let records: Int
    var rows: [(String, String, String)] = []

    mutating func run() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-access-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["KITH_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(at: folder) } else { print(folder.path) } }
        let schema = try WorkspaceLoader(installation: installation).load(moduleFiles: coreFiles, scriptFolders: [installation.scriptsFolder])
        let store = try RecordStore.open(at: folder.appendingPathComponent("access.sqlite").path, schema: schema, timeZone: .current)
        let engine = Engine(store: store, rules: RuleRuntime(sources: [:], limits: Workspace.Limits()))
        try engine.addDepartment(name: "Group")
        for region in ["North", "South"] {
            try engine.addDepartment(name: region, parent: "Group")
            for branch in ["A", "B"] { try engine.addDepartment(name: "\(region) \(branch)", parent: region) }
        }
        let branches = ["North A", "North B", "South A", "South B"]
        var users: [DirectoryUser] = []
        for index in 0..<30 {
            users.append(try engine.addUser(login: "rep\(index)", roles: ["sales_rep"], department: branches[index % 4]))
        }
        let manager = try engine.addUser(login: "manager", roles: ["sales_manager"], department: "North")
        let executive = try engine.addUser(login: "executive", roles: ["executive"], department: "Group")
        let stages = ["qualify", "needs", "proposal", "negotiation", "won", "lost"]
        var generator = SystemRandomNumberGenerator()
        let started = Date()
        try store.write(as: .system) { transaction in
            let customer = try transaction.createID("customer", ["name": "Bench Co"])
            // Owner, stage and date drawn independently (a modulo pattern would give each rep one stage).
            for index in 0..<records {
                let owner = users[Int.random(in: 0..<users.count, using: &generator)]
                let month = Int.random(in: 1...12, using: &generator)
                let day = Int.random(in: 1...28, using: &generator)
                _ = try transaction.createID(
                    "opportunity",
                    [
                        "title": .text("Deal \(index)"), "customer": .integer(customer),
                        "stage": .text(stages[Int.random(in: 0..<6, using: &generator)]),
                        "close_date": .text("2026-\(String(format: "%02d", month))-\(String(format: "%02d", day))"),
                        "amount": .integer(Int64.random(in: 1_000...900_000, using: &generator)), "owner": .integer(owner.id),
                        "department": owner.departmentID.map(Value.integer) ?? .null,
                    ])
            }
            // Shares go to the second half of the reps: the first half have none.
            for index in 0..<400 {
                try transaction.share("opportunity", record: Int64(1 + index * 97 % records), user: users[15 + index % 15].id, canEdit: false)
            }
        }
        try store.analyze()
        FileHandle.standardError.write(Data("generated \(records) opportunities in \(Int(Date().timeIntervalSince(started))) s\n".utf8))
        let who: [(String, DirectoryUser?)] = [
            ("no access filter", nil), ("sales rep (own), nothing shared", users[0]), ("sales rep (own), with shares", users[15]),
            ("manager (department)", manager), ("executive (all)", executive),
        ]
        var baseline: (list: Double, count: Double) = (1, 1)
        for (label, user) in who {
            let access = try user.map { user in try engine.read(as: user.actor) { try AccessPolicy.access("opportunity", for: user, in: $0).filter } }
                ?? .unrestricted
            let actor = user?.actor ?? .system
            let list = try time(2_000) { index in
                _ = try store.query(
                    RecordQuery(
                        entity: "opportunity", filter: .condition(field: "stage", op: .eq, values: [.text(stages[index % 6])]),
                        sort: [.init("close_date", descending: true)], limit: 50), as: actor, access: access)
            }
            let count = try time(300) { index in
                _ = try store.read(as: actor) { transaction in
                    try transaction.aggregate(
                        AggregateQuery(entity: "opportunity", filter: .condition(field: "stage", op: .eq, values: [.text(stages[index % 6])]), aggregate: .count),
                        access: access)
                }
            }
            if user == nil { baseline = (list.p99, count.p50) }
            rows.append((
                label, "\(format(list.p50)) / \(format(list.p99)) (\(String(format: "%.2f", list.p99 / baseline.list))x)",
                "\(format(count.p50)) (\(String(format: "%.2f", count.p50 / baseline.count))x)"
            ))
        }
        try store.close()
    }

    func time(_ runs: Int, _ body: (Int) throws -> Void) throws -> (p50: Double, p99: Double) {
        for index in 0..<min(50, runs) { try body(index) }
        var samples: [Double] = []
        for index in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body(index)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
        }
        samples.sort()
        return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)])
    }

    func format(_ microseconds: Double) -> String { String(format: "%.0f", microseconds) }

    func table() -> String {
        (["| who | list page of 50, p50 / p99 µs (p99 vs none) | count with filter, p50 µs (vs none) |", "|---|---|---|"]
            + rows.map { "| \($0.0) | \($0.1) | \($0.2) |" }).joined(separator: "\n")
    }
}
