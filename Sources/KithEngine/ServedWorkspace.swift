public import Foundation
public import KithSchema
import KithScript
public import KithStore

/// A workspace being served: the engine in force, replaced as a whole when the workspace's files
/// are loaded again (`reload`, from the admin page or on SIGHUP). A request keeps the engine it
/// started with, so it sees one schema from start to end.
///
///     let served = ServedWorkspace(engine: engine, folder: folder, loader: loader)
///     let outcome = try served.reload(by: admin)   // refused: the problems, and the engine in force is unchanged
public final class ServedWorkspace: @unchecked Sendable {
    /// What a reload did.
    public struct Reload: Sendable {
        public let at: Date
        /// How long loading, checking and migrating took.
        public let seconds: Double
        /// Why it was refused (`file:line:col: message`, or the database's reason); empty when the
        /// new schema is in force.
        public let problems: [String]
        /// What it changed in the database: the additive migration's steps, in words.
        public let changes: [String]
        /// What `kith check` warns of in the schema now in force (`file:line:col: warning: ...`).
        public let warnings: [String]
        /// Entities of the schema in force afterwards.
        public let entities: Int

        public var succeeded: Bool { problems.isEmpty }

        /// In words, for logs: what changed, or why nothing did.
        public var description: String {
            guard succeeded else { return "refused, the schema in force is unchanged: " + problems.joined(separator: "; ") }
            return (["reloaded in \(String(format: "%.2f", seconds)) s: \(entities) entities"] + changes + warnings).joined(separator: "; ")
        }
    }

    private let lock = NSLock()
    private var current: Engine
    private var last: Reload?
    /// Serializes reloads (a reload reads files and may migrate: it never holds `lock` meanwhile).
    private let reloading = NSLock()
    private let folder: URL?
    private let loader: WorkspaceLoader?

    /// `folder` and `loader`: where the workspace's files are, to load them again (without them
    /// the workspace cannot reload, as for an engine built in memory).
    public init(engine: Engine, folder: URL? = nil, loader: WorkspaceLoader? = nil) {
        self.current = engine
        self.folder = folder
        self.loader = loader
    }

    /// The engine in force.
    public var engine: Engine { lock.withLock { current } }

    /// The last reload since the server started, if any.
    public var lastReload: Reload? { lock.withLock { last } }

    /// Loads the workspace's modules and scripts again and, when they are sound, puts a new engine
    /// in force: the database gets the additive part of the migration first, in one transaction.
    /// Anything wrong (a module's or a script's problem, a destructive change, another database
    /// file) refuses the reload with every problem, and the engine in force stays as it was.
    /// `user`: who asked (only an administrator may), nil for the server's own operator (`SIGHUP`);
    /// `source`: from where, for the system log.
    @discardableResult
    public func reload(by user: DirectoryUser? = nil, source: String? = nil) throws(RecordError) -> Reload {
        if let user, !user.roles.contains(Role.administrator) {
            throw RecordError(.forbidden, entity: "", "only an administrator may reload the workspace")
        }
        return reloading.withLock {
            let engine = self.engine
            let started = Date()
            let outcome: Reload
            do throws(Refusal) {
                let (next, changes, warnings) = try prepare(from: engine)
                lock.withLock { current = next }
                outcome = Reload(
                    at: Date(), seconds: Date().timeIntervalSince(started), problems: [], changes: changes, warnings: warnings,
                    entities: next.schema.entities.count)
            } catch {
                outcome = Reload(
                    at: Date(), seconds: Date().timeIntervalSince(started), problems: error.problems, changes: [], warnings: [],
                    entities: engine.schema.entities.count)
            }
            lock.withLock { last = outcome }
            try? self.engine.store.write(as: .system) {
                try $0.logEvent(
                    outcome.succeeded ? "workspace-reloaded" : "workspace-reload-refused", user: user?.id, login: user?.login,
                    source: source,
                    detail: String(outcome.description.prefix(2_000)))
            }
            return outcome
        }
    }

    private struct Refusal: Error {
        let problems: [String]
        init(_ problems: [String]) { self.problems = problems }
    }

    /// The new engine, what its migration changed and what the check warns of, or every reason
    /// not to put it in force.
    private func prepare(from engine: Engine) throws(Refusal) -> (Engine, [String], [String]) {
        guard let folder, let loader else {
            throw Refusal(["this server was not started from a workspace folder, so it has nothing to reload"])
        }
        let loaded: LoadedWorkspace
        do {
            loaded = try loader.load(workspaceAt: folder)
        } catch {
            throw Refusal(error.diagnostics.map(\.description))
        }
        let scriptProblems = ScriptSyntaxCheck.problems(in: loaded) { loader.display($0) }
        if !scriptProblems.isEmpty { throw Refusal(scriptProblems.map(\.description)) }
        let database = loaded.workspace.databaseFile.standardizedFileURL.path
        guard database == URL(fileURLWithPath: engine.store.path).standardizedFileURL.path else {
            throw Refusal(["workspace.xml names another database file (\(loader.display(loaded.workspace.databaseFile))): restart the server to use it"])
        }
        do {
            let (store, plan) = try engine.store.reopened(schema: loaded.schema, timeZone: loaded.workspace.timeZone)
            let engine = Engine(loaded, store: store, logger: engine.logger, ruleFaults: engine.ruleFaults)
            return (engine, plan.steps.map(\.summary), loaded.warnings.map(\.description))
        } catch {
            throw Refusal([error.description])
        }
    }
}
