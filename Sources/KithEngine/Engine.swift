public import Foundation
public import KithSchema
public import KithScript
public import KithStore
public import Logging

/// The domain over one workspace: records with their rules, workflows, schedules and the
/// directory. The UI, the API, imports and the command line all go through it.
///
///     let engine = try Engine.open(loaded)
///     let record = try engine.write(as: user) { try $0.create(entity, values) }
public final class Engine: Sendable {
    public let schema: Schema
    public let store: RecordStore
    public let rules: RuleRuntime
    public let logger: Logger
    /// An approver who owns the record is skipped (`<approvals skip-owner>` of the workspace).
    public let approvalsSkipOwner: Bool
    /// The workspace's language (`zh`, `en`): messages the engine writes are in the reader's own
    /// language, else in this one.
    public let language: String

    /// Each entity's hook functions per event, with their names joined as the rules state takes them.
    let hookChains: [String: [Hook.Event: HookChain]]
    let tokenCache = TokenCache()
    /// The latest rule faults of this process, for the admin page's rules status (a reloaded
    /// workspace's engine keeps its predecessor's).
    public let ruleFaults: RuleFaults

    public init(
        store: RecordStore, rules: RuleRuntime, logger: Logger = Logger(label: "kith"), approvalsSkipOwner: Bool = true, language: String = "en",
        ruleFaults: RuleFaults = RuleFaults()
    ) {
        self.ruleFaults = ruleFaults
        self.schema = store.schema
        self.approvalsSkipOwner = approvalsSkipOwner
        self.language = language
        self.store = store
        self.rules = rules
        self.logger = logger
        var chains: [String: [Hook.Event: HookChain]] = [:]
        for entity in store.schema.entities {
            for event in Hook.Event.allCases where event != .onTransition {
                let functions = entity.hooks.filter { $0.event == event }.map(\.function)
                if !functions.isEmpty { chains[entity.name, default: [:]][event] = HookChain(functions) }
            }
        }
        hookChains = chains
    }

    func hooks(_ entity: String, _ event: Hook.Event) -> HookChain? { hookChains[entity]?[event] }

    /// The largest request body the workspace accepts (`<limits request-body-mb>`), in bytes.
    public var requestBodyLimit: Int { rules.limits.requestBodyMB * 1024 * 1024 }

    /// Opens the workspace's database (migrating additively) and its rules.
    public static func open(_ loaded: LoadedWorkspace, clock: StoreClock = .system, logger: Logger = Logger(label: "kith")) throws
        -> Engine
    {
        let store = try RecordStore.open(
            at: loaded.workspace.databaseFile.path, schema: loaded.schema, timeZone: loaded.workspace.timeZone, clock: clock)
        return Engine(loaded, store: store, logger: logger)
    }

    /// An engine of `loaded` over `store`, with the workspace's scripts (their problems logged).
    convenience init(_ loaded: LoadedWorkspace, store: RecordStore, logger: Logger, ruleFaults: RuleFaults = RuleFaults()) {
        let workspace = loaded.workspace
        let rules = RuleRuntime(folders: workspace.scriptFolders, limits: workspace.limits)
        for problem in rules.problems { logger.error("script refused: \(problem)") }
        if let state = try? rules.acquire() {
            for failure in state.loadFailures { logger.error("script fails to load, its rules will fail: \(failure)") }
            rules.release(state)
        }
        self.init(
            store: store, rules: rules, logger: logger, approvalsSkipOwner: workspace.approvalsSkipOwner, language: workspace.language,
            ruleFaults: ruleFaults)
    }

    /// Runs `body` in one write transaction as `actor` with the rules watching every save:
    /// everything it and its hooks do commits together, or nothing does. After the commit, the
    /// `after-commit` hooks run (their failures are logged; the save stands).
    public func write<T>(as actor: Actor, _ body: (RecordTransaction) throws -> T) throws(RecordError) -> T {
        let session = RuleSession(engine: self)
        defer { session.finish() }
        let result = try store.write(as: actor, hooks: session) { transaction in
            try session.enter(transaction) { try body(transaction) }
        }
        runAfterCommit(session.takeAfterCommit(), as: actor)
        return result
    }

