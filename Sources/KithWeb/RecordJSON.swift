import Foundation
import KithSchema
import KithStore

/// Records as the API's JSON: fields by name (system fields included), decimals and money as
/// strings, dates as ISO 8601 text, multi-valued fields as arrays, line items as an array named
/// after the detail entity.
struct RecordJSON: Sendable {
    /// Each entity's field names in order and its detail entities, worked out once.
    struct FieldOrder: Sendable {
        let fields: [String]
        let details: [String]
        /// Each field's and detail's `"name":`, written once.
        let fieldKeys: [[UInt8]]
        let detailKeys: [[UInt8]]

        init(fields: [String], details: [String]) {
            self.fields = fields
            self.details = details
            fieldKeys = fields.map(Self.key)
            detailKeys = details.map(Self.key)
        }

        static func key(_ name: String) -> [UInt8] {
            var bytes: [UInt8] = []
            JSON.quote(name, into: &bytes)
            return bytes + [UInt8(ascii: ":")]
        }
    }

    let schema: Schema
    let orders: [String: FieldOrder]

    init(schema: Schema) {
        self.schema = schema
        var orders: [String: FieldOrder] = [:]
        for entity in schema.entities {
            orders[entity.name] = FieldOrder(fields: entity.allFields.map(\.name), details: schema.details(of: entity.name).map(\.name))
        }
        self.orders = orders
    }

    /// The record as a JSON object, written at once (building the object member by member cost
    /// a list response more than its query).
    func encode(_ record: Record) -> JSON {
        var output: [UInt8] = []
        output.reserveCapacity(1_024)
        write(record, into: &output)
        return .written(output)
    }

    /// The rows of a page as a JSON array of objects, fields in the entity's order (as
    /// `encode(_:)` writes a record), read by position and written into one buffer.
    func encode(_ rows: RecordRows) -> JSON {
        guard let order = orders[rows.entity] else { return .array([]) }
        let positions = order.fields.map { rows.position(of: $0) }
        var output: [UInt8] = [UInt8(ascii: "[")]
        output.reserveCapacity(rows.count * 1_024)
        for row in 0..<rows.count {
            if row > 0 { output.append(UInt8(ascii: ",")) }
            output.append(UInt8(ascii: "{"))
            var first = true
            for (index, position) in positions.enumerated() {
                guard let position else { continue }  // hidden from this user
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                output.append(contentsOf: order.fieldKeys[index])
                Self.write(rows[row, position], into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "]"))
        return .written(output)
    }

    func write(_ record: Record, into output: inout [UInt8]) {
        guard let order = orders[record.entity] else { return output.append("null") }
        output.append(UInt8(ascii: "{"))
        var first = true
        for (index, name) in order.fields.enumerated() {
            guard let value = record.values[name] else { continue }  // hidden from this user
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(contentsOf: order.fieldKeys[index])
            Self.write(value, into: &output)
        }
        for (index, detail) in order.details.enumerated() {
            guard let lines = record.lines[detail] else { continue }
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(contentsOf: order.detailKeys[index])
            output.append(UInt8(ascii: "["))
            for (position, line) in lines.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                write(line, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        output.append(UInt8(ascii: "}"))
    }

    static func write(_ value: Value, into output: inout [UInt8]) {
        switch value {
        case .null: output.append("null")
        case .text(let text): JSON.quote(text, into: &output)
        case .integer(let integer): output.append(decimal: integer)
        case .decimal(let decimal): JSON.quote(decimal.description, into: &output)
        case .boolean(let flag): output.append(flag ? "true" : "false")
        case .list(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(item, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
    }

    static func encode(_ value: Value) -> JSON {
        switch value {
        case .null: .null
        case .text(let text): .string(text)
        case .integer(let integer): .integer(integer)
        case .decimal(let decimal): .string(decimal.description)
        case .boolean(let flag): .bool(flag)
        case .list(let items): .array(items.map(encode))
        }
    }

    /// A request body's fields and, when present, its line items per detail entity. `version` and
    /// `id` are taken out (the caller uses them); anything else unknown is left for the store to
    /// refuse by name.
    static func decode(_ body: JSON, entity: Entity, schema: Schema) throws(RecordError) -> Decoded {
        guard let members = body.members else {
            throw RecordError(.invalid, entity: entity.name, "the body must be a JSON object of the record's fields")
        }
        var decoded = Decoded()
        let details = Set(schema.details(of: entity.name).map(\.name))
        var problems: [FieldProblem] = []
        for (name, json) in members {
            if name == "version" {
                guard case .number(let digits) = json, let version = Int64(digits) else {
                    problems.append(FieldProblem(field: name, message: "must be the record's version number"))
                    continue
                }
                decoded.version = version
            } else if name == "id" {
                guard case .number(let digits) = json, let id = Int64(digits) else {
                    problems.append(FieldProblem(field: name, message: "must be a record id"))
                    continue
                }
                decoded.id = id
            } else if details.contains(name) {
                guard let items = json.items else {
                    problems.append(FieldProblem(field: name, message: "must be an array of line items"))
                    continue
                }
                var lines: [[String: Value]] = []
                for (index, item) in items.enumerated() {
                    guard let fields = item.members else {
                        problems.append(FieldProblem(field: "\(name)[\(index)]", message: "must be an object"))
                        continue
                    }
                    var line: [String: Value] = [:]
                    for (field, value) in fields {
                        if field == "version" { continue }  // lines carry their master's version
                        do throws(FieldProblem) {
                            line[field] = try self.value(value, field: "\(name)[\(index)].\(field)")
                        } catch {
                            problems.append(error)
                        }
                    }
                    lines.append(line)
                }
                decoded.lines[name] = lines
            } else {
                do throws(FieldProblem) {
                    decoded.values[name] = try value(json, field: name)
                } catch {
                    problems.append(error)
                }
            }
        }
        if !problems.isEmpty {
            throw RecordError(.invalid, entity: entity.name, "some values are not valid", problems: problems)
        }
        return decoded
    }

    struct Decoded {
        var values: [String: Value] = [:]
        var lines: [String: [[String: Value]]] = [:]
        var version: Int64?
        var id: Int64?
    }

    static func value(_ json: JSON, field: String) throws(FieldProblem) -> Value {
        switch json {
        case .null: return .null
        case .bool(let flag): return .boolean(flag)
        case .string(let text): return .text(text)
        case .number(let digits):
            if let integer = Int64(digits) { return .integer(integer) }
            return .text(digits)  // decimals keep their digits; the field's type parses them
        case .array(let items):
            var values: [Value] = []
            for item in items {
                if case .array = item { throw FieldProblem(field: field, message: "takes a list of values, not a list of lists") }
                if case .object = item { throw FieldProblem(field: field, message: "takes a list of values, not of objects") }
                values.append(try value(item, field: field))
            }
            return .list(values)
        case .object, .written:  // parsed requests hold no written values
            throw FieldProblem(field: field, message: "takes a value, not an object")
        }
    }
}
