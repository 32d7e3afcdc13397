import ArgumentParser
import Foundation
import KithEngine
import KithSchema
import KithStore
import KithWeb
import Logging

/// Runs the due schedules of the engine in force every half minute on a thread of their own (a
/// long schedule never holds up the web server's threads).
func startScheduler(_ workspace: ServedWorkspace) {
    let thread = Thread {
        while true {
            workspace.engine.runDueSchedules()
            Thread.sleep(forTimeInterval: 30)
        }
    }
    thread.name = "kith-scheduler"
    thread.start()
}

/// `kill -HUP` reloads the workspace (as the admin page's button does); the outcome goes to the log.
func reloadOnHangUp(_ workspace: ServedWorkspace, logger: Logger) {
    signal(SIGHUP, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    source.setEventHandler {
        // The server's operator, not a user: nothing refuses them.
        guard let outcome = try? workspace.reload(source: "SIGHUP") else { return }
        if outcome.succeeded {
            logger.info("workspace \(outcome.description)")
        } else {
            logger.error("workspace reload refused, the schema in force is unchanged:\n\(outcome.problems.joined(separator: "\n"))")
        }
    }
    source.resume()
    hangUpSource = source
}

/// Kept for the process's life (a signal source that is released stops listening).
nonisolated(unsafe) private var hangUpSource: (any DispatchSourceSignal)?

/// `kith serve`: migrate additively, start the scheduler, then serve the UI and the API until interrupted.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the web UI and the JSON API.")

    @OptionGroup var options: WorkspaceOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port).") var port = 8080
    @Option(help: "API requests a second allowed per user (bursts of twice that).") var apiRate = 500.0

    func run() async throws {
        let loaded = try loadWorkspace(options)
        do {
            try RecordStore.holdServingLock(database: loaded.workspace.databaseFile)
        } catch {
            printError("kith: \(error)")
            throw ExitCode(1)
        }
        let engine = try openEngine(loaded)
        let workspace = ServedWorkspace(engine: engine, folder: try options.folder(), loader: WorkspaceLoader(installation: try options.installation()))
        try fillNewDemo(engine, loaded)
        var logger = Logger(label: "kith.web")
        logger.logLevel = ProcessInfo.processInfo.environment["KITH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        for warning in loaded.warnings { logger.warning("\(warning)") }  // what kith check warns of
        startScheduler(workspace)
        reloadOnHangUp(workspace, logger: logger)
        WebServer.prepareEventLoops()
        let server = WebServer(workspace: workspace, apiRate: apiRate, logger: logger)
        try await server.run(host: host, port: port) { bound in
            FileHandle.standardOutput.write(Data("Kith is serving \(loaded.workspace.name) at http://\(host):\(bound)/\n".utf8))
        }
        // Stopped (SIGINT or SIGTERM): closing the database folds its write-ahead log back into the
        // file, so the folder holds one file again.
        do { try workspace.engine.store.close() } catch { logger.warning("the database did not close cleanly: \(error)") }
    }
}
