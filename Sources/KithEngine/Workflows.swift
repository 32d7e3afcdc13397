public import KithSchema
import KithScript
public import KithStore

extension Engine {
    /// Moves a record through a workflow transition: checks that the transition leaves the
    /// record's state, that the user may fire it (its roles, `who="owner"`), its comment and its
    /// guard; then saves the new state (history action `transition:NAME`, with the comment) and
    /// runs the entity's `on-transition` hooks. Call it inside `write`.
    @discardableResult
    public func transition(_ entityName: String, id: Int64, _ name: String, comment: String? = nil, in transaction: RecordTransaction)
        throws(RecordError) -> Record
    {
        guard let entity = schema.entity(entityName), let workflow = entity.workflow else {
            throw RecordError(.invalidQuery, entity: entityName, "'\(entityName)' has no workflow")
        }
        guard let transition = workflow.transition(name) else {
            let known = workflow.transitions.map(\.name).joined(separator: ", ")
            throw RecordError(.invalidQuery, entity: entityName, "'\(entityName)' has no transition '\(name)' (it has: \(known))")
        }
        let session = try self.session(of: transaction)
        let actor = transaction.actor
        guard let current = try transaction.get(entityName, id: id, access: access(entityName, for: actor, in: transaction)) else {
            throw RecordError(.notFound, entity: entityName, "\(entityName) #\(id) does not exist")
        }
        let user = actor.origin == .user ? try actor.userID.flatMap { id throws(RecordError) in try transaction.user(id: id) } : nil
        if let refusal = Self.refusal(transition, of: entityName, record: current, by: user) { throw refusal }
        if transition.comment == .required && (comment ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw RecordError(.invalid, entity: entityName, "'\(name)' needs a comment", problems: [FieldProblem(field: "comment", .required)])
        }
        if let guardFunction = transition.guardFunction {
            var context = session.baseContext(entity, event: .onTransition)
            context[.event] = .text("guard")
            context[.record] = ScriptValues.record(current, schema: schema)
            context[.user] = session.userValue(actor, in: transaction)
            context[.transition] = .text(name)
            context[.comment] = comment.map(ScriptValue.text) ?? .null
            let outcome = try session.run(HookChain([guardFunction]), entity: entityName, context: context, in: transaction)
            if outcome.result == .boolean(false) {
                throw RecordError(.rejected, entity: entityName, "'\(name)' is not allowed for this \(entityName) now")
            }
        }
        return try moveState(
            entity, current, to: transition.to, transition: name, action: "transition:\(name)", comment: comment, in: transaction)
    }

    /// Why `user` may not fire the transition on the record now (its from-states, roles and
    /// `who`), or nil; nil `user`: automation, which the from-states alone limit. Guards and
    /// comments are checked when it fires.
    static func refusal(_ transition: Workflow.Transition, of entityName: String, record: Record, by user: DirectoryUser?) -> RecordError? {
        let state = record["state"].text ?? ""
        let name = transition.name
        guard transition.from.isEmpty || transition.from.contains(state) || transition.from.contains("*") else {
            return RecordError(
                .wrongState, entity: entityName,
                "\(entityName) #\(record.id) is '\(state)'; '\(name)' only moves it from \(transition.from.joined(separator: ", "))")
        }
        guard let user, !user.roles.contains(Role.administrator) else { return nil }
        if !transition.roles.isEmpty && Set(user.roles).isDisjoint(with: transition.roles) {
            return RecordError(.forbidden, entity: entityName, "only \(transition.roles.joined(separator: ", ")) may '\(name)' a \(entityName)")
        }
        if transition.who == .owner && record["owner"].integer != user.id {
            return RecordError(.forbidden, entity: entityName, "only the owner may '\(name)' this \(entityName)")
        }
        return nil
    }

