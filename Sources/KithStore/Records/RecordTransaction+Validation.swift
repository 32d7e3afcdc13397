import Foundation
import GRDB
public import KithSchema

extension RecordTransaction {
    /// The columns Kith maintains itself: never written by users or rules.
    public static let stampedFields: Set<String> = ["id", "created_at", "created_by", "updated_at", "updated_by", "version"]

    /// `input` checked and normalized field by field; every problem is collected, none thrown.
    /// With `stored` (a change to a stored record or line), a value equal to the stored one is no
    /// change and is left out: a record sent back as it was read, with its stamps and read-only
    /// fields, changes only what differs. A hidden field is refused all the same, or a guess that
    /// went through would tell its value.
    func normalize(
        _ entity: Entity, _ input: [String: Value], access: AccessFilter, creating: Bool, stored: [String: Value]? = nil,
        problems: inout [FieldProblem], prefix: String = ""
    ) -> [String: Value] {
        var values: [String: Value] = [:]
        for (name, value) in input.sorted(by: { $0.key < $1.key }) {
            let label = prefix + name
            guard let field = entity.field(name), let fieldInput = store.inputs.input(entity.name, name) else {
                problems.append(FieldProblem(field: label, .notAField(of: entity.name)))
                continue
            }
            if !access.hiddenFields.contains(name), let old = stored?[name], (try? fieldInput.normalize(value)) == old { continue }
            let engine = actor.origin == .engine
            if field.isSystem {
                if Self.stampedFields.contains(name) && !engine {
                    problems.append(FieldProblem(field: label, .maintainedByKith))
                    continue
                }
                if name == "state" && !engine {
                    problems.append(FieldProblem(field: label, .workflowOnly))
                    continue
                }
                if (name == "owner" || name == "department") && !creating && actor.origin == .user {
                    problems.append(FieldProblem(field: label, .transferOnly))
                    continue
                }
            }
            if access.hiddenFields.contains(name) || access.readonlyFields.contains(name) {
                problems.append(FieldProblem(field: label, .notYours))
                continue
            }
            if field.type == .autonumber && !engine {
                problems.append(FieldProblem(field: label, .assignedAutomatically))
                continue
            }
            if field.isReadonly && !field.isSystem && !actor.writesReadonlyFields {
                problems.append(FieldProblem(field: label, .readOnly))
                continue
            }
            do {
                values[name] = try fieldInput.normalize(value)
            } catch {
                var problem = error
                problem.field = label  // with the line's prefix
                problems.append(problem)
            }
        }
        return values
    }

    /// The default of `field` for a new record, or nil.
    public func defaultValue(_ field: Field, of entity: String) -> Value? {
        guard let text = field.defaultValue else { return nil }
        switch text {
        case "$now": return .text(nowText)
        case "$today": return .text(todayText)
        case "$me": return actor.userID.map(Value.integer)
        default: return try? store.inputs.input(entity, field.name)?.normalize(.text(text))
        }
    }

    /// Required fields without a value in `values` (the whole record after the change).
    func checkRequired(_ entity: Entity, _ values: [String: Value], problems: inout [FieldProblem], prefix: String = "") {
        let refused = Set(problems.map(\.field))  // a value refused already says what is wrong
        for field in entity.fields where field.isRequired && field.type != .autonumber && !refused.contains(prefix + field.name) {
            if (values[field.name] ?? .null).isEmpty {
                problems.append(FieldProblem(field: prefix + field.name, .required))
            }
        }
    }

