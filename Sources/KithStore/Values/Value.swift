/// A field's value as the engine passes it around, independent of how SQLite stores it.
///
/// Dates are `YYYY-MM-DD` text; datetimes are UTC `YYYY-MM-DDTHH:MM:SS.sssZ` text (both sort as
/// text); enums their value; refs, users and files record ids; multienum and multiref a list.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case text(String)
    case integer(Int64)
    case decimal(ExactDecimal)
    case boolean(Bool)
    case list([Value])

    public var isEmpty: Bool {
        switch self {
        case .null: true
        case .text(let text): text.isEmpty
        case .list(let list): list.isEmpty
        default: false
        }
    }

    /// The value as a user reads it (CSV, messages).
    public var description: String {
        switch self {
        case .null: ""
        case .text(let text): text
        case .integer(let integer): String(integer)
        case .decimal(let decimal): decimal.description
        case .boolean(let flag): flag ? "true" : "false"
        case .list(let list): list.map(\.description).joined(separator: ",")
        }
    }

    public var text: String? { if case .text(let text) = self { text } else { nil } }
    public var integer: Int64? { if case .integer(let integer) = self { integer } else { nil } }
    public var decimal: ExactDecimal? { if case .decimal(let decimal) = self { decimal } else { nil } }
    public var boolean: Bool? { if case .boolean(let flag) = self { flag } else { nil } }
    public var list: [Value]? { if case .list(let list) = self { list } else { nil } }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}
