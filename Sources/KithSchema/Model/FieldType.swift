/// The type of a field, as written in `type="..."`.
public enum FieldType: String, Sendable, CaseIterable {
    case text, textarea, integer, decimal, money, percent, boolean, date, datetime
    case `enum`, multienum, ref, multiref, user, email, phone, url, autonumber, file
    /// The system `department` column (never written in XML).
    case department

    /// Decimal types, stored as scaled integers.
    public var isDecimal: Bool { self == .decimal || self == .money || self == .percent }
    public var isNumeric: Bool { isDecimal || self == .integer }
    public var isTemporal: Bool { self == .date || self == .datetime }
    /// Types whose value is a string of characters.
    public var isString: Bool {
        [.text, .textarea, .email, .phone, .url, .autonumber].contains(self)
    }
    /// Types holding a set of values (stored apart from the row or as a list).
    public var isMultiple: Bool { self == .multienum || self == .multiref }
    public var isChoice: Bool { self == .enum || self == .multienum }
    /// Types whose values can be ordered (sorted, compared with lt/gt, indexed).
    public var isOrdered: Bool { !isMultiple && self != .file }
}
