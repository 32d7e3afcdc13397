import Foundation
import GRDB
import KithSchema

extension RecordTransaction {
    /// Changes some fields of a record. With `expectedVersion`, a record saved by someone else in
    /// the meantime is refused (`stale`) and nothing is overwritten. `lines`, when given, is the
    /// full new list of line items per detail entity: lines with an `id` are updated, lines
    /// without are added, and lines left out are deleted.
    public func update(
        _ entityName: String, id: Int64, _ input: [String: Value], lines: [String: [[String: Value]]]? = nil,
        expectedVersion: Int64? = nil, access: AccessFilter = .unrestricted, action: String = "update", comment: String? = nil
    ) throws(RecordError) -> Record {
        let (entity, table) = try self.entity(entityName)
        return try storage(entityName) {
            let current = try loadForWrite(
                entity, table, id: id, condition: access.update, readable: access.read, expectedVersion: expectedVersion, verb: "change")
            if actor.origin == .user, let state = current["state"]?.text, entity.workflow?.state(state)?.isLocked == true {
                throw RecordError(
                    .locked, entity: entityName, "\(entityName) #\(id) is locked in state '\(state)'; it can only move through its workflow"
                )
            }
            var problems: [FieldProblem] = []
            let normalized = normalize(entity, input, access: access, creating: false, stored: current, problems: &problems)
            var changed = normalized.filter { current[$0.key] != $0.value }
            var merged = current
            for (name, value) in changed { merged[name] = value }
            var lines = lines
            var lineWriter = self
            // Lines with values of the wrong kind are reported as such (by the checks below) before
            // any rule reads them, as on create.
            let runsHooks = problems.isEmpty && entity.hooks(.beforeSave) && (!changed.isEmpty || lines != nil)
            var draftProblems: [FieldProblem] = []
            let given =
                !runsHooks ? [:]
                : try lines.map { try draftLines(entity, $0, masterID: id, problems: &draftProblems) }
                    ?? record(entity, current, access: .unrestricted).lines.mapValues { $0.map(\.values) }
            if runsHooks, draftProblems.isEmpty, let hooks {
                let outcome = try hooks.beforeSave(entity, record: merged, lines: given, old: current, in: self)
                for (name, value) in ruleChanges(entity, outcome.changes, problems: &problems) {
                    merged[name] = value
                    // `Value` takes `nil` for `.null`: an explicit removal, not a ternary's nil.
                    if current[name] == value { changed.removeValue(forKey: name) } else { changed[name] = value }
                }
                if let changedLines = outcome.lines {
                    lines = Self.editable(changedLines)
                    lineWriter = asRule
                }
            }
            checkRequired(entity, merged, problems: &problems)
            try checkReferences(entity, changed, problems: &problems)
            try checkUnique(entity, table, merged, changed: Set(changed.keys), excluding: id, problems: &problems)
            let lineWork = try lineWriter.prepareLines(entity, masterID: id, lines: lines, problems: &problems)
            guard problems.isEmpty else {
                throw RecordError.notSaved(entityName, problems)
            }
            guard !changed.isEmpty || lineWork.contains(where: \.changes) else {
                return try record(entity, current, access: access)
            }
            let version = (current["version"]?.integer ?? 1) + 1
            try writeRow(table, id: id, changed, version: version, expected: current["version"]?.integer ?? 1)
            var history = changed.reduce(into: [String: (Value, Value)]()) { $0[$1.key] = (current[$1.key] ?? .null, $1.value) }
            // The master's entry also says what happened to its lines (each line keeps its own too).
            for work in lineWork { history.merge(try work.apply(self)) { $1 } }
            try writeHistory(entity, id: id, version: version, action: action, changes: history, comment: comment)
            guard let stored = try fetchValues(table, id: id) else {
                throw RecordError(.storage, entity: entityName, "the record could not be read back")
            }
            if let hooks, entity.hooks(.afterSave) {
                try hooks.afterSave(entity, record: stored, old: current, in: self)
            }
            return try record(entity, stored, access: access)
        }
    }

