internal import CLua
internal import CLuaShim
public import KithSchema

/// A Lua state ready to run rules: the prelude, every script of a library compiled and its
/// modules loaded. Borrowed from a `RulePool` for one save; one thread at a time.
public final class RuleState {
    let lua: LuaState
    public let library: ScriptLibrary
    let instructionBudget: Int
    /// Serves `kith.*` calls during `invoke`.
    var host: (any RuleHost)?
    /// Set when a call ran out of memory or budget: the pool closes the state instead of reusing it.
    public private(set) var isSpent = false
    private var invokeReference: Int32 = 0
    private var definesReference: Int32 = 0
    private var runReference: Int32 = 0
    private var requireReference: Int32 = 0
    /// The Lua thread inside a `kith.*` call being served: nested calls run on it.
    private var servedThread: OpaquePointer?
    /// The parts of running contexts Lua fetches on first read, innermost call last.
    private var contextParts: [(token: Int64, parts: Parts)] = []
    private var nextToken: Int64 = 0

    /// Makes a context's lazy part (`lazyFields`) by name, only when a rule reads it.
    public typealias Parts = (String) -> ScriptValue?
    /// Context fields marshalled only when a rule reads them.
    public static let lazyFields: Set<String> = ["record", "old", "lines", "user"]

    /// Modules whose top level failed: their functions fail when called, the others work.
    public private(set) var loadFailures: [RuleFailure] = []

    /// A state for `library`; with `testing`, the library's rule tests and `kith.test` too. Every
    /// module is loaded; with `strict` the first that fails to load fails the state (reloads and
    /// `kith check`), otherwise it is kept in `loadFailures` so one broken script does not stop
    /// the rules of the others.
    public init(library: ScriptLibrary, limits: Workspace.Limits, testing: Bool = false, strict: Bool = false) throws(RuleFailure) {
        do {
            lua = try LuaState(memoryLimit: limits.luaMemoryMB << 20)
        } catch {
            throw RuleFailure(kind: .memory, message: error.message)
        }
        instructionBudget = limits.luaInstructions
        self.library = library
        CLuaShim_setHost(lua.pointer, ruleHostEntry, Unmanaged.passUnretained(self).toOpaque())
        try openPrelude(testing: testing)
        for module in library.modules where !module.isTest {
            do {
                try call(requireModule: module.path)
            } catch {
                if strict { throw error }
                loadFailures.append(error)
            }
        }
    }

    deinit { CLuaShim_setHost(lua.pointer, nil, nil) }

    /// Bytes the state holds.
    public var memoryUsed: Int { lua.memoryUsed }

    private var thread: OpaquePointer { servedThread ?? lua.pointer }

    private func openPrelude(testing: Bool) throws(RuleFailure) {
        let stack = lua.stack
        do {
            try lua.load(Prelude.source, chunkName: "kith/prelude.lua")
        } catch {
            throw RuleFailure(kind: .syntax, message: error.message)
        }
        CLuaShim_newTable(thread, 0, Int32(HostOperation.allCases.count))
        for operation in HostOperation.allCases {
            stack.push(operation.rawValue)
            CLuaShim_pushHostFunction(thread, operation.code)
            lua_rawset(thread, -3)
        }
        CLuaShim_newTable(thread, 0, Int32(library.modules.count))
        for module in library.modules where testing || !module.isTest {
            stack.push(module.path)
            do {
                try lua.load(module.text, chunkName: module.display)
            } catch {
                stack.pop(3)
                throw RuleFailure.fromLua(error.message, kind: .syntax)
            }
            lua_rawset(thread, -3)
        }
        CLuaShim_getRegistry(thread, "kith.decimal.new")
        CLuaShim_getRegistry(thread, "kith.setenv")
        lua_pushboolean(thread, testing ? 1 : 0)
        CLuaShim_newTable(thread, 0, 1)
        lua_pushvalue(thread, -1)
        CLuaShim_setRegistry(thread, "kith.status")
        let status = CLuaShim_call(thread, 6, 4, 0)
        guard status == LUA_OK else { throw failure(status: status, budget: 0) }
        runReference = CLuaShim_ref(thread)
        definesReference = CLuaShim_ref(thread)
        requireReference = CLuaShim_ref(thread)
        invokeReference = CLuaShim_ref(thread)
    }

    private func call(requireModule path: String) throws(RuleFailure) {
        CLuaShim_pushRef(thread, requireReference)
        lua.stack.push(path)
        let status = CLuaShim_call(thread, 1, 0, Int64(instructionBudget))
        guard status == LUA_OK else { throw failure(status: status, budget: instructionBudget) }
    }

    /// What a call returned: the function's result and, for calls that read the record back
    /// (before-save hooks), the fields it set in `ctx.record`, those it removed, and `ctx.lines`.
    public struct Outcome: Sendable {
        public var result: ScriptValue
        public var changes: [String: ScriptValue]
        public var removed: [String]
        public var lines: ScriptValue
    }

