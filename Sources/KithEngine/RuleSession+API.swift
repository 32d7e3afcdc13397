import Foundation
import KithSchema
import KithScript
import KithStore

/// The `kith` API: each call acts in the current transaction, as the user the rule runs for.
extension RuleSession: RuleHost {
    func perform(_ operation: HostOperation, _ arguments: [ScriptValue], _ call: RuleCall) throws(HostError) -> [ScriptValue] {
        let arguments = Arguments(operation: operation, values: arguments)
        if transactions.isEmpty && !Self.outsideTransactions.contains(operation) {
            throw HostError.message("kith.\(operation.rawValue) needs a transaction: in a rule test, call it inside t.case")
        }
        do {
            switch operation {
            case .get: return [try get(arguments)]
            case .find: return [try find(arguments)]
            case .count: return [try count(arguments)]
            case .sum: return [try sum(arguments)]
            case .create: return [try create(arguments)]
            case .update: return [try update(arguments)]
            case .delete: return [try delete(arguments)]
            case .duplicates: return [try duplicates(arguments)]
            case .notify: return try notify(arguments, dueAt: nil)
            case .remind:
                // Stored as the instant it names, in UTC like every time Kith keeps: a date is its
                // midnight in the workspace's zone, a time without an offset is the zone's.
                let at = try arguments.date(2)
                guard let instant = engine.store.instant(at) else {
                    throw HostError.message("kith.remind: argument #3 must be a date or date-time, not '\(at)'")
                }
                return try notify(arguments, dueAt: instant)
            case .release: return [try release(arguments)]
            case .assign: return [try assign(arguments)]
            case .users: return [try users(arguments)]
            case .managerOf: return [try transaction.manager(of: try arguments.id(0)).map(ScriptValue.integer) ?? .null]
            case .now: return [.text(engine.store.variables(for: transaction.actor).now)]
            case .today: return [.text(engine.store.variables(for: transaction.actor).today)]
            case .addDays: return [.text(FilterVariables.shift(try arguments.date(0), days: Int(try arguments.integer(1))))]
            case .daysBetween:
                guard let days = FilterVariables.days(from: try arguments.date(0), to: try arguments.date(1)) else {
                    throw HostError.message("kith.days_between needs two dates")
                }
                return [.integer(Int64(days))]
            case .log:
                let text = arguments.values.map { $0.text ?? $0.display }.joined(separator: "\t")
                engine.logger.info("\(call.location): \(text)")
                return []
            case .transition:
                // Automation: the transition's states, comment and guard apply; its roles do not.
                let comment = arguments.values.count > 3 ? arguments.values[3].text : nil
                let record = try engine.transition(
                    try arguments.entity(0, schema).name, id: try arguments.id(1), try arguments.text(2), comment: comment,
                    in: ruleTransaction)
                return [ScriptValues.record(record, schema: schema)]
            case .reject:
                if arguments.values.count >= 2 {
                    throw HostError.rejection(field: try arguments.text(0), message: try arguments.text(1))
                }
                throw HostError.rejection(field: nil, message: try arguments.text(0))
            default:
                guard let tests else { throw HostError.message("kith.test is only available to rule tests (kith test)") }
                return try tests.perform(operation, arguments, call, session: self)
            }
        } catch let error as HostError {
            throw error
        } catch let error as RecordError {
            throw Self.hostError(error)
        } catch {
            throw HostError.message("\(error)")
        }
    }

    /// What a rule test file may call at its top level, outside any case.
    static let outsideTransactions: Set<HostOperation> = [.testCase, .log, .reject, .testClock]

    static func hostError(_ error: RecordError) -> HostError {
        if error.code == .rejected { return .rejection(field: error.problems.first?.field, message: error.message) }
        return .message(error.description)
    }

