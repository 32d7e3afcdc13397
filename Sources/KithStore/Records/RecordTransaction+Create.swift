import Foundation
import GRDB
import KithSchema

extension RecordTransaction {
    /// Creates a record (and its line items, keyed by detail entity) after checking every value.
    /// Missing fields take their defaults; the owner defaults to the actor.
    public func create(
        _ entityName: String, _ input: [String: Value], lines: [String: [[String: Value]]] = [:], access: AccessFilter = .unrestricted
    ) throws(RecordError) -> Record {
        let (entity, table) = try self.entity(entityName)
        guard entity.detailOf == nil else {
            throw RecordError(
                .invalidQuery, entity: entityName, "'\(entityName)' is a line item; save it with its '\(entity.detailOf ?? "")'")
        }
        guard access.mayCreate else {
            throw RecordError(.forbidden, entity: entityName, "you may not create \(entityName) records")
        }
        return try storage(entityName) {
            let id = try insertNew(entity, table, input, lines: lines, access: access)
            guard let stored = try fetchValues(table, id: id) else {
                throw RecordError(.storage, entity: entityName, "the new record could not be read back")
            }
            return try record(entity, stored, access: access)
        }
    }

    /// Creates a record like `create` and returns only its id: the bulk path (imports, generators)
    /// that skips reading the record back.
    public func createID(
        _ entityName: String, _ input: [String: Value], lines: [String: [[String: Value]]] = [:], access: AccessFilter = .unrestricted
    ) throws(RecordError) -> Int64 {
        let (entity, table) = try self.entity(entityName)
        guard entity.detailOf == nil, access.mayCreate else {
            throw RecordError(.forbidden, entity: entityName, "you may not create \(entityName) records this way")
        }
        return try storage(entityName) { try insertNew(entity, table, input, lines: lines, access: access) }
    }

    /// Validates and inserts a new record with its lines and history, running the entity's
    /// before-save and after-save hooks around it; its id.
    func insertNew(
        _ entity: Entity, _ table: StorageLayout.Table, _ input: [String: Value], lines: [String: [[String: Value]]], access: AccessFilter
    ) throws -> Int64 {
        let entityName = entity.name
        var problems: [FieldProblem] = []
        var values = draftNew(entity, input, access: access, problems: &problems)
        var lines = lines
        var lineWriter = self
        // Lines with values of the wrong kind are reported as such (by the checks below) before any
        // rule reads them: a rule summing a price of "abc" would fail instead.
        let runsHooks = problems.isEmpty && entity.hooks(.beforeSave)
        var draftProblems: [FieldProblem] = []
        let drafts = runsHooks ? try draftLines(entity, lines, masterID: nil, problems: &draftProblems) : [:]
        if runsHooks, draftProblems.isEmpty, let hooks {
            let outcome = try hooks.beforeSave(entity, record: values, lines: drafts, old: nil, in: self)
            for (name, value) in ruleChanges(entity, outcome.changes, problems: &problems) { values[name] = value }
            if let changedLines = outcome.lines {
                // The hooks' lines replace the input.
                lines = Self.editable(changedLines)
                lineWriter = asRule
            }
        }
        values = try completeNew(entity, table, values, problems: &problems)
        var lineValues: [(Entity, StorageLayout.Table, [String: Value])] = []
        for (detailName, rows) in lines.sorted(by: { $0.key < $1.key }) {
            guard let detail = schema.entity(detailName), detail.detailOf == entity.name, let detailTable = store.layout.table(detailName)
            else {
                problems.append(FieldProblem(field: detailName, .notALineItem(of: entity.name)))
                continue
            }
            for (index, row) in rows.enumerated() {
                let prefix = "\(detailName)[\(index + 1)]."
                let master = masterField(of: detail, master: entity.name) ?? ""
                var prepared = try lineWriter.prepareNew(
                    detail, detailTable, Self.lineInput(row, master: master), access: .unrestricted, problems: &problems,
                    prefix: prefix, skipping: [master])
                prepared[master] = nil
                lineValues.append((detail, detailTable, prepared))
            }
        }
        guard problems.isEmpty else {
            throw RecordError.notSaved(entityName, problems)
        }
        let id = try insert(entity, table, values)
        var history = values.mapValues { (Value.null, $0) }
        for (detail, detailTable, row) in lineValues {
            var line = row
            if let master = masterField(of: detail, master: entity.name) { line[master] = .integer(id) }
            let lineID = try insert(detail, detailTable, line)
            try writeHistory(detail, id: lineID, version: 1, action: "create", changes: line.mapValues { (.null, $0) })
            history[LineChange.key(detail.name, lineID)] = (.null, .boolean(true))  // added, as in an update (`LineWork.apply`)
        }
        try writeHistory(entity, id: id, version: 1, action: "create", changes: history)
        if let hooks, entity.hooks(.afterSave), let stored = try fetchValues(table, id: id) {
            try hooks.afterSave(entity, record: stored, old: nil, in: self)
        }
        return id
    }

