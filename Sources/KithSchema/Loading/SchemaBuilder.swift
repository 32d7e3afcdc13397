/// Applies modules to a `Schema` in load order: definitions, `extend` overlays and replacements,
/// reporting names defined twice and overlays of things that do not exist.
///
/// References between names are checked afterwards, on the finished schema, by `SchemaChecker`.
struct SchemaBuilder {
    var schema = Schema()
    var diagnostics: [SchemaDiagnostic] = []
    /// Function references of definitions dropped for another error, still to be checked.
    var unplacedFunctions: [(function: FunctionReference, location: SourceLocation, subject: String)] = []

    mutating func report(
        _ code: SchemaDiagnostic.Code, _ location: SourceLocation, _ element: String? = nil, _ message: String,
        suggestion: String? = nil
    ) {
        diagnostics.append(SchemaDiagnostic(code, at: location, element: element, message, suggestion: suggestion))
    }

    /// Applies one module file's root element.
    mutating func apply(module root: MarkupElement) {
        let name = root.attribute("name") ?? ""
        if let earlier = schema.modules.first(where: { $0.name == name }), !name.isEmpty {
            report(.duplicateName, root.location, "module", "module '\(name)' is already loaded from \(earlier.file)")
        }
        schema.modules.append(
            Schema.Module(
                name: name, version: Int(root.attribute("version") ?? "") ?? 1, file: root.location.file, labels: root.labels))
        for element in root.children {
            switch element.name {
            case "menu": applyMenu(element)
            case "dictionary": applyDictionary(element)
            case "extend-dictionary": applyDictionaryExtension(element)
            case "entity": applyEntity(element)
            case "extend": applyExtension(element)
            case "convert": applyConversion(element)
            case "schedule": applySchedule(element)
            case "role": applyRole(element)
            case "extend-role": applyRoleExtension(element)
            case "report": applyReport(element)
            default: break  // the XSD has reported it
            }
        }
    }

    /// Finishes what depends on the whole schema (master references, record titles).
    mutating func finish() -> Schema {
        schema.indexDictionaries()
        for entity in schema.entities {
            let master = entity.detailOf.flatMap { schema.entity($0) }
            schema.updateEntity(entity.name) { entity in
                if let master { entity.addMasterReference(to: master) }
                entity.indexFields()
                if let title = entity.declaredTitle, entity.field(title) != nil {
                    entity.titleField = title
                } else {
                    entity.titleField =
                        entity.fields.first { $0.type == .text || $0.type == .autonumber }?.name ?? "id"
                }
            }
        }
        return schema
    }

    // MARK: - Replacing named things

    /// Adds `item` to `items`, or replaces the one of the same name when `replace` is set;
    /// otherwise reports the clash.
    static func place<T: NamedDefinition>(
        _ item: T, in items: inout [T], kind: String, owner: String? = nil, replace: Bool,
        diagnostics: inout [SchemaDiagnostic]
    ) {
        guard let index = items.firstIndex(where: { $0.definitionName == item.definitionName }) else {
            items.append(item)
            return
        }
        if replace {
            items[index] = item
            return
        }
        let whose = owner.map { " of entity '\($0)'" } ?? ""
        diagnostics.append(
            SchemaDiagnostic(
                .duplicateName, at: item.location, element: kind,
                "\(kind) '\(item.definitionName)'\(whose) is already defined at \(items[index].location); "
                    + "add replace=\"true\" to redefine it"))
    }

    // MARK: - Menus and dictionaries

    mutating func applyMenu(_ element: MarkupElement) {
        let menu = Menu(
            name: element.attribute("name") ?? "", labels: element.labels,
            position: Int(element.attribute("position") ?? "") ?? (schema.menus.count + 1) * 10, location: element.location)
        Self.place(
            menu, in: &schema.menus, kind: "menu", replace: element.flag("replace"),
            diagnostics: &diagnostics)
    }

    mutating func applyDictionary(_ element: MarkupElement) {
        let dictionary = DataDictionary(
            name: element.attribute("name") ?? "", labels: element.labels, items: readItems(element, into: []),
            location: element.location)
        Self.place(
            dictionary, in: &schema.dictionaries, kind: "dictionary",
            replace: element.flag("replace"), diagnostics: &diagnostics)
    }

    mutating func applyDictionaryExtension(_ element: MarkupElement) {
        let name = element.attribute("name") ?? ""
        guard let index = schema.dictionaries.firstIndex(where: { $0.name == name }) else {
            report(
                .unknownReference, element.location, "extend-dictionary", "extend-dictionary of unknown dictionary '\(name)'",
                suggestion: NameSuggestion.closest(to: name, among: schema.dictionaries.map(\.name)))
            return
        }
        schema.dictionaries[index].items = readItems(element, into: schema.dictionaries[index].items)
    }

    private mutating func readItems(_ element: MarkupElement, into existing: [DataDictionary.Item]) -> [DataDictionary.Item] {
        var items = existing
        for child in element.children(named: "item") {
            let value = child.attribute("value") ?? ""
            if let earlier = items.first(where: { $0.value == value }) {
                report(.duplicateName, child.location, "item", "item '\(value)' is already defined at \(earlier.location)")
                continue
            }
            items.append(
                DataDictionary.Item(value: value, labels: child.labels, color: child.attribute("color"), location: child.location))
        }
        return items
    }
}
