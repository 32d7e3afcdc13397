/// Something a module defines under a name, at a place: what overlays add, replace or clash on.
public protocol NamedDefinition: Sendable {
    /// The name other definitions refer to it by, unique among its kind.
    var definitionName: String { get }
    var location: SourceLocation { get }
}

extension Menu: NamedDefinition { public var definitionName: String { name } }
extension DataDictionary: NamedDefinition { public var definitionName: String { name } }
extension Field: NamedDefinition { public var definitionName: String { name } }
extension Form: NamedDefinition { public var definitionName: String { name } }
extension View: NamedDefinition { public var definitionName: String { name } }
extension Workflow.State: NamedDefinition { public var definitionName: String { name } }
extension Workflow.Transition: NamedDefinition { public var definitionName: String { name } }
/// An approval is known by the state it is attached to.
extension Workflow.Approval: NamedDefinition { public var definitionName: String { state } }
extension Schedule: NamedDefinition { public var definitionName: String { name } }
extension Conversion: NamedDefinition { public var definitionName: String { name } }
extension Role: NamedDefinition { public var definitionName: String { name } }
extension Report: NamedDefinition { public var definitionName: String { name } }
