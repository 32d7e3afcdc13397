import Foundation
import KithSchema
import KithScript
import KithStore
import Logging

/// The rules of one write transaction: runs the schema's hooks around each save and serves the
/// `kith` API on the current transaction and user.
///
/// Hooks run on one borrowed Lua state for the whole transaction; a write a hook makes runs that
/// entity's hooks in turn (on the same state, sharing the call's instruction budget) up to the
/// workspace's `hook-depth`.
final class RuleSession: RecordHooks {
    struct PendingHook {
        let function: FunctionReference
        let entity: String
        let context: ScriptValue
    }

    let engine: Engine
    /// The transactions hooks and host calls act in, innermost last (`t.as` pushes another user's).
    private(set) var transactions: [RecordTransaction] = []
    private var state: RuleState?
    private var depth = 0
    private var afterCommit: [PendingHook] = []
    private var users: [Int64: ScriptValue] = [:]
    /// Access filters of the rules' users, by user and entity.
    var accessCache: [String: AccessFilter] = [:]
    /// Serves `kith.test` when the session runs rule tests.
    var tests: RuleTestRun?

    init(engine: Engine) {
        self.engine = engine
    }

    var schema: Schema { engine.schema }

    var transaction: RecordTransaction {
        guard let transaction = transactions.last else { preconditionFailure("a rule session is used outside its transaction") }
        return transaction
    }

    /// Runs `body` with `transaction` as the current one.
    func enter<T>(_ transaction: RecordTransaction, _ body: () throws -> T) rethrows -> T {
        transactions.append(transaction.watched(by: self))
        defer { transactions.removeLast() }
        return try body()
    }

    /// Forgets what was looked up in a transaction that is over (rule tests run one per case).
    func forgetLookups() {
        users = [:]
        accessCache = [:]
    }

    func takeAfterCommit() -> [PendingHook] {
        defer { afterCommit = [] }
        return afterCommit
    }

    func finish() {
        if let state { engine.rules.release(state) }
        state = nil
    }

    private func ruleState() throws(RecordError) -> RuleState {
        if let state { return state }
        do {
            let state = try engine.rules.acquire()
            self.state = state
            return state
        } catch {
            throw recordError(error, function: nil, entity: "")
        }
    }

    // MARK: - Hooks

    func beforeSave(
        _ entity: Entity, record: [String: Value], lines: [String: [[String: Value]]], old: [String: Value]?,
        in transaction: RecordTransaction
    ) throws -> (changes: [String: Value], lines: [String: [[String: Value]]]?) {
        guard let chain = engine.hooks(entity.name, .beforeSave) else { return ([:], nil) }
        let schema = self.schema
        // Every detail entity has its array, empty or not: a rule may fill one through
        // `ctx.lines.DETAIL` or `ctx.record.DETAIL` (the same table).
        var lines = lines
        for detail in schema.details(of: entity.name) where lines[detail.name] == nil { lines[detail.name] = [] }
        let parts = recordParts(entity, record: record, old: old, in: transaction)
        let outcome = try run(
            chain, entity: entity.name, context: baseContext(entity, event: .beforeSave),
            parts: { $0 == ContextField.lines.rawValue ? ScriptValues.lines(lines, schema: schema) : parts($0) }, in: transaction,
            readsBack: true)
        var changed = outcome.changes.filter { !$0.key.hasPrefix("_") }
        for name in outcome.removed where !name.hasPrefix("_") { changed[name] = .null }
        var newLines: [String: [[String: Value]]]?
        if outcome.lines.fields != nil, outcome.lines != ScriptValues.lines(lines, schema: schema) {
            newLines = ScriptValues.lineValues(outcome.lines, schema: schema)
        }
        return (ScriptValues.changes(changed), newLines)
    }

    func readAccess(_ entity: String, in transaction: RecordTransaction) throws -> AccessFilter {
        try engine.access(entity, for: transaction.actor, in: transaction)
    }

    func afterSave(_ entity: Entity, record: [String: Value], old: [String: Value]?, in transaction: RecordTransaction) throws {
        try afterEvent(entity, .afterSave, record: record, old: old, in: transaction)
    }

    func beforeDelete(_ entity: Entity, record: [String: Value], in transaction: RecordTransaction) throws {
        guard let chain = engine.hooks(entity.name, .beforeDelete) else { return }
        let parts = recordParts(entity, record: record, old: nil, in: transaction)
        _ = try run(chain, entity: entity.name, context: baseContext(entity, event: .beforeDelete), parts: parts, in: transaction)
    }

    func afterDelete(_ entity: Entity, record: [String: Value], in transaction: RecordTransaction) throws {
        try afterEvent(entity, .afterDelete, record: record, old: record, in: transaction)
    }

    private func afterEvent(
        _ entity: Entity, _ event: Hook.Event, record: [String: Value], old: [String: Value]?, in transaction: RecordTransaction
    ) throws {
        if let chain = engine.hooks(entity.name, event) {
            let parts = recordParts(entity, record: record, old: old, in: transaction)
            _ = try run(chain, entity: entity.name, context: baseContext(entity, event: event), parts: parts, in: transaction)
        }
        if let chain = engine.hooks(entity.name, .afterCommit) {
            var later = baseContext(entity, event: .afterCommit)
            later[.record] = ScriptValues.record(record, of: entity, schema: schema)
            later[.old] = old.map { ScriptValues.record($0, of: entity, schema: schema) } ?? .null
            later[.user] = userValue(transaction.actor, in: transaction)
            for function in chain.functions {
                afterCommit.append(PendingHook(function: function, entity: entity.name, context: .table(later)))
            }
        }
    }