    /// Normalized values of a new record with defaults, stamps, state and codes; problems collected.
    func prepareNew(
        _ entity: Entity, _ table: StorageLayout.Table, _ input: [String: Value], access: AccessFilter,
        problems: inout [FieldProblem], prefix: String = "", skipping: Set<String> = []
    ) throws -> [String: Value] {
        let values = draftNew(entity, input, access: access, problems: &problems, prefix: prefix)
        return try completeNew(entity, table, values, problems: &problems, prefix: prefix, skipping: skipping)
    }

    /// A new record as hooks see it: normalized input, defaults, the initial state and the owner.
    func draftNew(
        _ entity: Entity, _ input: [String: Value], access: AccessFilter, problems: inout [FieldProblem], prefix: String = ""
    ) -> [String: Value] {
        var values = normalize(entity, input, access: access, creating: true, problems: &problems, prefix: prefix)
        for field in entity.fields where values[field.name] == nil {
            if let value = defaultValue(field, of: entity.name) { values[field.name] = value }
        }
        if let workflow = entity.workflow, values["state"] == nil { values["state"] = .text(workflow.initialState) }
        if entity.ownership == .user && entity.detailOf == nil {
            if values["owner"] == nil, let user = actor.userID { values["owner"] = .integer(user) }
            if values["department"] == nil, let department = actor.departmentID { values["department"] = .integer(department) }
        }
        return values
    }

    /// The draft checked (required, references, unique) and completed with codes and stamps.
    func completeNew(
        _ entity: Entity, _ table: StorageLayout.Table, _ draft: [String: Value], problems: inout [FieldProblem], prefix: String = "",
        skipping: Set<String> = []
    ) throws -> [String: Value] {
        var values = draft
        var required = values
        for name in skipping { required[name] = .integer(0) }
        checkRequired(entity, required, problems: &problems, prefix: prefix)
        try checkReferences(entity, values, problems: &problems, prefix: prefix)
        try checkUnique(entity, table, values, changed: Set(values.keys), excluding: nil, problems: &problems, prefix: prefix)
        guard problems.isEmpty else { return values }
        for field in entity.fields where field.type == .autonumber && values[field.name] == nil {
            values[field.name] = .text(try nextCode(entity, field, table))
        }
        let now = Value.text(nowText)
        values["created_at"] = values["created_at"] ?? now
        values["updated_at"] = values["updated_at"] ?? now
        if let user = actor.userID {
            values["created_by"] = values["created_by"] ?? .integer(user)
            values["updated_by"] = values["updated_by"] ?? .integer(user)
        }
        values["version"] = values["version"] ?? .integer(1)
        return values
    }

    /// What a before-save hook set, normalized as a rule's write (read-only fields allowed, the
    /// state and Kith's stamps not).
    func ruleChanges(_ entity: Entity, _ changes: [String: Value], problems: inout [FieldProblem]) -> [String: Value] {
        guard !changes.isEmpty else { return [:] }
        return asRule.normalize(entity, changes, access: .unrestricted, creating: true, problems: &problems)
    }

