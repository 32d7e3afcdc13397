import Foundation
import Hummingbird
public import KithEngine
import KithStore
public import Logging
import NIOCore

/// Kith over HTTP (`http.md`): the generated HTML UI, the JSON API, `/healthz` and `/metrics`.
///
///     try await WebServer(engine: engine).run(host: "127.0.0.1", port: 8080)
///
/// Sessions, API throttles, metrics and imports under way belong to the server: they outlive a
/// workspace reload, which only replaces the engine and the routes built from its schema.
public struct WebServer: Sendable {
    /// The workspace served; its engine changes when it reloads.
    public let workspace: ServedWorkspace
    let sessions = SessionStore()
    let metrics = Metrics()
    let imports = ImportJobs()
    let throttle: Throttle
    let logger: Logger
    let language: String?

    /// `language`: the UI's language for users who chose none (`zh` or `en`; nil: the workspace's,
    /// as it is after a reload). `apiRate`: requests a second each API caller may make (twice that in a burst).
    public init(workspace: ServedWorkspace, language: String? = nil, apiRate: Double = 500, logger: Logger = Logger(label: "kith.web")) {
        self.workspace = workspace
        self.language = language
        self.throttle = Throttle(rate: apiRate, burst: apiRate * 2)
        self.logger = logger
    }

    /// A server of `engine` alone (its workspace cannot reload).
    public init(engine: Engine, language: String? = nil, apiRate: Double = 500, logger: Logger = Logger(label: "kith.web")) {
        self.init(workspace: ServedWorkspace(engine: engine), language: language, apiRate: apiRate, logger: logger)
    }

    /// The engine in force.
    public var engine: Engine { workspace.engine }

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
            responder: responder(),
            configuration: .init(address: .hostname(host, port: port), serverName: "Kith"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
        try await application.runService()
    }

    /// Answers every request with the routes of the engine in force.
    func responder() -> WorkspaceResponder {
        WorkspaceResponder(workspace: workspace) { engine in router(engine).buildResponder() }
    }

    /// The routes of one engine: its schema's pages and API resources.
    func router(_ engine: Engine) -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: ObserveMiddleware(metrics: metrics))
        router.add(middleware: LogRequestsMiddleware(.debug))  // every request with its id, at KITH_LOG=debug
        router.add(middleware: SecureCookiesMiddleware())
        let authenticator = Authenticator(engine: engine, sessions: sessions)
        router.get("healthz") { _, _ in health(engine) }
        router.get("ping") { _, _ in "pong" }  // liveness without the database
        router.get("metrics") { _, _ in
            let states = engine.rules.pool
            let writes = engine.store.writeCounts
            let search = try? engine.store.searchBacklog()
            let text = metrics.text(extra: [
                ("kith_up", "1 while the server runs.", 1),
                ("kith_rule_states_idle", "Ready Lua states in the pool.", Double(states.states)),
                ("kith_rule_states_bytes", "Memory held by the ready Lua states.", Double(states.bytes)),
                (
                    "kith_store_writes_total",
                    "Writes of requests taken into a transaction since the server started (committed or refused).", Double(writes.writes)
                ),
                ("kith_store_write_transactions_total", "Transactions that held those writes (group commit).", Double(writes.transactions)),
                ("kith_store_writes_unfinished", "Writes waiting for the writer or under way.", Double(writes.unfinished)),
                (
                    "kith_search_notes_behind", "Changes to searched fields the full-text index has yet to apply.",
                    Double(search?.notes ?? -1)
                ),
                (
                    "kith_search_failing", "1 while the full-text index cannot catch up (searches still find every record, more slowly).",
                    search?.failure == nil ? 0 : 1
                ),
            ])
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("api/openapi.json") { _, _ in Response.json(OpenAPIDocument(schema: engine.schema).json) }
        API(engine: engine, throttle: throttle, workspace: workspace).register(on: router, authenticator: authenticator)
        Pages(
            engine: engine, workspace: workspace, sessions: sessions, imports: imports, authenticator: authenticator,
            defaultLanguage: language ?? engine.language
        ).register(on: router)
        return router
    }

    func health(_ engine: Engine) -> Response {
        do {
            _ = try engine.read(as: .system) { try $0.userCount() }
            return .json(.object([("status", .string("ok")), ("database", .string("ok"))]))
        } catch {
            logger.error("health check: \(error)")
            return .json(.object([("status", .string("failing")), ("database", .string("unavailable"))]), status: .serviceUnavailable)
        }
    }
}

/// Answers each request with the router of the engine in force. A reloaded workspace gets a new
/// router (its menus, pages and API resources), built by the first request after the reload;
/// requests under way finish on the router they started with.
final class WorkspaceResponder: HTTPResponder, @unchecked Sendable {
    typealias Context = WebContext
    private let workspace: ServedWorkspace
    private let build: @Sendable (Engine) -> RouterResponder<WebContext>
    private let lock = NSLock()
    private var engine: Engine
    private var routes: RouterResponder<WebContext>

    init(workspace: ServedWorkspace, build: @escaping @Sendable (Engine) -> RouterResponder<WebContext>) {
        self.workspace = workspace
        self.build = build
        engine = workspace.engine
        routes = build(engine)
    }

    func respond(to request: Request, context: WebContext) async throws -> Response {
        try await current().respond(to: request, context: context)
    }

    private func current() -> RouterResponder<WebContext> {
        let inForce = workspace.engine
        return lock.withLock {
            if engine !== inForce {
                engine = inForce
                routes = build(inForce)
            }
            return routes
        }
    }
}
