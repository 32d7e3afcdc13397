import Foundation
import GRDB
import KithSchema

/// One entry of a record's change log (变更记录).
public struct HistoryEntry: Sendable, Equatable {
    public let version: Int64
    /// `create`, `update`, `delete`, `restore`, `transfer`, `transition`, ...
    public let action: String
    public let actor: Int64?
    public let at: String
    /// Field → (old value, new value).
    public let changes: [String: FieldChange]
    public let comment: String?
}

public struct FieldChange: Sendable, Equatable {
    public let old: Value
    public let new: Value
}

/// What a master's history entry says of one of its lines: `order_line#7` (added when its new
/// value is true, removed when its old one is) or `order_line#7.quantity` (a changed field).
public struct LineChange: Sendable, Equatable {
    public let detail: String
    public let id: Int64
    /// The changed field; nil when the line was added or removed.
    public let field: String?

    /// The history key of a line (added or removed), or of one of its fields.
    static func key(_ detail: String, _ id: Int64, field: String? = nil) -> String {
        "\(detail)#\(id)" + (field.map { "." + $0 } ?? "")
    }

    /// The line change a history key names, nil for a field of the record itself.
    public init?(key: String) {
        guard let hash = key.firstIndex(of: "#") else { return nil }
        let rest = key[key.index(after: hash)...]
        let dot = rest.firstIndex(of: ".")
        guard let id = Int64(rest[..<(dot ?? rest.endIndex)]) else { return nil }
        detail = String(key[..<hash])
        self.id = id
        field = dot.map { String(rest[rest.index(after: $0)...]) }
    }
}

extension RecordTransaction {
    /// Writes one history entry, in this transaction. Unaudited entities keep the action without values.
    func writeHistory(
        _ entity: Entity, id: Int64, version: Int64, action: String, changes: [String: (Value, Value)], comment: String? = nil
    ) throws {
        var json = "{"
        if entity.isAudited {
            var first = true
            for (field, change) in changes.sorted(by: { $0.key < $1.key })
            where !Self.stampedFields.contains(field) && change.0 != change.1 {
                if !first { json += "," }
                first = false
                HistoryCoding.write(.text(field), to: &json)
                json += ":["
                HistoryCoding.write(change.0, to: &json)
                json += ","
                HistoryCoding.write(change.1, to: &json)
                json += "]"
            }
        }
        json += "}"
        try db.cachedStatement(
            sql: "INSERT INTO kith_history (entity, record, version, action, actor, at, changes, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [entity.name, id, version, action, actor.userID, nowText, json, comment])
    }

    /// The change log of one record, oldest first, as far as the access filter lets the actor read it.
    public func history(_ entityName: String, id: Int64, access: AccessFilter = .unrestricted) throws(RecordError) -> [HistoryEntry] {
        let (entity, table) = try self.entity(entityName)
        return try storage(entityName) {
            if let read = access.read {
                let visible = try fetchValues(table, id: id, condition: read) != nil
                let deleted =
                    try Int.fetchOne(db, sql: "SELECT 1 FROM kith_recycle WHERE entity = ? AND record = ?", arguments: [entityName, id])
                    != nil
                guard visible || deleted else { throw RecordError(.notFound, entity: entityName, "\(entityName) #\(id) does not exist") }
            }
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT version, action, actor, at, changes, comment FROM kith_history WHERE entity = ? AND record = ? ORDER BY id",
                arguments: [entityName, id])
            return rows.map { row in
                let json = (try? JSONSerialization.jsonObject(with: Data((row[4] as String).utf8))) as? [String: [Any]] ?? [:]
                var changes: [String: FieldChange] = [:]
                for (name, pair) in json where pair.count == 2 && !access.hiddenFields.contains(name) {
                    let line = LineChange(key: name)
                    let field = line.map { line in line.field.flatMap { schema.entity(line.detail)?.field($0) } } ?? entity.field(name)
                    if let line, line.field == nil {  // a line added or removed: true on the side it exists
                        let side = { (value: Any) in value is NSNull ? Value.null : .boolean(true) }
                        changes[name] = FieldChange(old: side(pair[0]), new: side(pair[1]))
                        continue
                    }
                    changes[name] = FieldChange(old: HistoryCoding.value(pair[0], field), new: HistoryCoding.value(pair[1], field))
                }
                return HistoryEntry(version: row[0], action: row[1], actor: row[2], at: row[3], changes: changes, comment: row[5])
            }
        }
    }
}

/// Values in history and recycle-bin JSON.
enum HistoryCoding {
    static func json(_ value: Value) -> Any {
        switch value {
        case .null: NSNull()
        case .text(let text): text
        case .integer(let integer): NSNumber(value: integer)
        case .decimal(let decimal): decimal.description
        case .boolean(let flag): flag
        case .list(let items): items.map(json)
        }
    }

    /// Appends `value` as JSON (decimals as strings, so they stay exact).
    static func write(_ value: Value, to json: inout String) {
        switch value {
        case .null: json += "null"
        case .integer(let integer): json += String(integer)
        case .boolean(let flag): json += flag ? "true" : "false"
        case .decimal(let decimal): write(.text(decimal.description), to: &json)
        case .list(let items):
            json += "["
            for (index, item) in items.enumerated() {
                if index > 0 { json += "," }
                write(item, to: &json)
            }
            json += "]"
        case .text(let text):
            json += "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": json += "\\\""
                case "\\": json += "\\\\"
                case "\n": json += "\\n"
                case "\r": json += "\\r"
                case "\t": json += "\\t"
                case _ where scalar.value < 0x20: json += String(format: "\\u%04x", scalar.value)
                default: json.unicodeScalars.append(scalar)
                }
            }
            json += "\""
        }
    }

    static func value(_ json: Any, _ field: Field?) -> Value {
        value(json, type: field?.type ?? .text)
    }

    static func value(_ json: Any, type: FieldType) -> Value {
        if json is NSNull { return .null }
        if let items = json as? [Any] { return .list(items.map { value($0, type: type == .multiref ? .ref : .text) }) }
        if type == .boolean, let flag = json as? Bool { return .boolean(flag) }
        if type.isDecimal, let text = json as? String, let decimal = try? ExactDecimal(text) { return .decimal(decimal) }
        if let number = json as? NSNumber, !(json is String) {
            if type == .boolean { return .boolean(number.boolValue) }
            return .integer(number.int64Value)
        }
        if let text = json as? String { return .text(text) }
        return .null
    }
}
