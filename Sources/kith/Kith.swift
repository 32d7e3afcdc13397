import ArgumentParser
import Foundation

/// `kith`: the command line of the Kith CRM platform.
struct Kith: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kith",
        abstract: "Kith: a CRM platform whose business model is data.",
        subcommands: [
            ServeCommand.self, DemoCommand.self, CheckCommand.self, TestCommand.self, MigrateCommand.self, BackupCommand.self, RestoreCommand.self, ImportCommand.self, ExportCommand.self, UserCommand.self, DepartmentCommand.self, TokenCommand.self,
        ]
    )
}

/// Runs `kith`, mapping command-line misuse to exit status 2 as `cli.md` says.
@main
enum Main {
    static func main() async {
        do {
            var command = try Kith.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if Kith.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((Kith.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            Kith.exit(withError: error)
        }
    }
}