    /// The stored values of a record the actor may write, or the reason it may not.
    /// A record the actor may not even read is "not found", so that nobody learns it exists.
    func loadForWrite(
        _ entity: Entity, _ table: StorageLayout.Table, id: Int64, condition: AccessFilter.Condition?, readable: AccessFilter.Condition?,
        expectedVersion: Int64?, verb: String
    ) throws -> [String: Value] {
        guard let current = try fetchValues(table, id: id, condition: condition) else {
            if condition != nil, try fetchValues(table, id: id, condition: readable) != nil {
                throw RecordError(.forbidden, entity: entity.name, "you may not \(verb) \(entity.name) #\(id)")
            }
            throw RecordError(.notFound, entity: entity.name, "\(entity.name) #\(id) does not exist")
        }
        if let expectedVersion, let stored = current["version"]?.integer, stored != expectedVersion {
            throw RecordError(
                .stale, entity: entity.name,
                "\(entity.name) #\(id) was changed by someone else (version \(stored), you edited version \(expectedVersion)); reload it and apply your changes again",
                currentVersion: stored)
        }
        return current
    }

    /// UPDATE of the changed columns, stamps and version, guarded by the version read.
    func writeRow(_ table: StorageLayout.Table, id: Int64, _ changed: [String: Value], version: Int64, expected: Int64) throws {
        var assignments: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        for column in table.columns where changed[column.name] != nil && !Self.stampedFields.contains(column.name) {
            assignments.append("\(SQL.quote(column.name)) = ?")
            arguments.append(ColumnCodec(column).encode(changed[column.name] ?? .null))
        }
        assignments += ["\"updated_at\" = ?", "\"updated_by\" = ?", "\"version\" = ?"]
        arguments += [nowText, actor.userID, version, id, expected]
        try db.run(
            "UPDATE \(SQL.quote(table.name)) SET \(assignments.joined(separator: ", ")) WHERE id = ? AND version = ?",
            arguments: StatementArguments(arguments))
        guard db.changesCount == 1 else {
            throw RecordError(.stale, entity: table.entity, "\(table.entity) #\(id) was changed by someone else; reload it")
        }
        for (field, link) in table.links where changed[field] != nil {
            try writeLinks(link, record: id, targets: changed[field]?.list ?? [])
        }
    }

    /// What saving a master's full list of lines does to each stored line.
    struct LineWork {
        enum Kind {
            case insert([String: Value])
            case update(id: Int64, changes: [String: Value], old: [String: Value])
            case delete(id: Int64, old: [String: Value])
        }
        let detail: Entity
        let table: StorageLayout.Table
        let kind: Kind

        var changes: Bool {
            if case .update(_, let changes, _) = kind { return !changes.isEmpty }
            return true
        }

        /// Saves the line; returns what the master's history says of it (`LineChange`):
        /// `order_line#7` from empty to true when added, the other way when removed, and
        /// `order_line#7.quantity` for each changed field.
        func apply(_ transaction: RecordTransaction) throws -> [String: (Value, Value)] {
            switch kind {
            case .insert(let values):
                let id = try transaction.insert(detail, table, values)
                try transaction.writeHistory(detail, id: id, version: 1, action: "create", changes: values.mapValues { (.null, $0) })
                return [LineChange.key(detail.name, id): (.null, .boolean(true))]
            case .update(let id, let changes, let old):
                guard !changes.isEmpty else { return [:] }
                let version = (old["version"]?.integer ?? 1) + 1
                try transaction.writeRow(table, id: id, changes, version: version, expected: old["version"]?.integer ?? 1)
                let changed = changes.reduce(into: [String: (Value, Value)]()) { $0[$1.key] = (old[$1.key] ?? .null, $1.value) }
                try transaction.writeHistory(detail, id: id, version: version, action: "update", changes: changed)
                return changed.reduce(into: [:]) { $0[LineChange.key(detail.name, id, field: $1.key)] = $1.value }
            case .delete(let id, let old):
                try transaction.db.run("DELETE FROM \(SQL.quote(table.name)) WHERE id = ?", arguments: [id])
                for (_, link) in table.links {
                    try transaction.db.run("DELETE FROM \(SQL.quote(link)) WHERE record = ?", arguments: [id])
                }
                try transaction.writeHistory(
                    detail, id: id, version: (old["version"]?.integer ?? 1) + 1, action: "delete", changes: old.mapValues { ($0, .null) })
                return [LineChange.key(detail.name, id): (.boolean(true), .null)]
            }
        }
    }

