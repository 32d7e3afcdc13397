public import Foundation
public import KithSchema

/// The rules of a workspace: the script library in force and a pool of ready states.
///
///     let rules = try RuleRuntime(folders: workspace.scriptFolders, limits: workspace.limits)
///     let state = try rules.acquire()
///     defer { rules.release(state) }
///     let outcome = try state.invoke(function, context: ctx, host: host)
///
/// Scripts reload when their files change (looked at most once a second) or on `reload()`; a
/// changed script that does not compile is refused and its previous version stays in force.
public final class RuleRuntime: @unchecked Sendable {
    public let limits: Workspace.Limits
    public let testing: Bool
    private let folders: [URL]
    private let display: @Sendable (URL) -> String
    private let lock = NSLock()
    private var current: ScriptLibrary
    private var idle: [RuleState] = []
    private var lastLook = Date.distantPast
    /// Ready states kept between saves (writes are serialized, so few are ever in use).
    private let keptStates = 4

    /// Reads and compiles the scripts of `folders`. Scripts that do not compile are left out and
    /// returned in `problems`; `kith check` reports them before anything runs.
    public init(folders: [URL], limits: Workspace.Limits, testing: Bool = false, display: (@Sendable (URL) -> String)? = nil) {
        self.folders = folders
        self.limits = limits
        self.testing = testing
        let display = display ?? { Self.display($0, folders: folders) }
        self.display = display
        let (library, problems) = ScriptLibrary.read(folders: folders, tests: testing, display: display)
        current = library
        self.problems = problems
        lastLook = Date()
    }

    /// A runtime over fixed sources (tests, benchmarks): module path → Lua text.
    public init(sources: [String: String], limits: Workspace.Limits, testing: Bool = false) {
        folders = []
        self.limits = limits
        self.testing = testing
        display = { $0.path }
        current = ScriptLibrary(sources: sources)
        problems = []
    }

    /// How a script file is named in messages: relative to the current folder when inside it,
    /// else from its scripts folder ("scripts/credit.lua").
    public static func display(_ file: URL, folders: [URL]) -> String {
        let path = file.standardizedFileURL.path
        let current = FileManager.default.currentDirectoryPath + "/"
        if path.hasPrefix(current) { return String(path.dropFirst(current.count)) }
        for folder in folders {
            let base = folder.resolvingSymlinksInPath().standardizedFileURL.path + "/"
            let resolved = file.resolvingSymlinksInPath().standardizedFileURL.path
            if resolved.hasPrefix(base) { return folder.lastPathComponent + "/" + resolved.dropFirst(base.count) }
        }
        return path
    }

    /// Problems of the last (re)load: scripts refused, with file and line.
    public private(set) var problems: [RuleFailure]

    public var library: ScriptLibrary { lock.withLock { current } }

    /// A ready state for the library in force (reloading first if files changed).
    public func acquire() throws(RuleFailure) -> RuleState {
        reloadIfChanged()
        let (library, reused) = lock.withLock { () -> (ScriptLibrary, RuleState?) in
            while let state = idle.popLast() {
                if state.library.version == current.version { return (current, state) }
            }
            return (current, nil)
        }
        if let reused { return reused }
        return try RuleState(library: library, limits: limits, testing: testing)
    }

    /// Returns a state to the pool, unless it is spent, too big, or of an older library.
    public func release(_ state: RuleState) {
        let healthy = !state.isSpent && (limits.luaMemoryMB == 0 || state.memoryUsed < (limits.luaMemoryMB << 20) / 2)
        lock.withLock {
            if healthy && state.library.version == current.version && idle.count < keptStates { idle.append(state) }
        }
    }

    /// The ready states kept and the bytes they hold.
    public var pool: (states: Int, bytes: Int) {
        lock.withLock { (idle.count, idle.reduce(0) { $0 + $1.memoryUsed }) }
    }

    /// Re-reads the scripts if any file changed since the last look, at most once a second.
    public func reloadIfChanged() {
        guard !folders.isEmpty else { return }
        let due = lock.withLock { () -> Bool in
            guard Date().timeIntervalSince(lastLook) >= 1 else { return false }
            lastLook = Date()
            return true
        }
        if due { reload() }
    }

    /// Re-reads the scripts now. A new library is only put in force when a state loads it
    /// without error; otherwise the previous one stays and the problems say why.
    @discardableResult
    public func reload() -> [RuleFailure] {
        let base = library
        let (candidate, problems, changed) = base.reread(folders: folders, tests: testing, display: display)
        var refused = problems
        if changed {
            do {
                let state = try RuleState(library: candidate, limits: limits, testing: testing, strict: true)
                lock.withLock {
                    current = candidate
                    idle = [state]
                }
            } catch {
                refused.append(error)
            }
        }
        lock.withLock {
            self.problems = refused
            lastLook = Date()
        }
        return refused
    }
}
