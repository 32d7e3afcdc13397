import Foundation
import Hummingbird
public import KithEngine
import KithStore
public import Logging
import NIOCore

/// Kith over HTTP (`http.md`): the generated HTML UI, the JSON API, `/healthz` and `/metrics`.
///
///     try await WebServer(engine: engine).run(host: "127.0.0.1", port: 8080)
public struct WebServer: Sendable {
    public let engine: Engine
    let sessions = SessionStore()
    let metrics = Metrics()
    let throttle: Throttle
    let logger: Logger
    let language: String

    /// `language`: the UI's language for users who chose none (`zh` or `en`). `apiRate`: requests a second each API caller may make (twice that in a burst).
    public init(engine: Engine, language: String = "zh", apiRate: Double = 500, logger: Logger = Logger(label: "kith.web")) {
        self.engine = engine
        self.language = language
        self.throttle = Throttle(rate: apiRate, burst: apiRate * 2)
        self.logger = logger
    }

    /// Sets how many threads read and write the sockets, once per process before the first server
    /// starts: half the cores. Requests are handled on Swift's own threads (one per core); as many
    /// socket threads again competed with them for the cores, and a get by id cost about a tenth
    /// more CPU (`NIO_SINGLETON_GROUP_LOOP_COUNT` overrides it).
    public static func prepareEventLoops() {
        guard ProcessInfo.processInfo.environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil else { return }
        NIOSingletons.groupLoopCountSuggestion = max(1, System.coreCount / 2)
    }

    /// Serves until SIGINT or SIGTERM (graceful shutdown). `onRunning` gets the bound port (useful
    /// with port 0).
    public func run(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let application = Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "Kith"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
        try await application.runService()
    }

    func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: ObserveMiddleware(metrics: metrics))
        router.add(middleware: LogRequestsMiddleware(.debug))  // every request with its id, at KITH_LOG=debug
        router.add(middleware: SecureCookiesMiddleware())
        let authenticator = Authenticator(engine: engine, sessions: sessions)
        router.get("healthz") { _, _ in health() }
        router.get("ping") { _, _ in "pong" }  // liveness without the database
        router.get("metrics") { _, _ in
            let states = engine.rules.pool
            let writes = engine.store.writeCounts
            let text = metrics.text(extra: [
                ("kith_up", "1 while the server runs.", 1),
                ("kith_rule_states_idle", "Ready Lua states in the pool.", Double(states.states)),
                ("kith_rule_states_bytes", "Memory held by the ready Lua states.", Double(states.bytes)),
                ("kith_store_writes_total", "Writes of requests taken into a transaction since the server started (committed or refused).", Double(writes.writes)),
                ("kith_store_write_transactions_total", "Transactions that held those writes (group commit).", Double(writes.transactions)),
                ("kith_store_writes_unfinished", "Writes waiting for the writer or under way.", Double(writes.unfinished)),
            ])
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("api/openapi.json") { _, _ in Response.json(OpenAPIDocument(schema: engine.schema).json) }
        API(engine: engine, throttle: throttle).register(on: router, authenticator: authenticator)
        Pages(engine: engine, sessions: sessions, authenticator: authenticator, defaultLanguage: language).register(on: router)
        return router
    }

    func health() -> Response {
        do {
            _ = try engine.read(as: .system) { try $0.userCount() }
            return .json(.object([("status", .string("ok")), ("database", .string("ok"))]))
        } catch {
            logger.error("health check: \(error)")
            return .json(.object([("status", .string("failing")), ("database", .string("unavailable"))]), status: .serviceUnavailable)
        }
    }
}