    /// `on-transition` hooks of `transition` for a record that just moved.
    func transitioned(
        _ entity: Entity, transition: String, record: [String: Value], old: [String: Value], in transaction: RecordTransaction
    ) throws {
        let functions = entity.hooks.filter {
            $0.event == .onTransition && ($0.transitions.isEmpty || $0.transitions.contains(transition))
        }.map(\.function)
        guard !functions.isEmpty else { return }
        var context = baseContext(entity, event: .onTransition)
        context[.transition] = .text(transition)
        let parts = recordParts(entity, record: record, old: old, in: transaction)
        _ = try run(HookChain(functions), entity: entity.name, context: context, parts: parts, in: transaction)
    }

    /// `ctx.record`, `ctx.old` and `ctx.user`, made only if a rule reads them.
    func recordParts(_ entity: Entity, record: [String: Value], old: [String: Value]?, in transaction: RecordTransaction)
        -> RuleState.Parts
    {
        let schema = self.schema
        return { [unowned self] name in
            switch ContextField(rawValue: name) {
            case .record: ScriptValues.record(record, of: entity, schema: schema)
            case .old: old.map { ScriptValues.record($0, of: entity, schema: schema) }
            case .user: self.userValue(transaction.actor, in: transaction)
            default: nil
            }
        }
    }

    /// The fields every hook's context has: the event and the entity.
    func baseContext(_ entity: Entity, event: Hook.Event) -> [String: ScriptValue] {
        var context: [String: ScriptValue] = [:]
        context[.event] = .text(event.rawValue)
        context[.entity] = .text(entity.name)
        return context
    }

    /// `ctx.user`: looked up once per user and transaction.
    func userValue(_ actor: Actor, in transaction: RecordTransaction) -> ScriptValue {
        guard let id = actor.userID else { return Self.systemUser }
        if let known = users[id] { return known }
        guard let user = try? transaction.user(id: id) else { return Self.systemUser }
        let value = ScriptValues.user(user, manager: try? transaction.manager(of: id))
        users[id] = value
        return value
    }

    static let systemUser = ScriptValue.table(["name": .text("system"), "roles": .list([.text(Role.administrator)])])

    /// A rule function called outside a save (after-commit hooks, guards, routes, schedules).
    @discardableResult
    func invoke(_ function: FunctionReference, entity: String, context: ScriptValue) throws(RecordError) -> ScriptValue {
        try run(HookChain([function]), entity: entity, context: context.fields ?? [:], in: transaction).result
    }

    /// Runs rule functions (one, or the hooks of one event in order) in `transaction`, nested
    /// under whatever rule is running. Parts of `context` that are costly to marshal (record,
    /// old, lines, user) go to Lua only when a rule reads them.
    func run(
        _ chain: HookChain, entity: String, context: [String: ScriptValue], parts: @escaping RuleState.Parts = { _ in nil },
        in transaction: RecordTransaction, readsBack: Bool = false, budget: Int? = nil
    ) throws(RecordError) -> RuleState.Outcome {
        let limit = engine.rules.limits.hookDepth
        guard depth < limit else {
            throw RecordError(
                .rule, entity: entity,
                "rules triggered each other more than \(limit) levels deep (the workspace's hook-depth limit) at \(chain.names); look for hooks that update each other's records"
            )
        }
        var eager = context
        var parts = parts
        if context.keys.contains(where: RuleState.lazyFields.contains) {
            var given: [String: ScriptValue] = [:]
            for name in RuleState.lazyFields { given[name] = eager.removeValue(forKey: name) }
            let others = parts
            parts = { given[$0] ?? others($0) }
        }
        let state = try ruleState()
        depth += 1
        transactions.append(transaction.watched(by: self))
        defer {
            transactions.removeLast()
            depth -= 1
        }
        do {
            return try state.invoke(
                chain.functions, chain: chain.names, context: eager, parts: parts, host: self, readsBack: readsBack, budget: budget)
        } catch {
            throw recordError(error, function: error.function.flatMap(FunctionReference.init) ?? chain.functions[0], entity: entity)
        }
    }

    /// A rule's failure as the save's error; faults (not refusals) are logged with their traceback.
    func recordError(_ failure: RuleFailure, function: FunctionReference?, entity: String) -> RecordError {
        let name = function.map { " \($0)" } ?? ""
        var error: RecordError
        switch failure.kind {
        case .rejected:
            var (field, message) = (failure.field, failure.message)
            // `kith.reject(message, field)`, the arguments the other way round, is unmistakable
            // when only the second names a field: the user still sees the message by its field.
            if let named = field, let fields = engine.schema.entity(entity), fields.field(named) == nil, fields.field(message) != nil {
                (field, message) = (message, named)
            }
            let problems = field.map { [FieldProblem(field: $0, message: message, code: "rule")] } ?? []
            error = RecordError(.rejected, entity: entity, message, problems: problems)
        default:
            error = RecordError(.rule, entity: entity, "the rule\(name) failed: \(failure.message)")
            engine.ruleFaults.record(failure, function: function.map(\.description) ?? failure.function, entity: entity)
            engine.logger.error(
                "rule\(name) failed at \(failure.location ?? "?"): \(failure.message)\(failure.traceback.map { "\n" + $0 } ?? "")")
        }
        error.ruleLocation = failure.location
        error.traceback = failure.traceback
        return error
    }
}
