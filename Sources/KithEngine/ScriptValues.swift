import Foundation
import KithSchema
import KithScript
import KithStore

/// Records and values between the store's `Value`s and the rules' `ScriptValue`s, typed by the
/// schema: decimals at their field's scale, dates as ISO text, multi-valued fields as arrays,
/// references as ids. A record table also carries `_entity`, its entity's name.
enum ScriptValues {
    static func value(_ value: Value, _ field: Field?) -> ScriptValue {
        switch value {
        case .null: return .null
        case .text(let text): return .text(text)
        case .integer(let integer): return .integer(integer)
        case .boolean(let flag): return .boolean(flag)
        case .list(let items): return .list(items.map { self.value($0, nil) })
        case .decimal(let decimal):
            let scaled = field.flatMap { decimal.rescaled(to: $0.effectiveScale) } ?? decimal
            return .decimal(units: scaled.units, scale: scaled.scale)
        }
    }

    static func record(_ values: [String: Value], of entity: Entity, schema: Schema) -> ScriptValue {
        var fields: [String: ScriptValue] = ["_entity": .text(entity.name)]
        for (name, value) in values where value != .null {
            fields[name] = self.value(value, entity.field(name))
        }
        return .table(fields)
    }

    /// A record with its line items, each detail entity's as an array named after it, as the API
    /// sends them (`order.order_line`).
    static func record(_ record: Record, schema: Schema) -> ScriptValue {
        guard let entity = schema.entity(record.entity) else { return .null }
        guard case .table(var fields) = self.record(record.values, of: entity, schema: schema) else { return .null }
        for (detail, rows) in record.lines { fields[detail] = .list(rows.map { self.record($0, schema: schema) }) }
        return .table(fields)
    }

    static func lines(_ lines: [String: [[String: Value]]], schema: Schema) -> ScriptValue {
        var tables: [String: ScriptValue] = [:]
        for (detail, rows) in lines {
            guard let entity = schema.entity(detail) else { continue }
            tables[detail] = .list(rows.map { record($0, of: entity, schema: schema) })
        }
        return .table(tables)
    }

    static func user(_ user: DirectoryUser, manager: Int64?) -> ScriptValue {
        var fields: [String: ScriptValue] = [
            "id": .integer(user.id), "login": .text(user.login), "name": .text(user.name), "roles": .list(user.roles.map(ScriptValue.text)),
        ]
        if let email = user.email { fields["email"] = .text(email) }
        if let department = user.departmentID { fields["department"] = .integer(department) }
        if let manager { fields["manager"] = .integer(manager) }
        return .table(fields)
    }

    /// A rule's value as a store value; the store then checks it against the field.
    static func storeValue(_ value: ScriptValue) -> Value {
        switch value {
        case .null, .function: return .null
        case .boolean(let flag): return .boolean(flag)
        case .integer(let integer): return .integer(integer)
        case .number(let number):
            if number == number.rounded(), abs(number) < 9e15 { return .integer(Int64(number)) }
            return (try? ExactDecimal("\(number)")).map(Value.decimal) ?? .text("\(number)")
        case .text(let text): return .text(text)
        case .decimal(let units, let scale): return .decimal(ExactDecimal(units: units, scale: scale))
        case .list(let items): return .list(items.map(storeValue))
        case .table(let fields) where fields.isEmpty: return .list([])
        case .table(let fields): return .text(ScriptValue.table(fields).display)
        }
    }

    static func values(_ table: ScriptValue) -> [String: Value] {
        var values: [String: Value] = [:]
        for (name, value) in table.fields ?? [:] where !name.hasPrefix("_") {
            values[name] = storeValue(value)
        }
        return values
    }

    /// The fields hooks set, as store values; Kith's own columns are left out.
    static func changes(_ changed: [String: ScriptValue]) -> [String: Value] {
        var changes: [String: Value] = [:]
        for (name, value) in changed where !RecordTransaction.stampedFields.contains(name) {
            changes[name] = storeValue(value)
        }
        return changes
    }

    /// What `kith.create` and `kith.update` write: the fields, and the line items given either
    /// inside the values as arrays named after their detail entity or in the separate `lines` table.
    static func write(_ table: ScriptValue, lines: ScriptValue?, of entity: Entity, schema: Schema) -> (
        values: [String: Value], lines: [String: [[String: Value]]]
    ) {
        let fields = table.fields ?? [:]
        let details = Set(schema.details(of: entity.name).map(\.name))
        var written = lines.map { lineValues($0, schema: schema) } ?? [:]
        written.merge(lineValues(.table(fields.filter { details.contains($0.key) }), schema: schema)) { _, inside in inside }
        return (values(.table(fields.filter { !details.contains($0.key) })), written)
    }

    static func lineValues(_ lines: ScriptValue, schema: Schema) -> [String: [[String: Value]]] {
        var result: [String: [[String: Value]]] = [:]
        for (detail, rows) in lines.fields ?? [:] {
            result[detail] = (rows.items ?? []).map(values)
        }
        return result
    }
}

/// The fields of the `ctx` a rule function receives (lua-api.md).
enum ContextField: String {
    case event, entity, record, old, user, lines, transition, comment, schedule, now, today
}

extension Dictionary where Key == String, Value == ScriptValue {
    subscript(field: ContextField) -> ScriptValue? {
        get { self[field.rawValue] }
        set { self[field.rawValue] = newValue }
    }
}
