extension SchemaBuilder {
    mutating func applyEntity(_ element: MarkupElement) {
        let name = element.attribute("name") ?? ""
        if let earlier = schema.entity(name) {
            report(
                .duplicateName, element.location, "entity",
                "entity '\(name)' is already defined at \(earlier.location); use <extend entity=\"\(name)\"> to add to it")
            return
        }
        var entity = Entity(
            name: name, labels: element.labels, pluralLabels: Labels(element.localized("plural")), titleField: "id",
            menu: element.attribute("menu"), icon: element.attribute("icon"),
            ownership: Entity.Ownership(rawValue: element.attribute("ownership") ?? "") ?? .user,
            isAudited: element.flag("audit", otherwise: true), isPool: element.flag("pool"),
            detailOf: element.attribute("detail-of"), fields: [], indexes: [], duplicateRules: [], forms: [], views: [],
            workflow: nil, hooks: [], location: element.location)
        entity.declaredTitle = element.attribute("title")
        entity.calendarField = element.attribute("calendar")
        entity.calendarEndField = element.attribute("calendar-end")
        applyContent(of: element, to: &entity, replaceAll: false)
        schema.add(entity)
    }

    mutating func applyExtension(_ element: MarkupElement) {
        let name = element.attribute("entity") ?? ""
        guard var entity = schema.entity(name) else {
            report(
                .unknownReference, element.location, "extend",
                "extend of unknown entity '\(name)' (an entity must be defined in an earlier module before it is extended)",
                suggestion: NameSuggestion.closest(to: name, among: schema.entities.map(\.name)))
            return
        }
        applyContent(of: element, to: &entity, replaceAll: element.flag("replace"))
        if let calendar = element.attribute("calendar") { entity.calendarField = calendar }
        if let end = element.attribute("calendar-end") { entity.calendarEndField = end }
        schema.updateEntity(name) { $0 = entity }
    }

    /// Reads the children of `<entity>` or `<extend>` into `entity`.
    private mutating func applyContent(of element: MarkupElement, to entity: inout Entity, replaceAll: Bool) {
        var sawWorkflow = false
        for child in element.children {
            let replace = replaceAll || child.flag("replace")
            switch child.name {
            case "field":
                let field = readField(child)
                if Field.systemNames.contains(field.name) {
                    report(
                        .duplicateName, child.location, "field",
                        "'\(field.name)' is a system field of every entity and cannot be redefined")
                    continue
                }
                Self.place(
                    field, in: &entity.fields, kind: "field", owner: entity.name, replace: replace,
                    diagnostics: &diagnostics)
            case "index":
                entity.indexes.append(
                    IndexDefinition(fields: child.list("fields"), isUnique: child.flag("unique"), location: child.location))
            case "duplicate":
                entity.duplicateRules.append(
                    DuplicateRule(
                        fields: child.list("fields"), match: DuplicateRule.Match(rawValue: child.attribute("match") ?? "") ?? .exact,
                        location: child.location))
            case "form":
                applyForm(child, to: &entity, replace: replace)
            case "view":
                let view = readView(child)
                Self.place(
                    view, in: &entity.views, kind: "view", owner: entity.name, replace: replace,
                    diagnostics: &diagnostics)
            case "workflow":
                if sawWorkflow {
                    report(
                        .duplicateName, child.location, "workflow", "entity '\(entity.name)' has a second <workflow>; merge them into one")
                    continue
                }
                sawWorkflow = true
                applyWorkflow(child, to: &entity, replaceAll: replaceAll)
            case "hook":
                if let hook = readHook(child) { entity.hooks.append(hook) }
            default:
                break
            }
        }
    }