    /// The transaction a rule writes through: the current one, as a rule acting for its user.
    private var ruleTransaction: RecordTransaction {
        let actor = transaction.actor
        guard actor.origin == .user else { return transaction }
        return transaction.acting(as: Actor(userID: actor.userID, departmentID: actor.departmentID, origin: .rule))
    }

    /// What the user the rule runs for may do with the entity (computed once per user and entity).
    private func access(_ entity: String) throws(RecordError) -> AccessFilter {
        let actor = transaction.actor
        let key = "\(actor.userID ?? 0)/\(entity)"
        if let known = accessCache[key] { return known }
        let filter = try engine.access(entity, for: actor, in: transaction)
        accessCache[key] = filter
        return filter
    }

    private func get(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        guard let record = try transaction.get(entity.name, id: try arguments.id(1), access: try access(entity.name)) else { return .null }
        return ScriptValues.record(record, schema: schema)
    }

    private func find(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        let options = arguments.values.count > 2 ? arguments.values[2] : .null
        var sort: [RecordQuery.Sort] = []
        let sortItems: [ScriptValue] = options["sort"].items ?? (options["sort"] == .null ? [] : [options["sort"]])
        for item in sortItems {
            guard let text = item.text else { throw HostError.message("sort takes field names, such as \"-amount\"") }
            sort.append(text.hasPrefix("-") ? RecordQuery.Sort(String(text.dropFirst()), descending: true) : RecordQuery.Sort(text))
        }
        let limit = Int(options["limit"].integer ?? 100)
        guard (1...1000).contains(limit) else { throw HostError.message("limit must be between 1 and 1000") }
        let query = RecordQuery(entity: entity.name, filter: try filter(arguments, at: 1), sort: sort, limit: limit)
        let page = try transaction.query(query, access: try access(entity.name))
        return .list(page.records.map { ScriptValues.record($0, schema: schema) })
    }

    /// The stored records the entity's `<duplicate>` rules say look like `values` (as a create
    /// through the API or a form would be warned of), each with `duplicate_fields`: the fields
    /// of the rules that matched. Only those the rule's user may read; at most 10.
    private func duplicates(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        guard arguments.values.count > 1, let given = arguments.values[1].fields else {
            throw HostError.message("kith.duplicates: argument #2 must be a table of field values")
        }
        if let unknown = given.keys.sorted().first(where: { entity.field($0) == nil }) {
            throw HostError.message("kith.duplicates: '\(entity.name)' has no field '\(unknown)'")
        }
        let values = ScriptValues.values(.table(given))
        let candidates = try transaction.likelyDuplicates(entity.name, of: values)
        let records = try transaction.readableRecords(of: candidates, entity.name, readable: try access(entity.name))
        return .list(
            candidates.compactMap { candidate in
                guard let record = records[candidate.id],
                    case .table(var fields) = ScriptValues.record(record, schema: schema)
                else { return nil }
                fields["duplicate_fields"] = .list(candidate.fields.map(ScriptValue.text))
                return .table(fields)
            })
    }

    private func count(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        let rows = try transaction.aggregate(
            AggregateQuery(entity: entity.name, filter: try filter(arguments, at: 1), aggregate: .count), access: try access(entity.name))
        return .integer(Int64(rows.first?.count ?? 0))
    }

    private func sum(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        let name = try arguments.text(1)
        guard let field = entity.field(name), field.type.isNumeric else {
            throw HostError.message("kith.sum needs a number field of '\(entity.name)', not '\(name)'")
        }
        let rows = try transaction.aggregate(
            AggregateQuery(entity: entity.name, filter: try filter(arguments, at: 2), aggregate: .sum, field: name),
            access: try access(entity.name))
        let total = rows.first?.value ?? .null
        if total == .null { return field.type == .integer ? .integer(0) : .decimal(units: 0, scale: field.effectiveScale) }
        return ScriptValues.value(total, field)
    }

