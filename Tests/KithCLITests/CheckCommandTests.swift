import Foundation
import Testing

/// `kith check` as a user runs it: the built binary, its output and exit status.
@Suite struct CheckCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `kith` binary SwiftPM built next to this test bundle.
    static var binary: URL {
        let candidates =
            [
                Bundle.main.bundleURL.appendingPathComponent("kith"),
                Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("kith"),
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kith"),
            ] + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent().appendingPathComponent("kith") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    static func kith(_ arguments: [String], in folder: URL = repository, environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KITH_HOME")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Standard error goes to a file: a second pipe read only after the first could fill up
        // and stop the command (a traced command writes a lot there).
        let output = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("kith-cli-errors-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errors = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errors.close()
        let err = try Data(contentsOf: errorFile)
        return Run(
            status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), errors: String(decoding: err, as: UTF8.self))
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test(arguments: ["examples/membership", "examples/distribution"])
    func cleanWorkspacesExitZeroWithASummary(_ workspace: String) throws {
        let run = try Self.kith(["check", "--workspace", workspace])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(run.output.hasPrefix("ok: 10 modules, "))
        #expect(run.output.contains(" entities, ") && run.output.contains(" workflows, ") && run.output.contains(" roles"))
    }

    @Test func withoutAWorkspaceCreatesTheDemoAndChecksIt() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.kith(["check"], in: folder, environment: ["KITH_HOME": Self.repository.path])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("workspace/workspace.xml").path))
        #expect(run.errors.contains("created a demo workspace"))
    }

    @Test func brokenWorkspacePrintsEveryProblemAndExitsOne() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("modules"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("scripts"), withIntermediateDirectories: true)
        try Data(
            #"<workspace xmlns="urn:kith:1" name="w"><use module="core"/><modules path="modules"/><scripts path="scripts"/></workspace>"#
                .utf8
        ).write(to: folder.appendingPathComponent("workspace.xml"))
        try Data(
            """
            <module xmlns="urn:kith:1" name="w.local" version="1">
              <extend entity="customer">
                <field name="segment" type="ref" entity="segmnt"/>
              </extend>
              <schedule name="nightly" cron="0 3 * * *" function="nightly.run"/>
            </module>
            """.utf8
        ).write(to: folder.appendingPathComponent("modules/local.xml"))
        let run = try Self.kith(["check", "--workspace", folder.path], in: folder, environment: ["KITH_HOME": Self.repository.path])
        #expect(run.status == 1)
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.contains("modules/local.xml:3:5: field 'segment' refers to unknown entity 'segmnt'"))
        #expect(lines.contains { $0.hasPrefix("modules/local.xml:5:3: schedule 'nightly' names function 'nightly.run'") })
        #expect(lines.last == "2 problems found")
    }

    @Test func scriptsThatDoNotCompileAreReported() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("scripts"), withIntermediateDirectories: true)
        try Data(#"<workspace xmlns="urn:kith:1" name="w"><use module="core"/><scripts path="scripts"/></workspace>"#.utf8)
            .write(to: folder.appendingPathComponent("workspace.xml"))
        try Data("local M = {}\nfunction M.x(\nreturn M\n".utf8).write(to: folder.appendingPathComponent("scripts/broken.lua"))
        let run = try Self.kith(["check", "--workspace", "."], in: folder, environment: ["KITH_HOME": Self.repository.path])
        #expect(run.status == 1)
        #expect(run.output.contains("scripts/broken.lua:3:1: Lua syntax error:"))
    }

    @Test func workspaceFolderWithoutWorkspaceXMLIsAnError() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.kith(["check", "--workspace", folder.path])
        #expect(run.status == 1)
        #expect(run.errors.contains("no workspace.xml"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("workspace.xml").path))
    }

    @Test func misuseOfTheCommandLineExitsTwo() throws {
        #expect(try Self.kith(["check", "--no-such-flag"]).status == 2)
        #expect(try Self.kith(["no-such-command"]).status == 2)
        #expect(try Self.kith(["--help"]).status == 0)
    }
}