    /// Runs `body` as one write like `write(as:_:)`, for callers that must not hold a thread while
    /// they wait (the web server): it joins the store's next group commit, in a savepoint of its own.
    public func perform<T>(as actor: Actor, _ body: @escaping (RecordTransaction) throws -> T) async throws(RecordError) -> T {
        let session = RuleSession(engine: self)
        let result = try await store.perform(as: actor, hooks: session) { transaction in
            defer { session.finish() }  // the Lua state goes back to the pool on the writer's thread
            return try session.enter(transaction) { try body(transaction) }
        }
        for hook in session.takeAfterCommit() {
            do {
                try await perform(as: Actor(userID: actor.userID, departmentID: actor.departmentID, origin: .rule)) { transaction in
                    try self.afterCommit(hook, in: transaction)
                }
            } catch {
                logger.error("after-commit hook \(hook.function) on \(hook.entity) failed: \(error)")
            }
        }
        return result
    }

    /// Imports a CSV file with every row through the entity's rules (see `RecordTransfer.importCSV`).
    public func importCSV(
        _ entity: String, from file: URL, dryRun: Bool, skipInvalid: Bool, allowDuplicates: Bool = false, as actor: Actor,
        mapping: [String: String?]? = nil, progress: (@Sendable (Int) -> Void)? = nil
    ) throws(RecordError) -> ImportReport {
        let session = RuleSession(engine: self)
        defer { session.finish() }
        let access = try read(as: actor) { try self.access(entity, for: actor, in: $0) }
        let report = try RecordTransfer.importCSV(
            entity, from: file, into: store, dryRun: dryRun, skipInvalid: skipInvalid, allowDuplicates: allowDuplicates, as: actor,
            access: access, readable: { target, transaction throws(RecordError) in try self.access(target, for: actor, in: transaction) },
            hooks: session, mapping: mapping, progress: progress)
        let pending = session.takeAfterCommit()
        if report.applied {
            runAfterCommit(pending, as: actor)
            if report.imported >= 1_000 { try? store.analyze() }  // new statistics for the planner
        }
        return report
    }

    /// Reads in one read transaction (rules do not run on reads).
    public func read<T>(as actor: Actor, _ body: (RecordTransaction) throws -> T) throws(RecordError) -> T {
        try store.read(as: actor, body)
    }

    private func runAfterCommit(_ pending: [RuleSession.PendingHook], as actor: Actor) {
        for hook in pending {
            do {
                try write(as: Actor(userID: actor.userID, departmentID: actor.departmentID, origin: .rule)) { transaction in
                    try afterCommit(hook, in: transaction)
                }
            } catch {
                logger.error("after-commit hook \(hook.function) on \(hook.entity) failed: \(error)")
            }
        }
    }

    private func afterCommit(_ hook: RuleSession.PendingHook, in transaction: RecordTransaction) throws {
        guard let session = transaction.hooks as? RuleSession else { return }
        try session.invoke(hook.function, entity: hook.entity, context: hook.context)
    }

    /// What `actor` may read and write of `entity`: the roles' scopes for a person, everything for
    /// the engine and the command line (no user).
    public func access(_ entity: String, for actor: Actor, in transaction: RecordTransaction) throws(RecordError) -> AccessFilter {
        guard let id = actor.userID else { return .unrestricted }
        return try AccessPolicy.access(entity, for: try transaction.user(id: id), in: transaction).filter
    }

    /// What `user` may read of `entity`, or `forbidden` when no grant and no share lets them read
    /// any of it: the API, list pages and reports refuse alike.
    public func readable(_ entity: String, for user: DirectoryUser, in transaction: RecordTransaction) throws(RecordError)
        -> AccessFilter
    {
        let access = try self.access(entity, for: user, in: transaction)
        if access.readsNothing { throw RecordError.mayNotRead(entity) }
        return access
    }

    /// What a signed-in user (already read from the directory) may read and write of `entity`.
    public func access(_ entity: String, for user: DirectoryUser, in transaction: RecordTransaction) throws(RecordError) -> AccessFilter {
        try AccessPolicy.access(entity, for: user, in: transaction).filter
    }
}

/// Rule functions called together, in order, in one trip into Lua.
struct HookChain: Sendable {
    let functions: [FunctionReference]
    /// The names joined by spaces.
    let names: String

    init(_ functions: [FunctionReference]) {
        self.functions = functions
        names = functions.map(\.description).joined(separator: " ")
    }
}
