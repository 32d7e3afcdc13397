public import KithSchema
import KithScript
public import KithStore

/// Approvals (审批): when a record enters a state with an `<approval>`, its route function returns
/// the steps; each step's approvers come from the directory; steps run in order, `any` (或签)
/// needing one approval and `all` (会签) everyone's. The last approval moves the record to the
/// approval's `approve` state, any rejection to its `reject` state. Every entry is kept: the trail.
extension Engine {
    /// One step as a route returned it.
    struct ApprovalStep {
        var rules: [String]
        var mode: String
    }

    /// Approves or rejects the step waiting for the acting user. Administrators may decide any
    /// waiting step: one whose approvers could not be found, and one waiting for others (who left,
    /// or are away), for all of them; each entry records the administrator as who decided it.
    /// Call it inside `write`.
    @discardableResult
    public func decide(_ entityName: String, id: Int64, approve: Bool, comment: String? = nil, in transaction: RecordTransaction)
        throws(RecordError) -> Record
    {
        guard let entity = schema.entity(entityName), let workflow = entity.workflow else {
            throw RecordError(.invalidQuery, entity: entityName, "'\(entityName)' has no workflow")
        }
        let actor = transaction.actor
        guard let current = try transaction.get(entityName, id: id, access: access(entityName, for: actor, in: transaction)) else {
            throw RecordError(.notFound, entity: entityName, "\(entityName) #\(id) does not exist")
        }
        let state = current["state"].text ?? ""
        guard let approval = workflow.approval(in: state) else {
            throw RecordError(.wrongState, entity: entityName, "\(entityName) #\(id) is '\(state)', which is not waiting for an approval")
        }
        let round = try transaction.latestApprovalRound(entityName, record: id)
        let entries = try transaction.approvals(entityName, record: id, round: round)
        guard let step = entries.filter({ $0.status == .pending }).map(\.step).min() else {
            throw RecordError(.wrongState, entity: entityName, "\(entityName) #\(id) has no approval step waiting")
        }
        let administrator = try Self.user(actor.userID, in: transaction)?.roles.contains(Role.administrator) ?? false
        let waiting = entries.filter { $0.step == step && $0.status == .pending }
        guard let mine = Self.entry(in: waiting, for: actor.userID, administrator: administrator) else {
            // An approver of this step who decided already (会签: the others have yet to) is told so.
            if let decided = entries.first(where: { $0.step == step && $0.approverID != nil && $0.approverID == actor.userID }) {
                throw RecordError(
                    .wrongState, entity: entityName,
                    "you have already \(decided.status == .rejected ? "rejected" : "approved") step \(step) of \(entityName) #\(id); "
                        + "it waits for the other approvers")
            }
            throw RecordError(.forbidden, entity: entityName, "\(entityName) #\(id) is not waiting for your approval")
        }
        // An administrator deciding for others approves the step for all of them (会签 too).
        let decided = approve && Self.standsIn(mine, for: actor.userID) ? waiting : [mine]
        for entry in decided { try transaction.decideApproval(entry.id, status: approve ? .approved : .rejected, comment: comment) }
        let owner = current["owner"].integer
        if !approve {
            try transaction.moveApprovals(entityName, record: id, round: round, from: [.pending, .waiting], to: .closed)
            if let owner {
                try InboxText(kind: .rejected(comment: comment), entity: entity, record: current).post(to: owner, engine: self, in: transaction)
            }
            return try moveState(
                entity, current, to: approval.rejectState, transition: "reject", action: "approval:reject", comment: comment, in: transaction)
        }
        if mine.mode == "any" {
            try transaction.moveApprovals(entityName, record: id, round: round, step: step, from: [.pending], to: .closed)
        } else if waiting.count > decided.count {
            return try transaction.get(entityName, id: id) ?? current  // 会签: others still to approve
        }
        return try advance(entity, approval, current, round: round, after: step, comment: comment, in: transaction)
    }

    /// The pending entry `user` decides among `pending`: their own, else (for an administrator
    /// or the engine) a step nobody could be found for, else (for an administrator) another's.
    static func entry(in pending: [ApprovalEntry], for user: Int64?, administrator: Bool) -> ApprovalEntry? {
        pending.first { $0.approverID != nil && $0.approverID == user }
            ?? pending.first { $0.approverID == nil && (administrator || user == nil) }
            ?? (administrator ? pending.first : nil)
    }

    /// Whether deciding `entry` stands in for its approver, another user: an administrator's
    /// decision then counts for every approver of the step.
    static func standsIn(_ entry: ApprovalEntry, for user: Int64?) -> Bool {
        entry.approverID != nil && entry.approverID != user
    }

    /// Whether the record's approval is waiting for `user`'s decision (the approval panel).
    public func awaitsDecision(_ entityName: String, id: Int64, from user: DirectoryUser, in transaction: RecordTransaction)
        throws(RecordError) -> Bool
    {
        try pendingEntry(entityName, id: id, for: user, in: transaction) != nil
    }