    /// Calls `function(ctx)` with `host` serving its `kith.*` calls. With `readsBack`, what the
    /// function changed in `ctx.record` and `ctx.lines` comes back too.
    public func invoke(_ function: FunctionReference, context: ScriptValue, host: any RuleHost, readsBack: Bool = false) throws(RuleFailure)
        -> Outcome
    {
        var eager = context.fields ?? [:]
        var lazy: [String: ScriptValue] = [:]
        for name in Self.lazyFields {
            if let value = eager.removeValue(forKey: name) { lazy[name] = value }
        }
        return try invoke(
            [function], chain: function.description, context: eager, parts: { lazy[$0] }, host: host, readsBack: readsBack)
    }

    /// Calls each function with the same `ctx`, in order, in one trip into Lua (the hooks of one
    /// event; `chain` is their names joined by spaces). `parts` makes the context's big parts
    /// (`lazyFields`), only if a rule reads them. The outcome is the last function's result and
    /// what they changed together; a failure names the function that failed.
    public func invoke(
        _ functions: [FunctionReference], chain: String, context: [String: ScriptValue], parts: @escaping Parts,
        host: any RuleHost, readsBack: Bool = false, budget: Int? = nil
    ) throws(RuleFailure) -> Outcome {
        let instructionBudget = budget ?? self.instructionBudget
        let previous = self.host
        self.host = host
        defer { self.host = previous }
        let stack = lua.stack
        let base = stack.top
        defer { lua_settop(thread, base) }
        nextToken += 1
        let token = nextToken
        contextParts.append((token, parts))
        defer { contextParts.removeLast() }
        CLuaShim_pushRef(thread, invokeReference)
        stack.push(chain)
        stack.push(.table(context))
        lua_pushboolean(thread, readsBack ? 1 : 0)
        lua_pushinteger(thread, token)
        let status = CLuaShim_call(thread, 4, readsBack ? 4 : 1, Int64(instructionBudget))
        guard status == LUA_OK else {
            var failure = failure(status: status, budget: instructionBudget)
            failure.function = runningFunction() ?? functions.first?.description
            throw failure
        }
        var references: [Int32] = []
        do {
            guard readsBack else { return Outcome(result: try stack.read(-1, references: &references), changes: [:], removed: [], lines: .null) }
            return Outcome(
                result: try stack.read(-4, references: &references), changes: try stack.read(-3, references: &references).fields ?? [:],
                removed: (try stack.read(-2, references: &references).items ?? []).compactMap(\.text),
                lines: try stack.read(-1, references: &references))
        } catch {
            throw RuleFailure(kind: .runtime, message: "a rule left a value Kith cannot read: \(error.message)")
        }
    }

    /// The function of the chain that was running when a call failed.
    private func runningFunction() -> String? {
        CLuaShim_getRegistry(thread, "kith.status")
        defer { lua.stack.pop(2) }
        lua.stack.push("current")
        lua_rawget(thread, -2)
        return lua.stack.string(at: -1)
    }

    /// True when the library's module defines the function (kith check).
    public func defines(_ function: FunctionReference) -> Bool {
        let base = lua.stack.top
        defer { lua_settop(thread, base) }
        CLuaShim_pushRef(thread, definesReference)
        lua.stack.push(function.description)
        guard CLuaShim_call(thread, 1, 1, Int64(instructionBudget)) == LUA_OK else { return false }
        return lua_toboolean(thread, -1) != 0
    }

    /// Runs a rule test file (its `t.case` calls reach `host`, which gives each case `budget`
    /// instructions with `RuleCall.refillBudget`).
    public func runTest(_ path: String, host: any RuleHost, budget: Int) throws(RuleFailure) {
        let previous = self.host
        self.host = host
        defer { self.host = previous }
        let base = lua.stack.top
        defer { lua_settop(thread, base) }
        CLuaShim_pushRef(thread, runReference)
        lua.stack.push(path)
        let status = CLuaShim_call(thread, 1, 0, Int64(budget))
        guard status == LUA_OK else { throw failure(status: status, budget: budget) }
    }

    // MARK: - Calls from Lua

    /// Serves one `kith.*` call: arguments in, results or an error value out. Never raises.
    fileprivate func serve(_ thread: OpaquePointer, _ code: Int32) -> Int32 {
        let stack = LuaStack(thread: thread)
        var references: [Int32] = []
        defer { for reference in references { CLuaShim_unref(thread, reference) } }
        var arguments: [ScriptValue] = []
        let count = stack.top
        if count > 0 {
            for index in 1...count {
                do {
                    arguments.append(try stack.read(index, functions: true, references: &references))
                } catch {
                    stack.push("argument #\(index): \(error.message)")
                    return -1
                }
            }
        }
        let previousThread = servedThread
        servedThread = thread
        defer { servedThread = previousThread }
        if code == HostOperation.contextCode {
            let token = arguments.first?.integer ?? 0
            let name = arguments.count > 1 ? arguments[1].text ?? "" : ""
            let parts = contextParts.last { $0.token == token }?.parts
            stack.push(Self.lazyFields.contains(name) ? parts?(name) ?? .null : .null)
            return 1
        }
        guard let operation = HostOperation.from(code: code), let host else {
            stack.push("the kith API is not available here")
            return -1
        }
        do {
            let results = try host.perform(operation, arguments, RuleCall(state: self, thread: thread))
            _ = lua_checkstack(thread, Int32(results.count + 4))
            for result in results { stack.push(result) }
            return Int32(results.count)
        } catch {
            switch error {
            case .message(let message): stack.push(message)
            case .rejection(let field, let message): CLuaShim_pushRejection(thread, field, message)
            case .failure(let failure) where failure.kind == .rejected: CLuaShim_pushRejection(thread, failure.field, failure.message)
            case .failure(let failure): stack.push(failure.description)
            }
            return -1
        }
    }

