import Foundation
import Testing

/// `kith migrate`, `import`, `export`, `backup` and `restore` as a user runs them.
@Suite struct StoreCommandTests {
    let folder: URL
    let environment = ["KITH_HOME": CheckCommandTests.repository.path]

    init() throws {
        folder = try CheckCommandTests.temporaryFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("modules"), withIntermediateDirectories: true)
        try Data(
            #"<workspace xmlns="urn:kith:1" name="w" timezone="Asia/Shanghai"><use module="core"/><modules path="modules"/></workspace>"#
                .utf8
        ).write(to: folder.appendingPathComponent("workspace.xml"))
    }

    func kith(_ arguments: [String]) throws -> CheckCommandTests.Run {
        try CheckCommandTests.kith(arguments + ["--workspace", folder.path], in: folder, environment: environment)
    }

    /// `kith serve` over the test workspace, on any free port (not started).
    func serve() -> Process {
        let process = Process()
        process.executableURL = CheckCommandTests.binary
        process.arguments = ["serve", "--workspace", folder.path, "--port", "0"]
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        return process
    }

    /// `kith serve` stops on SIGTERM and closes its database: no write-ahead log is left beside it.
    @Test func serveStopsCleanlyAndClosesTheDatabase() throws {
        let process = serve()
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("Kith is serving") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("Kith is serving"))
        let files = { (try? FileManager.default.subpathsOfDirectory(atPath: self.folder.path)) ?? [] }
        #expect(files().contains { $0.hasSuffix(".sqlite-wal") }, "a running server writes ahead")
        // While it serves, a restore would pull the file from under it: refused.
        let backup = folder.appendingPathComponent("backup.sqlite")
        #expect(try kith(["backup", backup.path]).status == 0)
        let restore = try kith(["restore", backup.path])
        #expect(restore.status == 1)
        #expect(restore.errors.contains("kith serve (process \(process.processIdentifier)) is serving"), "\(restore.errors)")
        // So would a migration that drops what it reads; one that adds is fine.
        let local = folder.appendingPathComponent("modules/local.xml")
        let vat = #"<module xmlns="urn:kith:1" name="w.local" version="1"><extend entity="customer"><field name="vat" type="text"/></extend></module>"#
        try Data(vat.utf8).write(to: local)
        #expect(try kith(["migrate"]).status == 0, "adding a field while it serves")
        try FileManager.default.removeItem(at: local)
        let dropping = try kith(["migrate", "--allow-destructive"])
        #expect(dropping.status == 1 && dropping.errors.contains("is serving") && dropping.errors.contains("then migrate"), "\(dropping.errors)")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(!files().contains { $0.hasSuffix(".sqlite-wal") }, "\(files())")
        #expect(try kith(["migrate", "--allow-destructive"]).status == 0, "stopped: the field is dropped")
        #expect(try kith(["restore", backup.path]).status == 0, "stopped: restored")
    }

    /// `kill -HUP` reloads a served workspace: a new module's entity gets its table, and the log
    /// says so; a broken module is refused with its file and line.
    @Test func serveReloadsTheWorkspaceOnHangUp() throws {
        let process = serve()
        let log = folder.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        /// Waits up to 30 s for the log to say `text`.
        func logSays(_ text: String) -> Bool {
            for _ in 0..<300 {
                if (try? String(contentsOf: log, encoding: .utf8))?.contains(text) == true { return true }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return false
        }
        #expect(logSays("Kith is serving"))
        let module = #"<module xmlns="urn:kith:1" name="fleet" version="1"><entity name="vehicle" label="Vehicle" title="plate"><field name="plate" type="txt"/></entity></module>"#
        let file = folder.appendingPathComponent("modules/fleet.xml")
        try Data(module.utf8).write(to: file)
        kill(process.processIdentifier, SIGHUP)
        #expect(logSays("workspace reload refused"))
        #expect(logSays("modules/fleet.xml:1:"), "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        try Data(module.replacingOccurrences(of: "txt", with: "text").utf8).write(to: file)
        kill(process.processIdentifier, SIGHUP)
        #expect(logSays("create table for entity 'vehicle'"), "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    /// `KITH_SQL_TRACE=1` writes every statement with its time to standard error (operations.md);
    /// without it, none.
    @Test func statementsAreTracedOnRequest() throws {
        let traced = try CheckCommandTests.kith(
            ["migrate", "--workspace", folder.path], in: folder, environment: environment.merging(["KITH_SQL_TRACE": "1"]) { _, new in new })
        #expect(traced.status == 0)
        let lines = traced.errors.split(separator: "\n").filter { $0.hasPrefix("sql ") }
        #expect(lines.contains { $0.contains("CREATE TABLE \"e_customer\"") }, "\(traced.errors.prefix(500))")
        #expect(lines.allSatisfy { $0.dropFirst(4).first?.isNumber == true }, "each with its time")
        let quiet = try kith(["migrate"])
        #expect(quiet.status == 0 && !quiet.errors.split(separator: "\n").contains { $0.hasPrefix("sql ") })
    }

    @Test func migrateShowsThePlanThenAppliesIt() throws {
        let dryRun = try kith(["migrate", "--dry-run"])
        #expect(dryRun.status == 0)
        #expect(dryRun.output.contains("create table for entity 'customer'"))
        #expect(dryRun.output.contains("CREATE TABLE \"e_customer\""))
        #expect(try kith(["migrate"]).status == 0)
        #expect(try kith(["migrate"]).output.contains("nothing to do"))
        // A field removed by a local module's change is destructive: refused without the flag.
        try Data(
            #"<module xmlns="urn:kith:1" name="w.local" version="1"><extend entity="customer"><field name="vat" type="text"/></extend></module>"#
                .utf8
        ).write(to: folder.appendingPathComponent("modules/local.xml"))
        #expect(try kith(["migrate"]).output.contains("applied: add field 'customer.vat'"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("modules/local.xml"))
        let refused = try kith(["migrate"])
        #expect(refused.status == 1)
        #expect(refused.errors.contains("drop field 'customer.vat'"))
        let applied = try kith(["migrate", "--allow-destructive"])
        #expect(applied.status == 0, "\(applied.errors)")
        #expect(applied.output.contains("backup taken first"))
    }

    @Test func importReportsBadRowsByLineAndExportWritesCSV() throws {
        let csv = folder.appendingPathComponent("customers.csv")
        try Data("name,phone,industry,credit_limit\nACME,13800138000,manufacturing,5000\nBad,call me,nope,\n".utf8).write(to: csv)
        let refused = try kith(["import", "customer", csv.path])
        #expect(refused.status == 1)
        #expect(refused.output.contains("\(csv.path):3: the customer was not saved"))
        #expect(refused.output.contains("nothing was imported"))
        let skipped = try kith(["import", "customer", csv.path, "--skip-invalid"])
        #expect(skipped.status == 0)
        #expect(skipped.output.contains("imported 1 of 2 rows into customer; 1 bad row skipped"))
        // Imported without an owner, the customer is in the public pool.
        let export = try kith(["export", "customer", "--view", "pool"])
        #expect(export.status == 0, "\(export.errors)")
        let lines = export.output.split(separator: "\n")
        #expect(lines.first == "name,industry,region,released_at")
        #expect(lines.dropFirst().map(String.init) == ["ACME,manufacturing,,"])
        #expect(try kith(["export", "customer", "--view", "mine"]).output.split(separator: "\n").count == 1)
        #expect(try kith(["export", "custmer"]).errors.contains("did you mean 'customer'?"))

        // Rows that look like a stored customer or an earlier row (the duplicate rules) are bad
        // rows, unless allowed.
        try Data("name,phone\nAcme.,\nNova Ltd,\nnova ltd,\n".utf8).write(to: csv)
        let duplicates = try kith(["import", "customer", csv.path, "--dry-run"])
        #expect(duplicates.status == 1)
        #expect(duplicates.output.contains("\(csv.path):2: likely duplicate: name: looks like 'ACME' (#1)"))
        #expect(duplicates.output.contains("\(csv.path):4: likely duplicate: name: looks like line 3 of the file"))
        #expect(duplicates.output.contains("2 bad rows; nothing was imported (fix them, or use --skip-invalid; --allow-duplicates imports"))
        #expect(try kith(["import", "customer", csv.path, "--dry-run", "--skip-invalid"]).output.contains("dry run: 1 of 3 rows would be imported, 2 bad rows skipped"))
        let allowed = try kith(["import", "customer", csv.path, "--allow-duplicates"])
        #expect(allowed.output.contains("imported 3 of 3 rows into customer"), "\(allowed.output)")
    }

    @Test func backupAndRestoreRoundTrip() throws {
        let csv = folder.appendingPathComponent("c.csv")
        try Data("name\nOne\n".utf8).write(to: csv)
        #expect(try kith(["import", "customer", csv.path]).status == 0)
        let backup = folder.appendingPathComponent("backups/one.sqlite")
        #expect(try kith(["backup", backup.path]).status == 0)
        try Data("name\nTwo\n".utf8).write(to: csv)
        #expect(try kith(["import", "customer", csv.path]).status == 0)
        #expect(try kith(["export", "customer"]).output.split(separator: "\n").count == 3)
        let restore = try kith(["restore", backup.path])
        #expect(restore.status == 0)
        #expect(try kith(["export", "customer"]).output.split(separator: "\n").count == 2)
        #expect(try kith(["restore", folder.appendingPathComponent("nothing.sqlite").path]).status == 1)
    }
}