    /// The approvers an administrator's decision stands in for (`decide` decides for all of them):
    /// those the waiting step asks, when it asks others; empty when it asks `user`, or nobody found.
    public func approversStoodInFor(_ entityName: String, id: Int64, by user: DirectoryUser, in transaction: RecordTransaction)
        throws(RecordError) -> [Int64]
    {
        guard let (entry, pending) = try pendingEntry(entityName, id: id, for: user, in: transaction),
            Self.standsIn(entry, for: user.id)
        else { return [] }
        return pending.filter { $0.step == entry.step }.compactMap(\.approverID)
    }

    /// The pending entry `user` would decide, and the round's pending entries.
    private func pendingEntry(_ entityName: String, id: Int64, for user: DirectoryUser, in transaction: RecordTransaction)
        throws(RecordError) -> (ApprovalEntry, [ApprovalEntry])?
    {
        let round = try transaction.latestApprovalRound(entityName, record: id)
        let pending = try transaction.approvals(entityName, record: id, round: round).filter { $0.status == .pending }
        return Self.entry(in: pending, for: user.id, administrator: user.roles.contains(Role.administrator)).map { ($0, pending) }
    }

    /// Starts a new approval round for a record that entered `approval.state`.
    func startApproval(_ entity: Entity, _ approval: Workflow.Approval, record: Record, in transaction: RecordTransaction)
        throws(RecordError)
    {
        let session = try self.session(of: transaction)
        var context = session.baseContext(entity, event: .onTransition)
        context[.event] = .text("route")
        context[.record] = ScriptValues.record(record, schema: schema)
        context[.user] = session.userValue(transaction.actor, in: transaction)
        let outcome = try session.run(HookChain([approval.route]), entity: entity.name, context: context, in: transaction)
        let steps = try Self.steps(outcome.result, route: approval.route, entity: entity.name)
        let round = try transaction.latestApprovalRound(entity.name, record: record.id) + 1
        let owner = record["owner"].integer ?? transaction.actor.userID
        for (index, step) in steps.enumerated() {
            var approvers: [(rule: String, user: Int64)] = []
            var missing: [String] = []
            for rule in step.rules {
                let found = try self.approvers(for: rule, record: record, owner: owner, in: transaction)
                if found.isEmpty { missing.append(rule) }
                for user in found where !approvers.contains(where: { $0.user == user }) { approvers.append((rule, user)) }
            }
            if approvers.isEmpty {
                // Nobody to ask: the step waits for an administrator, who is told why.
                try transaction.addApproval(
                    entity.name, record: record.id, round: round, step: index + 1, mode: step.mode,
                    rule: step.rules.joined(separator: ","), approver: nil, status: .waiting)
                try reportMissingApprovers(entity, record, rules: missing, step: index + 1, in: transaction)
                continue
            }
            for approver in approvers {
                let skip = approvalsSkipOwner && approver.user == owner
                try transaction.addApproval(
                    entity.name, record: record.id, round: round, step: index + 1, mode: step.mode, rule: approver.rule,
                    approver: approver.user, status: skip ? .skipped : .waiting)
            }
        }
        _ = try advance(entity, approval, record, round: round, after: 0, comment: nil, in: transaction)
    }

    /// Opens the step after `step`, skipping steps where every approver was skipped; past the
    /// last step, moves the record to the approval's `approve` state.
    private func advance(
        _ entity: Entity, _ approval: Workflow.Approval, _ record: Record, round: Int, after step: Int, comment: String?,
        in transaction: RecordTransaction
    ) throws(RecordError) -> Record {
        let entries = try transaction.approvals(entity.name, record: record.id, round: round)
        for next in Set(entries.map(\.step)).sorted() where next > step {
            let waiting = entries.filter { $0.step == next && $0.status == .waiting }
            guard !waiting.isEmpty else { continue }  // everyone skipped
            try transaction.moveApprovals(entity.name, record: record.id, round: round, step: next, from: [.waiting], to: .pending)
            for approver in Set(waiting.compactMap(\.approverID)) {
                // The approver must see the record to decide: a read share, and a message.
                try transaction.share(entity.name, record: record.id, user: approver, canEdit: false)
                try InboxText(kind: .approvalNeeded, entity: entity, record: record).post(to: approver, engine: self, in: transaction)
            }
            return try transaction.get(entity.name, id: record.id) ?? record
        }
        if let owner = record["owner"].integer {
            try InboxText(kind: .approved, entity: entity, record: record).post(to: owner, engine: self, in: transaction)
        }
        let current = try transaction.get(entity.name, id: record.id) ?? record
        return try moveState(
            entity, current, to: approval.approveState, transition: "approve", action: "approval:approve", comment: comment, in: transaction)
    }