    private func create(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        let written = ScriptValues.write(
            arguments.values.count > 1 ? arguments.values[1] : .null, lines: arguments.values.count > 2 ? arguments.values[2] : nil,
            of: entity, schema: schema)
        let target = ruleTransaction
        let record = try target.atomically {
            try target.create(entity.name, written.values, lines: written.lines, access: try access(entity.name))
        }
        return ScriptValues.record(record, schema: schema)
    }

    private func update(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        let id = try arguments.id(1)
        let written = ScriptValues.write(
            arguments.values.count > 2 ? arguments.values[2] : .null, lines: arguments.values.count > 3 ? arguments.values[3] : nil,
            of: entity, schema: schema)
        let target = ruleTransaction
        let record = try explainingScope(entity.name, id) {
            try target.atomically {
                try target.update(
                    entity.name, id: id, written.values, lines: written.lines.isEmpty ? nil : written.lines, access: try access(entity.name))
            }
        }
        return ScriptValues.record(record, schema: schema)
    }

    private func delete(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        let id = try arguments.id(1)
        let target = ruleTransaction
        try explainingScope(entity.name, id) { try target.atomically { try target.delete(entity.name, id: id, access: try access(entity.name)) } }
        return .boolean(true)
    }

    /// A write to a record not found says that it may be outside the rule's user's access: an
    /// approval's last approver, say, who may not read the records its hooks change.
    private func explainingScope<T>(_ entity: String, _ id: Int64, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as RecordError where error.code == .notFound && error.entity == entity && transaction.actor.userID != nil {
            let login = (try? transaction.user(id: transaction.actor.userID ?? 0))?.login ?? "the user"
            error.message = "\(entity) #\(id) does not exist or \(login) may not read it (a rule runs with the rights of the user who set it off)"
            throw error
        }
    }

    /// `kith.notify(user, text, {record=})` and `kith.remind(user, text, at, {record=})`.
    private func notify(_ arguments: Arguments, dueAt: String?) throws -> [ScriptValue] {
        let user = try arguments.id(0)
        let text = try arguments.text(1)
        let options = arguments.values.count > (dueAt == nil ? 2 : 3) ? arguments.values[dueAt == nil ? 2 : 3] : .null
        let record = options["record"]
        let entity = record["_entity"].text ?? options["entity"].text
        let id = record["id"].integer ?? options["id"].integer
        // Only users who may see the record get a message about it.
        if let entity, let id, let recipient = try transaction.user(id: user) {
            let access = try AccessPolicy.access(entity, for: recipient, in: transaction).filter
            guard try transaction.get(entity, id: id, access: access) != nil else {
                engine.logger.info("no message to \(recipient.login) about \(entity) #\(id): they may not see it")
                return [.boolean(false)]
            }
        }
        try transaction.postMessage(to: user, text: text, entity: entity, record: id, dueAt: dueAt)
        return [.boolean(true)]
    }

    private func release(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        guard entity.isPool else { throw HostError.message("'\(entity.name)' has no public pool (pool=\"true\")") }
        let record = try engineTransaction.update(entity.name, id: try arguments.id(1), ["owner": .null], action: "release")
        return ScriptValues.record(record, schema: schema)
    }

    private func assign(_ arguments: Arguments) throws -> ScriptValue {
        let entity = try arguments.entity(0, schema)
        guard entity.ownership == .user else { throw HostError.message("'\(entity.name)' records have no owner") }
        let userID = try arguments.id(2)
        guard let user = try transaction.user(id: userID), user.isActive else {
            throw HostError.message("there is no active user #\(userID) to assign to")
        }
        let values: [String: Value] = ["owner": .integer(user.id), "department": user.departmentID.map(Value.integer) ?? .null]
        let record = try engineTransaction.update(entity.name, id: try arguments.id(1), values, action: "assign")
        return ScriptValues.record(record, schema: schema)
    }

    /// Ownership changes are the engine's: the same user, with the engine's rights on those fields.
    private var engineTransaction: RecordTransaction {
        transaction.asEngine
    }