    /// The transitions `user` may fire on the record now (the buttons of its page).
    public func availableTransitions(_ entity: Entity, record: Record, for user: DirectoryUser) -> [Workflow.Transition] {
        (entity.workflow?.transitions ?? []).filter { Self.refusal($0, of: entity.name, record: record, by: user) == nil }
    }

    /// The conversions of the record's entity that `user` may run on it now (the buttons of its
    /// page): its state allows them, and the user may create every record they must create.
    public func availableConversions(_ entity: Entity, record: Record, for user: DirectoryUser, in transaction: RecordTransaction)
        throws(RecordError) -> [Conversion]
    {
        let state = record["state"].text ?? ""
        var available: [Conversion] = []
        for conversion in schema.conversions where conversion.source == entity.name {
            guard conversion.whenStates.isEmpty || conversion.whenStates.contains(state) else { continue }
            var permitted = true
            for creation in conversion.creations where !creation.isOptional && permitted {
                permitted = try access(creation.entity, for: user, in: transaction).mayCreate
            }
            if permitted { available.append(conversion) }
        }
        return available
    }

    /// Saves a record's new state as the engine (history `action`, with the comment), runs the
    /// entity's `on-transition` hooks, closes an approval the record leaves and starts the one of
    /// the state it enters.
    func moveState(
        _ entity: Entity, _ current: Record, to state: String, transition name: String, action: String, comment: String?,
        in transaction: RecordTransaction
    ) throws(RecordError) -> Record {
        let session = try self.session(of: transaction)
        let moved = try transaction.asEngine.update(
            entity.name, id: current.id, ["state": .text(state)], action: action, comment: comment)
        if let left = current["state"].text, left != state, entity.workflow?.approval(in: left) != nil {
            try closeApproval(entity.name, id: current.id, in: transaction)
        }
        try session.hooking(entity.name) {
            try session.transitioned(entity, transition: name, record: moved.values, old: current.values, in: transaction)
        }
        if let approval = entity.workflow?.approval(in: state), current["state"].text != state {
            try startApproval(entity, approval, record: moved, in: transaction)
        }
        return try transaction.get(entity.name, id: current.id) ?? moved
    }

    /// Runs a schedule's function now, as the system user, inside `transaction`.
    public func runSchedule(_ name: String, in transaction: RecordTransaction) throws(RecordError) {
        guard let schedule = schema.schedule(name) else {
            let known = schema.schedules.map(\.name).joined(separator: ", ")
            throw RecordError(.invalidQuery, entity: "", "there is no schedule '\(name)' (there are: \(known))")
        }
        let session = try self.session(of: transaction)
        let system = transaction.acting(as: .system)
        let variables = store.variables(for: .system)
        var context: [String: ScriptValue] = [:]
        context[.event] = .text("schedule")
        context[.schedule] = .text(name)
        context[.now] = .text(variables.now)
        context[.today] = .text(variables.today)
        context[.user] = session.userValue(.system, in: system)
        // Schedules are batch work over many records: their own, larger budget.
        _ = try session.run(
            HookChain([schedule.function]), entity: "", context: context, in: system, budget: rules.limits.scheduleInstructions)
    }

    /// Runs a schedule in its own transaction (the scheduler, `kith` commands).
    public func runSchedule(_ name: String) throws(RecordError) {
        try write(as: .system) { transaction in try runSchedule(name, in: transaction) }
    }

    func session(of transaction: RecordTransaction) throws(RecordError) -> RuleSession {
        guard let session = transaction.hooks as? RuleSession else {
            throw RecordError(.invalidQuery, entity: "", "workflows and schedules run inside Engine.write")
        }
        return session
    }
}

extension RuleSession {
    /// Runs engine work that fires hooks, converting anything thrown into the save's error.
    func hooking(_ entity: String, _ body: () throws -> Void) throws(RecordError) {
        do {
            try body()
        } catch let error as RecordError {
            throw error
        } catch {
            throw RecordError(.rule, entity: entity, "\(error)")
        }
    }
}
