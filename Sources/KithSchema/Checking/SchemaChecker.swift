import Foundation

/// Checks the meaning of a built schema: every reference resolves, every value fits its type,
/// workflows are connected, scripts exist. Reports every problem, in no particular order.
struct SchemaChecker {
    let schema: Schema
    /// Script paths (relative to a scripts folder, like "approvals.lua") that exist.
    let scripts: Set<String>
    /// Functions named by definitions the builder had to drop.
    var unplacedFunctions: [(function: FunctionReference, location: SourceLocation, subject: String)] = []
    var diagnostics: [SchemaDiagnostic] = []

    init(schema: Schema, scripts: Set<String>) {
        self.schema = schema
        self.scripts = scripts
    }

    mutating func report(
        _ code: SchemaDiagnostic.Code, _ location: SourceLocation, _ element: String, _ message: String,
        suggestion: String? = nil, severity: SchemaDiagnostic.Severity = .error
    ) {
        diagnostics.append(
            SchemaDiagnostic(code, at: location, element: element, message, suggestion: suggestion, severity: severity))
    }

    mutating func check() -> [SchemaDiagnostic] {
        for entity in schema.entities { check(entity) }
        checkMenus()
        for conversion in schema.conversions { check(conversion) }
        for schedule in schema.schedules {
            checkFunction(schedule.function, at: schedule.location, "schedule", "schedule '\(schedule.name)'")
        }
        for role in schema.roles { check(role) }
        for report in schema.reports { check(report) }
        for unplaced in unplacedFunctions { checkFunction(unplaced.function, at: unplaced.location, "schedule", unplaced.subject) }
        return diagnostics
    }

    /// A menu that entities name but nobody declares works, labelled from its name: the same
    /// English words in both languages' navigation. Said once, where the first entity names it.
    mutating func checkMenus() {
        var said: Set<String> = []
        for entity in schema.entities {
            guard let menu = entity.menu, schema.menu(menu) == nil, said.insert(menu).inserted else { continue }
            report(
                .unknownReference, entity.location, "entity",
                "entity '\(entity.name)' is in menu '\(menu)', which no <menu> declares: the navigation calls it "
                    + "'\(menu.humanizedName)' in every language; declare <menu name=\"\(menu)\" label=\"...\" label-zh=\"...\"/>",
                severity: .warning)
        }
    }

    // MARK: - Shared lookups

    /// The entity, or a report of the unknown name with a suggestion.
    mutating func resolveEntity(_ name: String, at location: SourceLocation, _ element: String, _ subject: String) -> Entity? {
        if let entity = schema.entity(name) { return entity }
        report(
            .unknownReference, location, element, "\(subject) refers to unknown entity '\(name)'",
            suggestion: NameSuggestion.closest(to: name, among: schema.entities.map(\.name)))
        return nil
    }

    /// The field of `entity` (system fields included), or a report with a suggestion.
    mutating func resolveField(
        _ name: String, of entity: Entity, at location: SourceLocation, _ element: String, _ subject: String
    ) -> Field? {
        if let field = entity.field(name) { return field }
        report(
            .unknownReference, location, element, "\(subject) refers to unknown field '\(name)' of entity '\(entity.name)'",
            suggestion: NameSuggestion.closest(to: name, among: entity.allFields.map(\.name)))
        return nil
    }

    mutating func checkFunction(_ function: FunctionReference, at location: SourceLocation, _ element: String, _ subject: String) {
        guard !scripts.contains(function.scriptPath) else { return }
        let modules = scripts.map { String($0.dropLast(4)) }
        report(
            .missingScript, location, element,
            "\(subject) names function '\(function)', but no script '\(function.scriptPath)' exists in the scripts folders",
            suggestion: NameSuggestion.closest(to: function.module, among: modules).map {
                $0.replacingOccurrences(of: "/", with: ".") + "." + function.function
            })
    }
}