    /// References in `changed` that point nowhere.
    func checkReferences(_ entity: Entity, _ changed: [String: Value], problems: inout [FieldProblem], prefix: String = "") throws {
        for (name, value) in changed where !value.isEmpty {
            guard let field = entity.field(name) else { continue }
            switch field.type {
            case .ref, .multiref:
                guard let target = field.target, let table = store.layout.table(target) else { continue }
                let ids = (value.list ?? [value]).compactMap(\.integer)
                // A user's own write may only name records they may read; rules and the engine
                // write for them within their rights already, and a stored reference stays.
                let readable = actor.origin == .user ? try hooks?.readAccess(target, in: self).read : nil
                for id in ids {
                    let found = try readable.map { try fetchValues(table, id: id, condition: $0) != nil } ?? exists(table.name, id)
                    if !found { problems.append(FieldProblem(field: prefix + name, .missingRecord(target, id: id))) }
                }
            case .user, .department:
                // The actor's own stamps (owner, department) need no look-up.
                guard let id = value.integer, id != (field.type == .user ? actor.userID : actor.departmentID) else { continue }
                let (table, kind) = field.type == .user ? ("kith_user", "user") : ("kith_department", "department")
                if try !exists(table, id) {
                    problems.append(FieldProblem(field: prefix + name, .missingRecord(kind, id: id)))
                }
            case .file:
                guard let id = value.integer else { continue }
                guard let size = try Int.fetchOne(try db.cachedStatement(sql: "SELECT size FROM kith_file WHERE id = ?"), arguments: [id])
                else {
                    problems.append(FieldProblem(field: prefix + name, .missingRecord("file", id: id)))
                    continue
                }
                if let max = field.max.flatMap(Int.init), size > max {
                    problems.append(FieldProblem(field: prefix + name, .fileTooLarge(size: size, max: max)))
                }
            default:
                continue
            }
        }
    }

    /// The other mistakes of a save some of whose `fields` could not be read (references not
    /// found): `save` runs without them and is rolled back, and its problems with other fields are
    /// returned, so that a form or an import line says every mistake at once.
    public func problems(besides fields: Set<String>, _ save: () throws -> Void) throws -> [FieldProblem] {
        do {
            try db.inSavepoint {
                try save()
                return .rollback
            }
        } catch let error as RecordError where error.code == .invalid {
            return error.problems.filter { !fields.contains($0.field) }
        }
        return []
    }

    func exists(_ table: String, _ id: Int64) throws -> Bool {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM \(SQL.quote(table)) WHERE id = ?"), arguments: [id]) != nil
    }

    /// Unique fields and unique indexes whose value another record already has.
    func checkUnique(
        _ entity: Entity, _ table: StorageLayout.Table, _ values: [String: Value], changed: Set<String>, excluding id: Int64?,
        problems: inout [FieldProblem], prefix: String = ""
    ) throws {
        for index in table.indexes where index.isUnique && !changed.isDisjoint(with: index.columns) {
            let keyValues = index.columns.map { values[$0] ?? .null }
            if keyValues.contains(where: \.isEmpty) { continue }
            let condition = index.columns.map { "\(SQL.quote($0)) = ?" }.joined(separator: " AND ")
            var arguments: [(any DatabaseValueConvertible)?] = index.columns.enumerated().map { offset, name in
                table.column(name).map { ColumnCodec($0).encode(keyValues[offset]) }
            }
            var sql = "SELECT id FROM \(SQL.quote(table.name)) WHERE \(condition)"
            if let id {
                sql += " AND id <> ?"
                arguments.append(id)
            }
            if let other = try Int64.fetchOne(try db.cachedStatement(sql: sql + " LIMIT 1"), arguments: StatementArguments(arguments)) {
                let shown = keyValues.map(\.description).joined(separator: ", ")
                problems.append(
                    FieldProblem(field: prefix + index.columns.joined(separator: ","), .alreadyUsed(shown, by: entity.name, id: other)))
            }
        }
    }

    /// The next code of an autonumber field: counters per period, in this transaction (so a
    /// rolled-back save gives its number back and codes stay gap-free).
    func nextCode(_ entity: Entity, _ field: Field, _ table: StorageLayout.Table) throws -> String {
        let pattern = (try? AutonumberPattern(field.pattern ?? AutonumberPattern.standard)) ?? (try! AutonumberPattern("{seq:6}"))
        let parts = todayText.split(separator: "-").compactMap { Int($0) }
        let (year, month, day) = (parts[0], parts[1], parts[2])
        let period: String
        switch field.reset {
        case .never: period = ""
        case .yearly: period = String(year)
        case .monthly: period = String(format: "%04d-%02d", year, month)
        }
        while true {
            let next =
                try Int.fetchOne(
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO kith_sequence (entity, field, period, value) VALUES (?, ?, ?, 1)
                            ON CONFLICT (entity, field, period) DO UPDATE SET value = value + 1 RETURNING value
                            """), arguments: [entity.name, field.name, period]) ?? 1
            let code = pattern.format(year: year, month: month, day: day, sequence: next)
            let taken = try Int.fetchOne(
                try db.cachedStatement(sql: "SELECT 1 FROM \(SQL.quote(table.name)) WHERE \(SQL.quote(field.name)) = ?"), arguments: [code])
            if taken == nil { return code }
        }
    }
}