    /// Calls a Lua function the host was given, on the thread that called the host.
    /// `budget`: the budget in force, when the caller refilled it (for the message).
    fileprivate func callBack(_ function: ScriptFunction, _ arguments: [ScriptValue], thread: OpaquePointer, budget: Int? = nil)
        throws(RuleFailure) -> [ScriptValue]
    {
        let stack = LuaStack(thread: thread)
        let base = stack.top
        defer { lua_settop(thread, base) }
        _ = lua_checkstack(thread, Int32(arguments.count + 4))
        CLuaShim_pushRef(thread, function.reference)
        for argument in arguments { stack.push(argument) }
        let status = CLuaShim_call(thread, Int32(arguments.count), LUA_MULTRET, Int64(instructionBudget))
        guard status == LUA_OK else { throw failure(status: status, budget: budget ?? instructionBudget, thread: thread) }
        var references: [Int32] = []
        let top = stack.top
        guard top > base else { return [] }
        return ((base + 1)...top).map { (try? stack.read($0, references: &references)) ?? .null }
    }

    /// The failure whose error value is on top of the stack.
    private func failure(status: Int32, budget: Int, thread: OpaquePointer? = nil) -> RuleFailure {
        let thread = thread ?? self.thread
        let stack = LuaStack(thread: thread)
        if CLuaShim_budgetExhausted(lua.pointer) != 0 {
            isSpent = true
            let place = stack.string(at: -1).flatMap { RuleFailure.fromLua($0, kind: .budget).location }
            return RuleFailure(
                kind: .budget,
                message: "the rule was stopped after \(budget) instructions ("
                    + (budget == instructionBudget ? "the workspace's lua-instructions limit" : "its instruction budget")
                    + "); look for a loop that never ends",
                location: place)
        }
        if CLuaShim_pushRejectionParts(thread, -1) != 0 {
            let field = stack.string(at: -3)
            let message = stack.string(at: -2) ?? ""
            let place = stack.string(at: -1).map { $0.hasSuffix(": ") ? String($0.dropLast(2)) : $0 }
            stack.pop(3)
            return RuleFailure(kind: .rejected, message: message, field: field, location: place)
        }
        let nearCap = lua.memoryLimit > 0 && memoryUsed > lua.memoryLimit - lua.memoryLimit / 16
        if status == LUA_ERRMEM || (status == LUA_ERRERR && nearCap) {
            isSpent = true
            return RuleFailure(
                kind: .memory, message: "the rule ran out of memory (the workspace's lua-memory-mb limit of \(lua.memoryLimit >> 20) MB)")
        }
        guard let text = stack.string(at: -1) else {
            return RuleFailure(kind: .runtime, message: "the rule failed with an error that is not a message")
        }
        let failure = RuleFailure.fromLua(text, kind: .runtime)
        if failure.message.hasPrefix("not enough memory") { isSpent = true }
        if failure.message.hasPrefix("function '") || failure.message.hasPrefix("module '") {
            return RuleFailure(kind: .missing, message: failure.message, location: failure.location, traceback: failure.traceback)
        }
        return failure
    }
}

/// A host call in progress: lets the host call back into Lua.
public struct RuleCall {
    let state: RuleState
    let thread: OpaquePointer

    /// Calls a function the rule passed (`t.case(name, fn)`), sharing the running call's budget
    /// (`budget`: the budget in force, when the caller refilled it).
    public func invoke(_ function: ScriptFunction, _ arguments: [ScriptValue] = [], budget: Int? = nil) throws(RuleFailure)
        -> [ScriptValue]
    {
        try state.callBack(function, arguments, thread: thread, budget: budget)
    }

    /// A fresh budget for the running call: a test case's, so that a runaway loop in one case (or
    /// in a rule it sets off) stops it instead of the whole run, and the next case starts afresh.
    public func refillBudget(_ instructions: Int) {
        CLuaShim_refillBudget(thread, Int64(instructions))
    }

    /// Where the rule made the call: `scripts/credit.lua:12`.
    public var location: String {
        CLuaShim_where(thread, 1)
        defer { CLuaShim_pop(thread, 1) }
        let text = LuaStack(thread: thread).string(at: -1) ?? ""
        return text.hasSuffix(": ") ? String(text.dropLast(2)) : text
    }
}

private let ruleHostEntry: CLuaShim_Host = { context, thread, code in
    guard let context, let thread else { return 0 }
    return Unmanaged<RuleState>.fromOpaque(context).takeUnretainedValue().serve(thread, code)
}
