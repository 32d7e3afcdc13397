import ArgumentParser
import Foundation
import KithEngine
import KithSchema
import KithScript
import Logging
import KithStore

/// Loads the workspace's schema for a command; prints the problems and exits 1 when it has any.
func loadWorkspace(_ options: WorkspaceOptions) throws -> LoadedWorkspace {
    let loader: WorkspaceLoader
    let folder: URL
    do {
        loader = WorkspaceLoader(installation: try options.installation())
        folder = try options.folder()
    } catch {
        printError("kith: \(error)")
        throw ExitCode(1)
    }
    do {
        return try loader.load(workspaceAt: folder)
    } catch {
        for diagnostic in error.diagnostics { printError(diagnostic.description) }
        printError("kith: the workspace has problems; `kith check` lists them")
        throw ExitCode(1)
    }
}

/// Opens the workspace's database; additive migration applies unless `migrate` is false.
func openStore(_ loaded: LoadedWorkspace, migrate: Bool = true) throws -> RecordStore {
    let creating = !FileManager.default.fileExists(atPath: loaded.workspace.databaseFile.path)
    let store: RecordStore
    do {
        store = try RecordStore.open(
            at: loaded.workspace.databaseFile.path, schema: loaded.schema, timeZone: loaded.workspace.timeZone, migrate: migrate)
    } catch {
        printError("kith: \(error)")
        throw ExitCode(1)
    }
    if creating { try announceFirstAdministrator(Engine(store: store, rules: RuleRuntime(sources: [:], limits: loaded.workspace.limits))) }
    return store
}

/// The first command that creates a workspace's database creates its first admin user and
/// prints the initial password, once.
func announceFirstAdministrator(_ engine: Engine) throws {
    do {
        if let password = try engine.createFirstAdministrator() {
            printError("kith: created the first admin user 'admin'; initial password: \(password) (shown once: change it after signing in)")
        }
    } catch {
        printError("kith: cannot create the first admin user: \(error)")
        throw ExitCode(1)
    }
}

/// The workspace's engine: its database (migrated additively) and its rules.
func openEngine(_ loaded: LoadedWorkspace) throws -> Engine {
    var logger = Logger(label: "kith")
    logger.logLevel = .warning
    let creating = !FileManager.default.fileExists(atPath: loaded.workspace.databaseFile.path)
    let engine: Engine
    do {
        engine = try Engine.open(loaded, logger: logger)
    } catch {
        printError("kith: \(error)")
        throw ExitCode(1)
    }
    if creating { try announceFirstAdministrator(engine) }
    return engine
}

/// The command line acts as the administrator: everything allowed, as a person (read-only fields stay read-only).
let commandLineActor = Actor(userID: nil, departmentID: nil, origin: .user)

/// `kith migrate`: show or apply the storage plan.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Show or apply the plan that brings the database to the schema.")

    @OptionGroup var options: WorkspaceOptions
    @Flag(help: "Print the plan in words and SQL without changing anything.") var dryRun = false
    @Flag(help: "Also apply steps that drop or convert stored data, after taking a backup.") var allowDestructive = false

    func run() throws {
        let loaded = try loadWorkspace(options)
        let store = try openStore(loaded, migrate: false)
        let plan = try store.pendingPlan()
        if dryRun {
            print(plan.report)
            if plan.isDestructive { print("\nDestructive steps need `kith migrate --allow-destructive`, which takes a backup first.") }
            return
        }
        guard !plan.isEmpty else {
            print("The database matches the schema; nothing to do.")
            return
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let backup = loaded.workspace.backupsFolder.appendingPathComponent("before-migrate-\(stamp).sqlite")
        do {
            try store.migrate(allowDestructive: allowDestructive, backup: backup)
        } catch {
            printError("kith: \(error)")
            throw ExitCode(1)
        }
        print(plan.steps.map { "applied: " + $0.summary }.joined(separator: "\n"))
        if plan.isDestructive { print("backup taken first: \(backup.path)") }
    }
}

/// `kith backup FILE`: a consistent copy while the workspace is in use.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Write a consistent online backup of the database.")

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The backup file to write.") var file: String

    func run() throws {
        let store = try openStore(try loadWorkspace(options), migrate: false)
        let target = URL(fileURLWithPath: file)
        do {
            try store.backup(to: target)
        } catch {
            printError("kith: cannot write the backup: \(error)")
            throw ExitCode(1)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
        print("backup written to \(target.path) (\(size) bytes)")
    }
}

