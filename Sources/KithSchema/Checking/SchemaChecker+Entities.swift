extension SchemaChecker {
    /// Names the JSON API takes under `/api/v1/` for itself: an entity so named would lose its
    /// resource to them.
    static let namesTakenByTheAPI: Set<String> = ["me", "files"]

    mutating func check(_ entity: Entity) {
        if Self.namesTakenByTheAPI.contains(entity.name) {
            report(
                .invalidValue, entity.location, "entity",
                "entity name '\(entity.name)' is taken by the API (/api/v1/\(entity.name)); choose another name, for example '\(entity.name)_record'")
        }
        if let title = entity.declaredTitle, entity.field(title) == nil {
            report(
                .unknownReference, entity.location, "entity",
                "entity '\(entity.name)': title refers to unknown field '\(title)'",
                suggestion: NameSuggestion.closest(to: title, among: entity.allFields.map(\.name)))
        }
        if let master = entity.detailOf {
            checkDetail(entity, master: master)
        }
        for field in entity.fields { check(field, of: entity) }
        for index in entity.indexes {
            for name in index.fields {
                guard let field = resolveField(name, of: entity, at: index.location, "index", "index") else { continue }
                if !field.type.isOrdered {
                    report(
                        .invalidValue, index.location, "index", "index: field '\(name)' of type \(field.type.rawValue) cannot be indexed")
                }
            }
        }
        // A rule's text fields match as `match` says, its other fields by equal values; multiref and
        // file fields have no value to compare.
        for rule in entity.duplicateRules {
            let fields = rule.fields.compactMap { resolveField($0, of: entity, at: rule.location, "duplicate", "duplicate rule") }
            for field in fields where field.type == .multiref || field.type == .file {
                report(.invalidValue, rule.location, "duplicate", "duplicate rule: '\(field.name)' is \(field.type.rawValue), which cannot be compared")
            }
            if rule.match != .exact, fields.count == rule.fields.count, !fields.contains(where: { $0.type.isString }) {
                report(
                    .invalidValue, rule.location, "duplicate",
                    "duplicate rule: match=\"\(rule.match.rawValue)\" needs a text field among '\(rule.fields.joined(separator: ","))'")
            }
        }
        for form in entity.forms { check(form, of: entity) }
        let defaults = entity.views.filter(\.isDefault)
        if defaults.count > 1 {
            report(
                .invalidValue, defaults[1].location, "view",
                "entity '\(entity.name)' has more than one default view ('\(defaults[0].name)' and '\(defaults[1].name)')")
        }
        for view in entity.views { check(view, of: entity) }
        if let workflow = entity.workflow { check(workflow, of: entity) }
        for (attribute, name) in [("calendar", entity.calendarField), ("calendar-end", entity.calendarEndField)] {
            guard let name else { continue }
            guard let field = resolveField(name, of: entity, at: entity.location, "entity", "\(attribute) of entity '\(entity.name)'") else { continue }
            if field.type != .date && field.type != .datetime {
                report(
                    .invalidValue, entity.location, "entity",
                    "\(attribute) of entity '\(entity.name)' must be a date or datetime field, but '\(name)' is \(field.type.rawValue)")
            }
        }
        if entity.calendarEndField != nil && entity.calendarField == nil {
            report(.invalidValue, entity.location, "entity", "entity '\(entity.name)' has calendar-end but no calendar field")
        }
        for hook in entity.hooks {
            checkFunction(hook.function, at: hook.location, "hook", "\(hook.event.rawValue) hook of entity '\(entity.name)'")
            guard !hook.transitions.isEmpty else { continue }
            if hook.event != .onTransition {
                report(.invalidValue, hook.location, "hook", "hook: 'transition' applies only to on-transition hooks")
            }
            for name in hook.transitions where entity.workflow?.transition(name) == nil {
                report(
                    .unknownReference, hook.location, "hook", "hook refers to unknown transition '\(name)' of entity '\(entity.name)'",
                    suggestion: NameSuggestion.closest(to: name, among: entity.workflow?.transitions.map(\.name) ?? []))
            }
        }
    }

    private mutating func checkDetail(_ entity: Entity, master: String) {
        guard let masterEntity = resolveEntity(master, at: entity.location, "entity", "entity '\(entity.name)': detail-of") else {
            return
        }
        if master == entity.name {
            report(.invalidValue, entity.location, "entity", "entity '\(entity.name)' cannot be a detail of itself")
            return
        }
        // Without a ref to the master, the builder adds one named after it, unless that name is taken.
        if !entity.fields.contains(where: { $0.type == .ref && $0.target == masterEntity.name }) {
            let taken = entity.field(master)
            report(
                .invalidValue, taken?.location ?? entity.location, "field",
                "entity '\(entity.name)' is detail-of '\(master)', but its field '\(master)' is not a ref to '\(master)'; make it <field name=\"\(master)\" type=\"ref\" entity=\"\(master)\" on-delete=\"cascade\"/>, or rename it"
            )
        }
        if entity.isPool {
            report(
                .invalidValue, entity.location, "entity", "entity '\(entity.name)': a line-item entity (detail-of) cannot be a public pool")
        }
        if entity.calendarField != nil {
            report(
                .invalidValue, entity.location, "entity",
                "entity '\(entity.name)': a line-item entity (detail-of) is not on calendars; put calendar= on '\(master)'")
        }
    }

    // MARK: - Forms

    private mutating func check(_ form: Form, of entity: Entity) {
        var placed: [String: SourceLocation] = [:]
        for section in form.sections {
            for placement in section.fields {
                guard resolveField(placement.field, of: entity, at: placement.location, "field", "form '\(form.name)'") != nil else {
                    continue
                }
                if let first = placed[placement.field] {
                    report(
                        .duplicateName, placement.location, "field",
                        "form '\(form.name)' of entity '\(entity.name)' places field '\(placement.field)' twice (first at \(first))")
                }
                placed[placement.field] = placement.location
                if placement.span > section.columns {
                    report(
                        .invalidValue, placement.location, "field",
                        "field '\(placement.field)' spans \(placement.span) columns but its section has \(section.columns)")
                }
            }
        }
        for related in form.relatedLists {
            guard let other = resolveEntity(related.entity, at: related.location, "related", "related list") else { continue }
            if let via = resolveField(related.via, of: other, at: related.location, "related", "related list 'via'") {
                if !(via.type == .ref || via.type == .multiref) || via.target != entity.name {
                    report(
                        .incompatibleTypes, related.location, "related",
                        "related list: field '\(other.name).\(via.name)' must be a ref to '\(entity.name)' to list its records here")
                }
            }
            for column in related.columns {
                _ = resolveField(column, of: other, at: related.location, "related", "related list column")
            }
        }
        for lines in form.lines {
            guard let detail = resolveEntity(lines.entity, at: lines.location, "lines", "lines") else { continue }
            if detail.detailOf != entity.name {
                report(
                    .invalidValue, lines.location, "lines",
                    "lines: entity '\(detail.name)' is not a line item of '\(entity.name)' (it needs detail-of=\"\(entity.name)\")")
            }
            for column in lines.columns {
                _ = resolveField(column, of: detail, at: lines.location, "lines", "lines column")
            }
            // The form edits only these columns: a line needing another could never be added.
            guard detail.detailOf == entity.name, !lines.columns.isEmpty else { continue }
            let needed = detail.fields.filter {
                $0.isRequired && $0.defaultValue == nil && !$0.isReadonly && $0.type != .autonumber
                    && !($0.type == .ref && $0.target == entity.name)
            }
            for field in needed where !lines.columns.contains(field.name) {
                report(
                    .invalidValue, lines.location, "lines",
                    "lines: '\(detail.name).\(field.name)' is required, so it must be one of the columns (new lines could not be saved)")
            }
        }
    }

    // MARK: - Views

    private mutating func check(_ view: View, of entity: Entity) {
        for column in view.columns {
            _ = resolveField(column.field, of: entity, at: column.location, "column", "view '\(view.name)' column")
        }
        checkFilter(view.filter, of: entity, subject: "view '\(view.name)'")
        for sort in view.sorts {
            guard let field = resolveField(sort.field, of: entity, at: sort.location, "sort", "view '\(view.name)' sort") else { continue }
            if !field.type.isOrdered {
                report(
                    .invalidValue, sort.location, "sort",
                    "view '\(view.name)': cannot sort by '\(field.name)' of type \(field.type.rawValue)")
            }
        }
    }

    mutating func checkFilter(_ filter: FilterGroup, of entity: Entity, subject: String) {
        for condition in filter.conditions {
            guard let field = resolveField(condition.field, of: entity, at: condition.location, "filter", "\(subject) filter") else {
                continue
            }
            if let problem = FilterValueRules.problem(with: condition, on: field, choices: schema.choices(of: field)) {
                report(.invalidValue, condition.location, "filter", "\(subject) filter on '\(field.name)': \(problem)")
            }
        }
    }

    // MARK: - Workflows

    private mutating func check(_ workflow: Workflow, of entity: Entity) {
        let stateNames = workflow.states.map(\.name)
        guard !stateNames.isEmpty else {
            report(.invalidValue, workflow.location, "workflow", "workflow of entity '\(entity.name)' has no states")
            return
        }
        func checkState(_ name: String, _ location: SourceLocation, _ element: String, _ subject: String) -> Bool {
            if stateNames.contains(name) { return true }
            report(
                .unknownReference, location, element, "\(subject) refers to unknown state '\(name)' of entity '\(entity.name)'",
                suggestion: NameSuggestion.closest(to: name, among: stateNames))
            return false
        }
        if let initial = workflow.declaredInitial {
            _ = checkState(initial, workflow.location, "workflow", "workflow initial")
        }
        let roleNames = schema.roles.map(\.name) + [Role.administrator]
        var edges: [String: [String]] = [:]
        for transition in workflow.transitions {
            let subject = "transition '\(transition.name)'"
            let toValid = checkState(transition.to, transition.location, "transition", subject)
            for from in transition.from where checkState(from, transition.location, "transition", subject) && toValid {
                edges[from, default: []].append(transition.to)
            }
            for role in transition.roles where !roleNames.contains(role) {
                report(
                    .unknownReference, transition.location, "transition", "\(subject) refers to unknown role '\(role)'",
                    suggestion: NameSuggestion.closest(to: role, among: roleNames))
            }
            if let guardFunction = transition.guardFunction {
                checkFunction(guardFunction, at: transition.location, "transition", "guard of \(subject)")
            }
        }
        for approval in workflow.approvals {
            let subject = "approval"
            let valid = [approval.state, approval.approveState, approval.rejectState].map {
                checkState($0, approval.location, "approval", subject)
            }
            if valid[0] {
                if approval.approveState == approval.state || approval.rejectState == approval.state {
                    report(
                        .invalidValue, approval.location, "approval",
                        "approval in state '\(approval.state)' must move to other states when approved or rejected")
                }
                if valid[1] { edges[approval.state, default: []].append(approval.approveState) }
                if valid[2] { edges[approval.state, default: []].append(approval.rejectState) }
            }
            checkFunction(approval.route, at: approval.location, "approval", "approval route of state '\(approval.state)'")
        }
        // A conversion moves its source to `set-state` from the states it may run in.
        for conversion in schema.conversions where conversion.source == entity.name {
            guard let target = conversion.setState, stateNames.contains(target) else { continue }
            for from in conversion.whenStates.isEmpty ? stateNames : conversion.whenStates {
                edges[from, default: []].append(target)
            }
        }
        // Every state must be reachable from the initial one.
        guard stateNames.contains(workflow.initialState) else { return }
        var reached: Set<String> = [workflow.initialState]
        var queue = [workflow.initialState]
        while let state = queue.popLast() {
            for next in edges[state] ?? [] where !reached.contains(next) {
                reached.insert(next)
                queue.append(next)
            }
        }
        for state in workflow.states where !reached.contains(state.name) {
            report(
                .unreachableState, state.location, "state",
                "state '\(state.name)' of entity '\(entity.name)' cannot be reached from the initial state '\(workflow.initialState)'")
        }
    }
}
