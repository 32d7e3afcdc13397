import ArgumentParser
import Foundation
import KithEngine
import KithWeb
import Logging

/// Runs the due schedules every half minute on a thread of their own (a long schedule never
/// holds up the web server's threads).
func startScheduler(_ engine: Engine) {
    let thread = Thread {
        while true {
            engine.runDueSchedules()
            Thread.sleep(forTimeInterval: 30)
        }
    }
    thread.name = "kith-scheduler"
    thread.start()
}

/// `kith serve`: migrate additively, start the scheduler, then serve the UI and the API until interrupted.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the web UI and the JSON API.")

    @OptionGroup var options: WorkspaceOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port).") var port = 8080
    @Option(help: "API requests a second allowed per user (bursts of twice that).") var apiRate = 500.0

    func run() async throws {
        let loaded = try loadWorkspace(options)
        let engine = try openEngine(loaded)
        try fillNewDemo(engine, loaded)
        var logger = Logger(label: "kith.web")
        logger.logLevel = ProcessInfo.processInfo.environment["KITH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        startScheduler(engine)
        WebServer.prepareEventLoops()
        let server = WebServer(engine: engine, language: loaded.workspace.language, apiRate: apiRate, logger: logger)
        try await server.run(host: host, port: port) { bound in
            FileHandle.standardOutput.write(Data("Kith is serving \(loaded.workspace.name) at http://\(host):\(bound)/\n".utf8))
        }
        // Stopped (SIGINT or SIGTERM): closing the database folds its write-ahead log back into the
        // file, so the folder holds one file again.
        do { try engine.store.close() } catch { logger.warning("the database did not close cleanly: \(error)") }
    }
}