    func readField(_ element: MarkupElement) -> Field {
        var field = Field(
            name: element.attribute("name") ?? "", type: FieldType(rawValue: element.attribute("type") ?? "") ?? .text,
            location: element.location)
        if field.type == .department { field.type = .text }  // not a type a schema may name; the XSD says so
        field.labels = element.labels
        field.help = Labels(element.localized("help"))
        field.isRequired = element.flag("required")
        field.isUnique = element.flag("unique")
        field.defaultValue = element.attribute("default")
        field.countsViews = element.attribute("counts") == "views"
        field.isReadonly = element.flag("readonly") || field.countsViews
        field.isHidden = element.flag("hidden")
        field.isSearchable = element.flag("search")
        field.isIndexed = element.flag("index")
        field.max = element.attribute("max")
        field.min = element.attribute("min")
        field.scale = element.attribute("scale").flatMap { Int($0) }
        field.pattern = element.attribute("pattern")
        field.dictionary = element.attribute("dictionary")
        field.values = element.attribute("values").map(\.commaSeparated)
        field.target = element.attribute("entity")
        field.onDelete = Field.DeleteRule(rawValue: element.attribute("on-delete") ?? "") ?? .restrict
        field.reset = Field.NumberReset(rawValue: element.attribute("reset") ?? "") ?? .never
        field.samples = (element.attribute("sample") ?? "").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return field
    }

    /// The attributes of `<hook>` (the schema language's words, not entities of any schema).
    private enum HookAttribute: String { case event, function, transition }

    private func readHook(_ element: MarkupElement) -> Hook? {
        guard let event = Hook.Event(rawValue: element.attribute(HookAttribute.event.rawValue) ?? ""),
            let function = FunctionReference(element.attribute(HookAttribute.function.rawValue) ?? "")
        else { return nil }
        return Hook(
            event: event, function: function, transitions: element.list(HookAttribute.transition.rawValue), location: element.location)
    }

    // MARK: - Forms

    private mutating func applyForm(_ element: MarkupElement, to entity: inout Entity, replace: Bool) {
        let form = readForm(element)
        guard let index = entity.forms.firstIndex(where: { $0.name == form.name }), !replace else {
            Self.place(
                form, in: &entity.forms, kind: "form", owner: entity.name, replace: replace,
                diagnostics: &diagnostics)
            return
        }
        // A form of the same name adds to the existing one: new sections, related lists and lines;
        // a section with the name of an existing section adds its fields to it.
        var existing = entity.forms[index]
        for part in form.parts {
            if case .section(let section) = part, let sectionName = section.name,
                let target = existing.parts.firstIndex(where: {
                    if case .section(let old) = $0 { old.name == sectionName } else { false }
                }),
                case .section(var old) = existing.parts[target]
            {
                old.fields += section.fields
                existing.parts[target] = .section(old)
            } else {
                existing.parts.append(part)
            }
        }
        entity.forms[index] = existing
    }

    private func readForm(_ element: MarkupElement) -> Form {
        var parts: [Form.Part] = []
        for child in element.children {
            switch child.name {
            case "section":
                let fields = child.children(named: "field").map {
                    Form.FieldPlacement(
                        field: $0.attribute("ref") ?? "", span: Int($0.attribute("span") ?? "") ?? 1,
                        isReadonly: $0.flag("readonly"), location: $0.location)
                }
                parts.append(
                    .section(
                        Form.Section(
                            name: child.attribute("name"), labels: child.labels, columns: Int(child.attribute("columns") ?? "") ?? 2,
                            isCollapsed: child.flag("collapsed"), fields: fields, location: child.location)))
            case "related":
                parts.append(
                    .related(
                        Form.RelatedList(
                            entity: child.attribute("entity") ?? "", via: child.attribute("via") ?? "", columns: child.list("columns"),
                            labels: child.labels, location: child.location)))
            case "lines":
                parts.append(
                    .lines(
                        Form.Lines(
                            entity: child.attribute("entity") ?? "", columns: child.list("columns"), labels: child.labels,
                            location: child.location)))
            default:
                break
            }
        }
        return Form(
            name: element.attribute("name") ?? "default", kind: Form.Kind(rawValue: element.attribute("kind") ?? "") ?? .both,
            labels: element.labels, parts: parts, location: element.location)
    }

    // MARK: - Views