    /// Ends the record's open round (a withdrawal or any move out of the approval state).
    func closeApproval(_ entityName: String, id: Int64, in transaction: RecordTransaction) throws(RecordError) {
        let round = try transaction.latestApprovalRound(entityName, record: id)
        guard round > 0 else { return }
        try transaction.moveApprovals(entityName, record: id, round: round, from: [.pending, .waiting], to: .closed)
    }

    /// The users an approver rule names: `manager`, `manager:N` (N levels up the owner's reporting
    /// line), `department-head`, `role:NAME` (in the record's department or above it, else
    /// anywhere), `user:ID` or `user:LOGIN`, or a bare login.
    func approvers(for rule: String, record: Record, owner: Int64?, in transaction: RecordTransaction) throws(RecordError) -> [Int64] {
        let parts = rule.split(separator: ":", maxSplits: 1).map(String.init)
        let kind = parts.first ?? ""
        let argument = parts.count > 1 ? parts[1] : nil
        switch kind {
        case "manager":
            guard var person = owner else { return [] }
            let levels = argument.flatMap(Int.init) ?? 1
            for _ in 0..<max(levels, 1) {
                guard let next = try transaction.manager(of: person) else { return [] }
                person = next
            }
            return [person]
        case "department-head":
            let ownerDepartment = try Self.user(owner, in: transaction)?.departmentID
            let department = record["department"].integer ?? ownerDepartment
            guard let department else { return [] }
            for id in try transaction.departmentChain(department) {
                if let head = try transaction.department(id: id)?.headID, head != owner { return [head] }
            }
            return []
        case "role":
            guard let role = argument else { return [] }
            let everyone = try transaction.users(withRole: role)
            let ownerDepartment = try Self.user(owner, in: transaction)?.departmentID
            let department = record["department"].integer ?? ownerDepartment
            if let department {
                let chain = Set(try transaction.departmentChain(department))
                let near = everyone.filter { $0.departmentID.map(chain.contains) ?? false }
                if !near.isEmpty { return near.map(\.id) }
            }
            return everyone.map(\.id)
        case "user":
            guard let argument else { return [] }
            if let id = Int64(argument) { return try transaction.user(id: id).map { $0.isActive ? [$0.id] : [] } ?? [] }
            return try transaction.user(login: argument).map { $0.isActive ? [$0.id] : [] } ?? []
        default:
            return try transaction.user(login: rule).map { $0.isActive ? [$0.id] : [] } ?? []
        }
    }

    /// Tells every administrator (inbox and system log) that a step has nobody to approve it.
    private func reportMissingApprovers(_ entity: Entity, _ record: Record, rules: [String], step: Int, in transaction: RecordTransaction)
        throws(RecordError)
    {
        let missing = InboxText(kind: .noApprover(step: step, rules: rules), entity: entity, record: record)
        let text = missing.text(in: "en", engine: self)  // for the log
        for admin in try transaction.users(withRole: Role.administrator) { try missing.post(to: admin.id, engine: self, in: transaction) }
        try transaction.logEvent("approval-missing", user: transaction.actor.userID, detail: "\(entity.name) #\(record.id): \(text)")
        logger.warning("\(text)")
    }

    /// The steps of a route's result: `{ {approvers = {...}, mode = "any"|"all"}, ... }`.
    static func steps(_ result: ScriptValue, route: FunctionReference, entity: String) throws(RecordError) -> [ApprovalStep] {
        func refuse(_ why: String) -> RecordError {
            RecordError(.rule, entity: entity, "approval route \(route) returned \(why)")
        }
        if result == .null { return [] }
        guard let items = result.items else { throw refuse("something other than a list of steps") }
        var steps: [ApprovalStep] = []
        for (index, item) in items.enumerated() {
            let rules = item["approvers"].items?.compactMap(\.text) ?? item["approvers"].text.map { [$0] } ?? []
            guard !rules.isEmpty else { throw refuse("step \(index + 1) without approvers") }
            let mode = item["mode"].text ?? "any"
            guard mode == "any" || mode == "all" else { throw refuse("step \(index + 1) with mode '\(mode)' (use \"any\" or \"all\")") }
            steps.append(ApprovalStep(rules: rules, mode: mode))
        }
        return steps
    }

    static func user(_ id: Int64?, in transaction: RecordTransaction) throws(RecordError) -> DirectoryUser? {
        guard let id else { return nil }
        return try transaction.user(id: id)
    }

    /// A record's title for messages: its title field, else `entity #id`.
    public func recordTitle(_ entity: Entity, _ record: Record, language: String = "en") -> String {
        let title = record[entity.titleField].description
        let label = entity.labels.text(for: language, fallback: entity.name.humanizedName)
        return title.isEmpty || entity.titleField == "id" ? "\(label) #\(record.id)" : "\(label) \(title)"
    }
}