/// `kith restore FILE`: replace a stopped workspace's database with a backup.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Replace the database with a backup (stop `kith serve` first).")

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The backup file to restore.") var file: String

    func run() throws {
        let loaded = try loadWorkspace(options)
        do {
            let previous = try RecordStore.restore(backup: URL(fileURLWithPath: file), into: loaded.workspace.databaseFile)
            print("restored \(file) into \(loaded.workspace.databaseFile.path)")
            if let previous { print("the database it replaced is kept as \(previous.path)") }
        } catch {
            printError("kith: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `kith import ENTITY FILE.csv`: bulk data in through the same rules as the UI.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import records from a CSV file.")

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The entity to import into.") var entity: String
    @Argument(help: "The CSV file; its header names the fields.") var file: String
    @Flag(help: "Check every row and report, storing nothing.") var dryRun = false
    @Flag(help: "Store the good rows and report the bad ones (by default one bad row refuses the whole import).") var skipInvalid = false
    @Flag(help: "Also import rows that look like stored records or earlier rows by the entity's duplicate rules.") var allowDuplicates = false

    func run() throws {
        let engine = try openEngine(try loadWorkspace(options))
        let showProgress = isatty(2) != 0
        let report: ImportReport
        let progress: (@Sendable (Int) -> Void)? = showProgress ? printProgress : nil
        do {
            report = try engine.importCSV(
                entity, from: URL(fileURLWithPath: file), dryRun: dryRun, skipInvalid: skipInvalid, allowDuplicates: allowDuplicates,
                as: commandLineActor, progress: progress)
        } catch {
            printError("kith: \(error)")
            throw ExitCode(1)
        }
        if showProgress { printError("") }
        for problem in report.problems { print("\(file):\(problem.line): \(problem.message)") }
        let bad = "\(report.problems.count) bad row\(report.problems.count == 1 ? "" : "s")"
        let duplicates = report.problems.contains { $0.fields.contains { $0.reason?.code == "likely_duplicate" } }
        let hint = "(fix them, or use --skip-invalid" + (duplicates ? "; --allow-duplicates imports likely duplicates too)" : ")")
        if report.applied {
            print("imported \(report.imported) of \(report.rows) rows into \(entity)" + (report.problems.isEmpty ? "" : "; \(bad) skipped"))
        } else if dryRun && (report.problems.isEmpty || skipInvalid) {
            print(
                "dry run: \(report.imported) of \(report.rows) rows would be imported"
                    + (report.problems.isEmpty ? "" : ", \(bad) skipped") + "; nothing was stored")
        } else {
            print("\(bad); nothing was imported \(hint)")
            throw ExitCode(1)
        }
    }
}

/// `kith export ENTITY [--view V]`: records as CSV on standard output.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export records as CSV to standard output.")

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The entity to export.") var entity: String
    @Option(help: "A view of the entity: its filter, sort and columns.") var view: String?

    func run() throws {
        let loaded = try loadWorkspace(options)
        let store = try openStore(loaded)
        guard let definition = loaded.schema.entity(entity) else {
            printError(
                "kith: unknown entity '\(entity)'"
                    + (NameSuggestion.closest(to: entity, among: loaded.schema.entities.map(\.name)).map { " (did you mean '\($0)'?)" }
                        ?? ""))
            throw ExitCode(1)
        }
        var query = RecordQuery(entity: entity)
        var columns: [String]?
        if let view {
            guard let chosen = definition.view(view) else {
                printError("kith: entity '\(entity)' has no view '\(view)'")
                throw ExitCode(1)
            }
            query.filter = RecordFilter(chosen.filter, variables: store.variables(for: commandLineActor))
            query.sort = chosen.sorts.map { RecordQuery.Sort($0.field, descending: $0.descending) }
            columns = chosen.columns.map(\.field)
        }
        guard let output = OutputStream(toFileAtPath: "/dev/stdout", append: true) else { throw ExitCode(1) }
        output.open()
        do {
            try RecordTransfer.exportCSV(query, columns: columns, from: store, to: output, as: commandLineActor, access: .unrestricted)
        } catch {
            printError("kith: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `12000 rows read`, rewritten in place on the terminal.
@Sendable func printProgress(_ rows: Int) {
    let line = "\r\(rows) rows read"
    _ = line.withCString { write(2, $0, strlen($0)) }
}