    func readView(_ element: MarkupElement) -> View {
        var columns: [View.Column] = []
        var sorts: [View.Sort] = []
        for child in element.children {
            if child.name == "column" {
                columns.append(View.Column(field: child.attribute("field") ?? "", labels: child.labels, location: child.location))
            } else if child.name == "sort" {
                sorts.append(
                    View.Sort(field: child.attribute("field") ?? "", descending: child.attribute("dir") == "desc", location: child.location)
                )
            }
        }
        return View(
            name: element.attribute("name") ?? "", labels: element.labels, isDefault: element.flag("default"), columns: columns,
            filter: readFilter(element, join: .and), sorts: sorts, location: element.location, isOnWorkbench: element.flag("workbench"))
    }

    /// The `<filter>`, `<and>` and `<or>` children of `element`.
    func readFilter(_ element: MarkupElement, join: FilterGroup.Join) -> FilterGroup {
        var terms: [FilterGroup.Term] = []
        for child in element.children {
            switch child.name {
            case "filter":
                guard let op = FilterOperator(rawValue: child.attribute("op") ?? "") else { continue }
                terms.append(
                    .condition(
                        FilterCondition(
                            field: child.attribute("field") ?? "", op: op, value: child.attribute("value"), location: child.location)))
            case "and": terms.append(.group(readFilter(child, join: .and)))
            case "or": terms.append(.group(readFilter(child, join: .or)))
            default: break
            }
        }
        return FilterGroup(join: join, terms: terms)
    }

    // MARK: - Workflows

    private mutating func applyWorkflow(_ element: MarkupElement, to entity: inout Entity, replaceAll: Bool) {
        var workflow =
            entity.workflow
            ?? Workflow(initialState: "", states: [], transitions: [], approvals: [], location: element.location)
        if let initial = element.attribute("initial") {
            if let declared = workflow.declaredInitial, declared != initial, !replaceAll {
                report(
                    .duplicateName, element.location, "workflow",
                    "workflow of entity '\(entity.name)' already starts in '\(declared)'; add replace=\"true\" to the <extend> to change it"
                )
            } else {
                workflow.declaredInitial = initial
            }
        }
        for child in element.children {
            let replace = replaceAll || child.flag("replace")
            switch child.name {
            case "state":
                let state = Workflow.State(
                    name: child.attribute("name") ?? "", labels: child.labels, isLocked: child.flag("locked"),
                    isFinal: child.flag("final"), color: child.attribute("color"), location: child.location)
                Self.place(
                    state, in: &workflow.states, kind: "state", owner: entity.name, replace: replace,
                    diagnostics: &diagnostics)
            case "transition":
                let transition = Workflow.Transition(
                    name: child.attribute("name") ?? "", from: child.list("from"), to: child.attribute("to") ?? "",
                    labels: child.labels, who: Workflow.Transition.Who(rawValue: child.attribute("who") ?? "") ?? .anyone,
                    roles: child.list("roles"), guardFunction: child.attribute("guard").flatMap(FunctionReference.init),
                    comment: Workflow.Transition.Comment(rawValue: child.attribute("comment") ?? "") ?? .optional,
                    location: child.location)
                Self.place(
                    transition, in: &workflow.transitions, kind: "transition", owner: entity.name,
                    replace: replace, diagnostics: &diagnostics)
            case "approval":
                guard let route = FunctionReference(child.attribute("route") ?? "") else { continue }
                let approval = Workflow.Approval(
                    state: child.attribute("state") ?? "", approveState: child.attribute("approve") ?? "",
                    rejectState: child.attribute("reject") ?? "", route: route, labels: child.labels, location: child.location)
                Self.place(
                    approval, in: &workflow.approvals, kind: "approval of state", owner: entity.name,
                    replace: replace, diagnostics: &diagnostics)
            default:
                break
            }
        }
        workflow.initialState = workflow.declaredInitial ?? workflow.states.first?.name ?? ""
        entity.workflow = workflow
    }
}
