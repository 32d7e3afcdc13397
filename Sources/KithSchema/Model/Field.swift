/// A field of an entity: `<field name="credit_limit" type="money" min="0"/>`.
public struct Field: Sendable {
    public enum DeleteRule: String, Sendable { case restrict, cascade, setNull = "set-null" }
    public enum NumberReset: String, Sendable { case never, yearly, monthly }

    public internal(set) var name: String
    public internal(set) var type: FieldType
    public internal(set) var labels: Labels
    public internal(set) var help: Labels
    public internal(set) var isRequired = false
    public internal(set) var isUnique = false
    /// The default as written: a literal, `$now`, `$today` or `$me`.
    public internal(set) var defaultValue: String?
    public internal(set) var isReadonly = false
    public internal(set) var isHidden = false
    public internal(set) var isSearchable = false
    public internal(set) var isIndexed = false
    /// `max`: characters for strings, bytes for files, the largest value for numbers.
    public internal(set) var max: String?
    /// `min`: the smallest value for numbers, the fewest characters for strings.
    public internal(set) var min: String?
    /// Digits after the point for decimal types.
    public internal(set) var scale: Int?
    /// A regular expression for text; the code format for autonumber.
    public internal(set) var pattern: String?
    public internal(set) var dictionary: String?
    /// Inline `values="a,b,c"` of an enum.
    public internal(set) var values: [String]?
    /// Labels of inline `values`, by value, where the schema gives them (a workflow's states).
    public internal(set) var valueLabels: [String: Labels]?
    /// The entity a `ref`/`multiref` points at.
    public internal(set) var target: String?
    public internal(set) var onDelete: DeleteRule = .restrict
    public internal(set) var reset: NumberReset = .never
    /// `sample="A|B|C"`: values `kith demo` picks from for this field (an addition to the
    /// language); without them it writes the field's label and a number.
    public internal(set) var samples: [String] = []
    /// `counts="views"` on an integer field: Kith adds one each time a user opens the record's
    /// page (an addition to the language: a knowledge article's views). Read-only to everyone else.
    public internal(set) var countsViews = false
    /// True for the columns the engine maintains (`id`, `owner`, `state`, ...).
    public internal(set) var isSystem = false
    public internal(set) var location: SourceLocation

    init(name: String, type: FieldType, location: SourceLocation) {
        self.name = name
        self.type = type
        self.labels = Labels()
        self.help = Labels()
        self.location = location
    }

    /// The scale in force: `scale`, else 2 for decimal types.
    public var effectiveScale: Int { scale ?? (type.isDecimal ? 2 : 0) }

    /// The longest text accepted: `max`, else 255 for text-like fields.
    public var maxLength: Int? {
        guard type.isString else { return nil }
        if let max, let length = Int(max) { return length }
        return type == .textarea ? 65_535 : 255
    }
}

extension Field {
    /// The system fields every entity has, in column order.
    static func systemFields(workflowStates: [(name: String, labels: Labels)]?, location: SourceLocation) -> [Field] {
        func make(_ name: String, _ type: FieldType, _ en: String, _ zh: String) -> Field {
            var field = Field(name: name, type: type, location: location)
            field.labels = Labels(["": en, "zh": zh])
            field.isSystem = true
            field.isReadonly = true
            return field
        }
        var fields = [
            make("id", .integer, "ID", "编号"),
            make("owner", .user, "Owner", "负责人"),
            make("department", .department, "Department", "部门"),
            make("created_at", .datetime, "Created", "创建时间"),
            make("created_by", .user, "Created by", "创建人"),
            make("updated_at", .datetime, "Updated", "更新时间"),
            make("updated_by", .user, "Updated by", "更新人"),
            make("version", .integer, "Version", "版本"),
        ]
        if let workflowStates {
            var state = make("state", .enum, "State", "状态")
            state.values = workflowStates.map(\.name)
            state.valueLabels = Dictionary(workflowStates.map { ($0.name, $0.labels) }, uniquingKeysWith: { first, _ in first })
            fields.append(state)
        }
        return fields
    }

    /// Names no schema may give a field.
    public static let systemNames: Set<String> = [
        "id", "owner", "department", "created_at", "created_by", "updated_at", "updated_by", "version", "state",
    ]
}
