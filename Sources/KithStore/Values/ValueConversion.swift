import Foundation
import KithSchema

/// Converts a stored value to another field type when a migration changes a field's type.
/// Values that do not convert become empty.
enum ValueConversion {
    static func convert(_ value: Value, to codec: ColumnCodec) -> Value {
        if value.isEmpty { return .null }
        let text = value.description
        switch codec.fieldType {
        case .decimal, .money, .percent:
            return ((try? ExactDecimal(text))?.rescaled(to: codec.scale)).map(Value.decimal) ?? .null
        case .integer, .ref, .user, .file, .department:
            if let integer = Int64(text) { return .integer(integer) }
            return ((try? ExactDecimal(text))?.rescaled(to: 0)).map { .integer($0.units) } ?? .null
        case .boolean:
            return ["true", "1", "yes"].contains(text.lowercased())
                ? .boolean(true) : ["false", "0", "no"].contains(text.lowercased()) ? .boolean(false) : .null
        case .multienum, .multiref:
            return .list(text.split(separator: ",").map { .text(String($0)) })
        case .date:
            return FieldInput.canonicalDate(String(text.prefix(10))).map(Value.text) ?? .null
        default:
            return .text(text)
        }
    }
}
