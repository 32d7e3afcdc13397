/// A value crossing between Swift and Lua.
///
/// Records cross as `.table`s of field values; exact decimals as `.decimal` (a Lua userdata with
/// arithmetic metamethods, never a float); multi-valued fields as `.list`s.
public enum ScriptValue: Sendable, Equatable {
    case null
    case boolean(Bool)
    case integer(Int64)
    /// A Lua float. Rules should use decimals for money; floats written to decimal fields are
    /// converted through their shortest decimal form.
    case number(Double)
    case text(String)
    case decimal(units: Int64, scale: Int)
    case list([ScriptValue])
    case table([String: ScriptValue])
    /// A Lua function passed to the host (`t.case(name, fn)`), valid during the host call.
    case function(ScriptFunction)

    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value) where value == value.rounded() && abs(value) < 9e18: Int64(value)
        case .text(let text): Int64(text)
        default: nil
        }
    }

    public var fields: [String: ScriptValue]? {
        switch self {
        case .table(let fields): fields
        case .list(let items) where items.isEmpty: [:]
        default: nil
        }
    }

    public var items: [ScriptValue]? {
        switch self {
        case .list(let items): items
        case .table(let fields) where fields.isEmpty: []
        default: nil
        }
    }

    public subscript(key: String) -> ScriptValue {
        fields?[key] ?? .null
    }

    /// How the value reads in a message: strings quoted, decimals with their scale.
    public var display: String {
        switch self {
        case .null: "nil"
        case .boolean(let flag): flag ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .text(let text): "\"\(text)\""
        case .decimal(let units, let scale): Self.decimalText(units: units, scale: scale)
        case .list(let items): "{" + items.map(\.display).joined(separator: ", ") + "}"
        case .table(let fields): "{" + fields.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value.display)" }.joined(separator: ", ") + "}"
        case .function: "function"
        }
    }

    /// "-12.50" for units -1250 at scale 2.
    public static func decimalText(units: Int64, scale: Int) -> String {
        let digits = String(units.magnitude)
        let sign = units < 0 ? "-" : ""
        guard scale > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        let point = padded.index(padded.endIndex, offsetBy: -scale)
        return sign + padded[..<point] + "." + padded[point...]
    }
}

/// A Lua function held for the host while it serves a call.
public struct ScriptFunction: Sendable, Equatable {
    let reference: Int32
}