    private func users(_ arguments: Arguments) throws -> ScriptValue {
        let name = try arguments.text(0)
        let found: [DirectoryUser]
        if name.hasPrefix("role:") {
            found = try transaction.users(withRole: String(name.dropFirst(5)))
        } else if name.hasPrefix("department:") {
            guard let department = try transaction.department(named: String(name.dropFirst(11))) else {
                throw HostError.message("no department named '\(name.dropFirst(11))'")
            }
            found = try transaction.users(inDepartment: department.id)
        } else if schema.role(name) != nil || name == Role.administrator {
            found = try transaction.users(withRole: name)
        } else if let department = try transaction.department(named: name) {
            found = try transaction.users(inDepartment: department.id)
        } else {
            throw HostError.message("no role or department named '\(name)'")
        }
        return .list(try found.map { ScriptValues.user($0, manager: try transaction.manager(of: $0.id)) })
    }

    /// `{field = value}` or `{field = {op = value}}` as a store filter.
    private func filter(_ arguments: Arguments, at index: Int) throws -> RecordFilter? {
        guard arguments.values.count > index, let table = arguments.values[index].fields, !table.isEmpty else { return nil }
        var conditions: [RecordFilter] = []
        for (field, condition) in table.sorted(by: { $0.key < $1.key }) {
            if let operations = condition.fields, case .table = condition {
                for (name, operand) in operations.sorted(by: { $0.key < $1.key }) {
                    guard let op = FilterOperator(rawValue: name.replacingOccurrences(of: "_", with: "-")) else {
                        throw HostError.message(
                            "unknown filter operator '\(name)' for '\(field)' (use eq, ne, lt, lte, gt, gte, in, not_in, contains, starts_with, empty, not_empty, between)"
                        )
                    }
                    let values = op.takesNoValue ? [] : (op.takesList || op == .between) ? (operand.items ?? [operand]).map(ScriptValues.storeValue) : [ScriptValues.storeValue(operand)]
                    conditions.append(.condition(field: field, op: op, values: values))
                }
            } else if condition == .null {
                conditions.append(.condition(field: field, op: .empty, values: []))
            } else {
                conditions.append(.condition(field: field, op: .eq, values: [ScriptValues.storeValue(condition)]))
            }
        }
        return .all(conditions)
    }
}

/// A host call's arguments with checks that name the call.
struct Arguments {
    let operation: HostOperation
    let values: [ScriptValue]

    private var name: String {
        operation.rawValue.hasPrefix("test_") ? "t." + operation.rawValue.dropFirst(5) : "kith." + operation.rawValue
    }

    func text(_ index: Int) throws(HostError) -> String {
        guard index < values.count, let text = values[index].text else {
            throw .message("\(name): argument #\(index + 1) must be a string")
        }
        return text
    }

    func integer(_ index: Int) throws(HostError) -> Int64 {
        guard index < values.count, let integer = values[index].integer else {
            throw .message("\(name): argument #\(index + 1) must be an integer")
        }
        return integer
    }

    /// A record id: an integer, or a record table's `id`.
    func id(_ index: Int) throws(HostError) -> Int64 {
        guard index < values.count, let id = values[index].integer ?? values[index]["id"].integer else {
            throw .message("\(name): argument #\(index + 1) must be a record id")
        }
        return id
    }

    func date(_ index: Int) throws(HostError) -> String {
        let text = try self.text(index)
        guard FilterVariables.days(from: text, to: text) != nil else {
            throw .message("\(name): argument #\(index + 1) must be a date (YYYY-MM-DD) or date-time, not '\(text)'")
        }
        return text
    }

    func entity(_ index: Int, _ schema: Schema) throws(HostError) -> Entity {
        let name = try text(index)
        guard let entity = schema.entity(name) else { throw .message("\(self.name): there is no entity '\(name)'") }
        return entity
    }
}
