import ArgumentParser
import Foundation
import KithEngine
import KithSchema
import Logging

/// `kith test`: run the Lua rule tests of `scripts/tests/`.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the Lua rule tests in scripts/tests/ against a throw-away copy of the workspace."
    )

    @OptionGroup var options: WorkspaceOptions

    @Argument(help: "Run only the test files or cases whose name contains this text.")
    var filter: String?

    func run() async throws {
        let loaded: LoadedWorkspace
        do {
            let loader = WorkspaceLoader(installation: try options.installation())
            loaded = try loader.load(workspaceAt: try options.folder())
        } catch let failure as CommandFailure {
            printError("kith: \(failure)")
            throw ExitCode(1)
        } catch let error as SchemaDiagnostics {
            for diagnostic in error.diagnostics { print(diagnostic) }
            printError("kith: the workspace has problems; fix them first (kith check)")
            throw ExitCode(1)
        }
        var logger = Logger(label: "kith.test")
        logger.logLevel = .info  // kith.log lines show beside the cases
        let run: RuleTestRun
        do {
            run = try RuleTestRun.run(loaded, filter: filter, logger: logger) { print($0) }
        } catch {
            printError("kith: cannot run the rule tests: \(error)")
            throw ExitCode(1)
        }
        if run.failed > 0 { throw ExitCode(1) }
    }
}