    /// This transaction as the engine acting for its user (ownership changes, workflow moves,
    /// conversions, restores): read-only and system fields may be written, the stamps are the user's.
    public var asEngine: RecordTransaction { acting(as: Actor(userID: actor.userID, departmentID: actor.departmentID, origin: .engine)) }

    /// This transaction as a rule acting for its user: read-only fields may be written.
    var asRule: RecordTransaction {
        actor.origin == .user ? acting(as: Actor(userID: actor.userID, departmentID: actor.departmentID, origin: .rule)) : self
    }

    /// Line items as hooks see them: each line normalized (a stored line with its changes applied).
    /// Values that do not normalize stay as given; the save reports them afterwards.
    func draftLines(
        _ entity: Entity, _ lines: [String: [[String: Value]]], masterID: Int64?, problems: inout [FieldProblem]
    ) throws -> [String: [[String: Value]]] {
        var drafts: [String: [[String: Value]]] = [:]
        for (detailName, rows) in lines {
            guard let detail = schema.entity(detailName), let table = store.layout.table(detailName) else { continue }
            let master = masterField(of: detail, master: entity.name) ?? ""
            var drafted: [[String: Value]] = []
            for (index, row) in rows.enumerated() {
                let prefix = "\(detailName)[\(index + 1)]."
                let input = Self.lineInput(row, master: master)
                if let id = row["id"]?.integer, let stored = try fetchValues(table, id: id), stored[master]?.integer == masterID {
                    var line = stored
                    for (name, value) in normalize(
                        detail, input, access: .unrestricted, creating: false, stored: stored, problems: &problems, prefix: prefix)
                    {
                        line[name] = value
                    }
                    drafted.append(line)
                    continue
                }
                var line = draftNew(detail, input, access: .unrestricted, problems: &problems, prefix: prefix)
                for (name, value) in input where line[name] == nil { line[name] = value }
                drafted.append(line)
            }
            drafts[detailName] = drafted
        }
        return drafts
    }

    /// A line's fields to write: without its id, its master's reference, the columns Kith
    /// maintains and the owner and department (lines follow their master's), so that lines read
    /// back (from the API or `kith.get`) can be sent back as they are.
    static func lineInput(_ row: [String: Value], master: String) -> [String: Value] {
        row.filter { $0.key != master && $0.key != "owner" && $0.key != "department" && !stampedFields.contains($0.key) }
    }

    /// Line items as hooks returned them, without the columns Kith maintains (the line's `id` stays).
    static func editable(_ lines: [String: [[String: Value]]]) -> [String: [[String: Value]]] {
        lines.mapValues { rows in rows.map { row in row.filter { $0.key == "id" || !stampedFields.contains($0.key) } } }
    }

    /// INSERT of a prepared row and its multiref links; the new id.
    func insert(_ entity: Entity, _ table: StorageLayout.Table, _ values: [String: Value]) throws -> Int64 {
        let columns = table.columns.filter { values[$0.name] != nil }
        let names = columns.map { SQL.quote($0.name) }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let statement = try db.cachedStatement(sql: "INSERT INTO \(SQL.quote(table.name)) (\(names)) VALUES (\(marks))")
        try statement.execute(arguments: StatementArguments(columns.map { ColumnCodec($0).encode(values[$0.name] ?? .null) }))
        let id = db.lastInsertedRowID
        for (field, link) in table.links {
            try writeLinks(link, record: id, targets: values[field]?.list ?? [])
        }
        return id
    }

    func writeLinks(_ link: String, record: Int64, targets: [Value]) throws {
        try db.run("DELETE FROM \(SQL.quote(link)) WHERE record = ?", arguments: [record])
        for (position, target) in targets.enumerated() {
            try db.run("INSERT OR IGNORE INTO \(SQL.quote(link)) (record, target, position) VALUES (?, ?, ?)",
                arguments: [record, target.integer, position])
        }
    }
}
