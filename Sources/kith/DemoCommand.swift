import ArgumentParser
import Foundation
import KithEngine
import KithSchema

/// `kith demo`: fill a workspace with sample departments, users and records.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Fill a workspace with realistic sample data.")

    @OptionGroup var options: WorkspaceOptions
    @Option(help: "Records per entity.") var records = 40

    func run() throws {
        let loaded = try loadWorkspace(options)
        let engine = try openEngine(loaded)
        try fillDemo(engine, records: records)
    }
}

/// Fills the demo workspace `kith` just created (its database has only the first admin).
func fillNewDemo(_ engine: Engine, _ loaded: LoadedWorkspace) throws {
    guard WorkspaceOptions.createdDemo, (try? engine.read(as: .system, { try $0.userCount() })) == 1 else { return }
    try fillDemo(engine, records: 40)
}

func fillDemo(_ engine: Engine, records: Int) throws {
    var demo = DemoData(engine: engine)
    do {
        let summary = try demo.fill(records: max(0, records))
        let total = summary.records.values.reduce(0, +)
        printError(
            "kith: demo data: \(summary.departments) departments, \(summary.users.count) users, \(total) records"
                + (summary.moves > 0 ? ", \(summary.moves) workflow steps" : "")
                + (summary.scheduleRuns > 0 ? ", \(summary.scheduleRuns) schedules run once" : ""))
        for (entity, reason) in summary.firstRefusal.sorted(by: { $0.key < $1.key }) {
            let made = summary.records[entity] ?? 0
            printError("kith: demo data: \(made) of \(records) \(entity) records; the rules refused others, as: \(reason)")
        }
        if !summary.users.isEmpty {
            printError("kith: demo users (password '\(summary.password)'): " + summary.users.map { "\($0.login) (\($0.roles.joined(separator: ",")))" }.joined(separator: ", "))
        }
    } catch {
        printError("kith: demo data: \(error)")
        throw ExitCode(1)
    }
}
