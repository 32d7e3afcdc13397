import ArgumentParser
import Foundation
import KithSchema
import KithScript

/// `kith check`: load and validate every module and script of a workspace.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load and validate every module and script; print each problem as file:line:col: message."
    )

    @OptionGroup var options: WorkspaceOptions

    func run() async throws {
        let installation: Installation
        let folder: URL
        do {
            installation = try options.installation()
            folder = try options.folder()
        } catch let failure as CommandFailure {
            printError("kith: \(failure)")
            throw ExitCode(1)
        }
        let loader = WorkspaceLoader(installation: installation)
        let loaded: LoadedWorkspace
        do {
            loaded = try loader.load(workspaceAt: folder)
        } catch {
            // The scripts are checked too, against the schema as far as it loaded: one pass
            // reports every problem.
            let scriptProblems = error.partial.map { ScriptSyntaxCheck.problems(in: $0) { loader.display($0) } } ?? []
            for diagnostic in error.diagnostics + scriptProblems { print(diagnostic) }
            let errors = error.diagnostics.filter { $0.severity == .error }.count + scriptProblems.count
            print("\(errors) problem\(errors == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
        for warning in loaded.warnings { print(warning) }
        let scriptProblems = ScriptSyntaxCheck.problems(in: loaded) { loader.display($0) }
        for problem in scriptProblems { print(problem) }
        guard scriptProblems.isEmpty else {
            print("\(scriptProblems.count) problem\(scriptProblems.count == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
        print("ok: \(loaded.schema.summary), \(loaded.scripts.count) scripts")
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
