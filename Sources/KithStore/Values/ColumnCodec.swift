import Foundation
import GRDB
import GRDBSQLite
import KithSchema

/// Encodes `Value`s into SQLite values for a column and back.
///
/// Decimals are stored as integer units at the field's scale; booleans as 0/1; multienum as a
/// JSON array of values; everything else as text or integer.
struct ColumnCodec {
    let fieldType: FieldType
    let scale: Int

    init(_ column: StorageLayout.Column) {
        fieldType = FieldType(rawValue: column.fieldType) ?? .text
        scale = column.scale ?? 0
    }

    init(_ field: Field) {
        fieldType = field.type
        scale = field.effectiveScale
    }

    /// The SQLite value for `value`, which has already been validated for this field.
    func encode(_ value: Value) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .text(let text): return text.databaseValue
        case .integer(let integer):
            if fieldType.isDecimal { return (ExactDecimal(integer).rescaled(to: scale)?.units).databaseValue }
            return integer.databaseValue
        case .decimal(let decimal): return (decimal.rescaled(to: scale)?.units).databaseValue
        case .boolean(let flag): return (flag ? 1 : 0).databaseValue
        case .list(let items):
            let texts = items.map(\.description)
            let json = (try? JSONSerialization.data(withJSONObject: texts)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            return json.databaseValue
        }
    }

    /// The `Value` stored in `databaseValue`.
    func decode(_ databaseValue: DatabaseValue) -> Value {
        switch databaseValue.storage {
        case .null: return .null
        case .int64(let integer): return decode(integer)
        case .double(let double): return decode(double)
        case .string(let text): return decode(text)
        case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
        }
    }

    /// Column `index` of the row `statement` is on, read from SQLite directly (through GRDB's
    /// `DatabaseValue` a tenth of an API list went to building it).
    func decode(_ statement: SQLiteStatement, _ index: Int) -> Value {
        let column = CInt(index)
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return decode(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return decode(sqlite3_column_double(statement, column))
        default:  // text, and a blob read as text
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return decode("") }
            return decode(String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self))
        }
    }

    private func decode(_ integer: Int64) -> Value {
        if fieldType.isDecimal { return .decimal(ExactDecimal(units: integer, scale: scale)) }
        if fieldType == .boolean { return .boolean(integer != 0) }
        return .integer(integer)
    }

    private func decode(_ double: Double) -> Value {
        fieldType.isDecimal ? .decimal((try? ExactDecimal(String(double)))?.rescaled(to: scale) ?? ExactDecimal(0)) : .integer(Int64(double))
    }

    private func decode(_ text: String) -> Value {
        guard fieldType == .multienum else { return .text(text) }
        let items = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
        return .list(items.map(Value.text))
    }
}
