import Foundation

/// A business object type: its fields, forms, views, workflow and hooks.
public struct Entity: Sendable {
    public enum Ownership: String, Sendable { case user, none }

    public internal(set) var name: String
    public internal(set) var labels: Labels
    public internal(set) var pluralLabels: Labels
    /// The field shown as the record's name; resolved to a declared field, else `id`.
    public internal(set) var titleField: String
    public internal(set) var menu: String?
    public internal(set) var icon: String?
    public internal(set) var ownership: Ownership
    public internal(set) var isAudited: Bool
    public internal(set) var isPool: Bool
    /// The master entity when this one is a line item.
    public internal(set) var detailOf: String?
    /// Declared fields, in order (system fields are in `systemFields`).
    public internal(set) var fields: [Field]
    public internal(set) var indexes: [IndexDefinition]
    public internal(set) var duplicateRules: [DuplicateRule]
    public internal(set) var forms: [Form]
    public internal(set) var views: [View]
    public internal(set) var workflow: Workflow?
    public internal(set) var hooks: [Hook]
    public internal(set) var location: SourceLocation
    var declaredTitle: String?
    /// `calendar="FIELD"`: the date or datetime field that puts a record on its owner's calendar
    /// (日程), and `calendar-end` the field where it ends.
    public internal(set) var calendarField: String? = nil
    public internal(set) var calendarEndField: String? = nil

    /// The engine's columns: id, owner, department, timestamps, version, and state with a workflow.
    public internal(set) var systemFields: [Field] = []
    /// System fields, then declared ones.
    public internal(set) var allFields: [Field] = []
    var fieldPositions: [String: Int] = [:]

    /// A declared or system field by name.
    public func field(_ name: String) -> Field? {
        fieldPositions[name].map { allFields[$0] }
    }

    /// A line item's reference to its master, when the module declares none: a required `ref`
    /// named after the master, deleted with it (as if the module said
    /// `<field name="MASTER" type="ref" entity="MASTER" required="true" on-delete="cascade"/>`).
    /// A field of that name that is something else is left for the checker to report.
    mutating func addMasterReference(to master: Entity) {
        guard !fields.contains(where: { $0.type == .ref && $0.target == master.name }), !fields.contains(where: { $0.name == master.name })
        else { return }
        var reference = Field(name: master.name, type: .ref, location: location)
        reference.target = master.name
        reference.isRequired = true
        reference.onDelete = .cascade
        reference.labels = master.labels
        fields.insert(reference, at: 0)
    }

    /// Recomputes the system fields and the field lookup once the entity's definition is final.
    mutating func indexFields() {
        systemFields = Field.systemFields(workflowStates: workflow.map { $0.states.map { ($0.name, $0.labels) } }, location: location)
        allFields = systemFields + fields
        fieldPositions = Dictionary(allFields.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// What a list of these records is called in `language`: the plural in that language, else
    /// the label in it (Chinese has no plural: `plural="Sites" label-zh="工地"` reads 工地), else
    /// the default plural, the default label, the name.
    public func pluralLabel(for language: String) -> String {
        pluralLabels.texts[language] ?? labels.texts[language] ?? pluralLabels.texts[""] ?? pluralLabels.texts["en"]
            ?? labels.text(for: language, fallback: name.humanizedName)
    }

    public func form(_ name: String) -> Form? { forms.first { $0.name == name } }
    public func view(_ name: String) -> View? { views.first { $0.name == name } }
    public var defaultView: View? { views.first { $0.isDefault } ?? views.first }
}

/// `<index fields="industry,level"/>`
public struct IndexDefinition: Sendable {
    public internal(set) var fields: [String]
    public internal(set) var isUnique: Bool
    public internal(set) var location: SourceLocation
}

/// `<duplicate fields="name" match="normalized"/>`: duplicate detection on create.
public struct DuplicateRule: Sendable {
    public enum Match: String, Sendable { case exact, normalized, similar }
    public internal(set) var fields: [String]
    public internal(set) var match: Match
    public internal(set) var location: SourceLocation
}

/// `<hook event="before-save" function="credit.check_limit"/>`
public struct Hook: Sendable {
    public enum Event: String, Sendable, CaseIterable {
        case beforeSave = "before-save", afterSave = "after-save"
        case beforeDelete = "before-delete", afterDelete = "after-delete"
        case afterCommit = "after-commit", onTransition = "on-transition"
    }
    public internal(set) var event: Event
    public internal(set) var function: FunctionReference
    /// For `on-transition`: the transitions it runs for (all when empty).
    public internal(set) var transitions: [String]
    public internal(set) var location: SourceLocation
}

/// A Lua function named `file.function`: function `function` of `scripts/file.lua`.
public struct FunctionReference: Hashable, Sendable, CustomStringConvertible {
    /// Path of the script inside a scripts folder, without `.lua`: "approvals", "sales/credit".
    public let module: String
    public let function: String
    /// As the schema writes it: "credit.check_limit", "sales.credit.check_limit".
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        module = parts.dropLast().joined(separator: "/")
        function = String(parts[parts.count - 1])
        description = parts.joined(separator: ".")
    }
    /// The script's path relative to a scripts folder.
    public var scriptPath: String { module + ".lua" }
}