    func prepareLines(_ entity: Entity, masterID: Int64, lines: [String: [[String: Value]]]?, problems: inout [FieldProblem]) throws
        -> [LineWork]
    {
        guard let lines else { return [] }
        var work: [LineWork] = []
        for (detailName, rows) in lines.sorted(by: { $0.key < $1.key }) {
            guard let detail = schema.entity(detailName), detail.detailOf == entity.name, let table = store.layout.table(detailName),
                let master = masterField(of: detail, master: entity.name)
            else {
                problems.append(FieldProblem(field: detailName, .notALineItem(of: entity.name)))
                continue
            }
            let storedIDs = try Int64.fetchAll(
                db, sql: "SELECT id FROM \(SQL.quote(table.name)) WHERE \(SQL.quote(master)) = ?", arguments: [masterID])
            var kept = Set<Int64>()
            for (index, row) in rows.enumerated() {
                let prefix = "\(detailName)[\(index + 1)]."
                let input = Self.lineInput(row, master: master)
                if let lineID = row["id"]?.integer ?? row["id"]?.text.flatMap({ Int64($0) }) {
                    guard storedIDs.contains(lineID), let old = try fetchValues(table, id: lineID) else {
                        problems.append(FieldProblem(field: prefix + "id", .notALine(lineID, of: entity.name)))
                        continue
                    }
                    kept.insert(lineID)
                    let normalized = normalize(
                        detail, input, access: .unrestricted, creating: false, stored: old, problems: &problems, prefix: prefix)
                    let changed = normalized.filter { old[$0.key] != $0.value }
                    var merged = old
                    for (name, value) in changed { merged[name] = value }
                    checkRequired(detail, merged, problems: &problems, prefix: prefix)
                    try checkReferences(detail, changed, problems: &problems, prefix: prefix)
                    work.append(LineWork(detail: detail, table: table, kind: .update(id: lineID, changes: changed, old: old)))
                } else {
                    var values = try prepareNew(
                        detail, table, input, access: .unrestricted, problems: &problems, prefix: prefix, skipping: [master])
                    values[master] = .integer(masterID)
                    work.append(LineWork(detail: detail, table: table, kind: .insert(values)))
                }
            }
            for lineID in storedIDs where !kept.contains(lineID) {
                if let old = try fetchValues(table, id: lineID) {
                    work.append(LineWork(detail: detail, table: table, kind: .delete(id: lineID, old: old)))
                }
            }
        }
        return work
    }
}

extension RecordTransaction {
    /// Counts one more view of the record in its `counts="views"` fields. A view is no change: it
    /// writes no history and leaves the version and `updated_at` alone, so nobody editing the
    /// record meanwhile meets a conflict. Returns whether the entity counts views at all.
    @discardableResult
    public func countView(_ entityName: String, id: Int64) throws(RecordError) -> Bool {
        let (entity, table) = try entity(entityName)
        let counted = entity.fields.filter(\.countsViews).map { SQL.quote($0.name) }
        guard !counted.isEmpty else { return false }
        let sets = counted.map { "\($0) = coalesce(\($0), 0) + 1" }.joined(separator: ", ")
        try storage(entityName) {
            try db.run("UPDATE \(SQL.quote(table.name)) SET \(sets) WHERE id = ?", arguments: [id])
        }
        return true
    }
}
