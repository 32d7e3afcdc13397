import Foundation

extension SchemaBuilder {
    mutating func applySchedule(_ element: MarkupElement) {
        let name = element.attribute("name") ?? ""
        let cronText = element.attribute("cron") ?? ""
        guard let function = FunctionReference(element.attribute("function") ?? "") else { return }
        let cron: CronExpression
        do {
            cron = try CronExpression(cronText)
        } catch {
            report(.invalidValue, element.location(of: "cron"), "schedule", "schedule '\(name)': \(error.description)")
            unplacedFunctions.append((function, element.location, "schedule '\(name)'"))
            return
        }
        let schedule = Schedule(
            name: name, cron: cron, function: function, isEnabled: element.flag("enabled", otherwise: true),
            labels: element.labels, location: element.location)
        Self.place(
            schedule, in: &schema.schedules, kind: "schedule", replace: element.flag("replace"),
            diagnostics: &diagnostics)
    }

    mutating func applyConversion(_ element: MarkupElement) {
        var creations: [Conversion.Creation] = []
        for child in element.children(named: "create") {
            var mappings: [(source: String, target: String)] = []
            for pair in (child.attribute("map") ?? "").commaSeparated {
                let sides = pair.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                if sides.count == 2 { mappings.append((sides[0], sides[1])) }
            }
            let lines = child.attribute("lines").flatMap { text -> (String, String)? in
                let sides = text.split(separator: ":").map(String.init)
                return sides.count == 2 ? (sides[0], sides[1]) : nil
            }
            creations.append(
                Conversion.Creation(
                    entity: child.attribute("entity") ?? "", mappings: mappings, links: child.list("link"),
                    backReference: child.attribute("back-ref"), isOptional: child.flag("optional"), lines: lines,
                    location: child.location))
        }
        let conversion = Conversion(
            name: element.attribute("name") ?? "", source: element.attribute("from") ?? "", labels: element.labels,
            setState: element.attribute("set-state"), whenStates: element.list("when"), creations: creations,
            location: element.location)
        Self.place(
            conversion, in: &schema.conversions, kind: "conversion",
            replace: element.flag("replace"), diagnostics: &diagnostics)
    }

    mutating func applyRole(_ element: MarkupElement) {
        let name = element.attribute("name") ?? ""
        if name == Role.administrator {
            report(
                .duplicateName, element.location, "role",
                "'\(Role.administrator)' is the built-in role that may do everything; it cannot be defined in a module")
            return
        }
        var role = Role(name: name, labels: element.labels, grants: [], fieldAccess: [], location: element.location)
        readRoleContent(element, into: &role)
        Self.place(
            role, in: &schema.roles, kind: "role", replace: element.flag("replace"),
            diagnostics: &diagnostics)
    }

    mutating func applyRoleExtension(_ element: MarkupElement) {
        let name = element.attribute("name") ?? ""
        guard let index = schema.roles.firstIndex(where: { $0.name == name }) else {
            report(
                .unknownReference, element.location, "extend-role", "extend-role of unknown role '\(name)'",
                suggestion: NameSuggestion.closest(to: name, among: schema.roles.map(\.name)))
            return
        }
        var role = schema.roles[index]
        readRoleContent(element, into: &role, overriding: true)
        schema.roles[index] = role
    }

    /// Grants and field access of `<role>` or `<extend-role>`. In an extension, a grant or field
    /// access for something the role already covers replaces it.
    private mutating func readRoleContent(_ element: MarkupElement, into role: inout Role, overriding: Bool = false) {
        for child in element.children {
            if child.name == "grant" {
                let grant = Role.Grant(
                    entity: child.attribute("entity") ?? "",
                    read: Role.Scope(rawValue: child.attribute("read") ?? "") ?? .no,
                    create: child.attribute("create") == "yes",
                    update: Role.Scope(rawValue: child.attribute("update") ?? "") ?? .no,
                    delete: Role.Scope(rawValue: child.attribute("delete") ?? "") ?? .no,
                    export: child.attribute("export") == "yes", claim: child.attribute("claim") == "yes",
                    location: child.location)
                if let index = role.grants.firstIndex(where: { $0.entity == grant.entity }) {
                    if overriding {
                        role.grants[index] = grant
                    } else {
                        report(
                            .duplicateName, child.location, "grant",
                            "role '\(role.name)' already grants '\(grant.entity)' at \(role.grants[index].location)")
                    }
                } else {
                    role.grants.append(grant)
                }
            } else if child.name == "field" {
                let access = Role.FieldAccess(
                    entity: child.attribute("entity") ?? "", field: child.attribute("name") ?? "",
                    level: Role.FieldAccess.Level(rawValue: child.attribute("access") ?? "") ?? .read, location: child.location)
                if let index = role.fieldAccess.firstIndex(where: { $0.entity == access.entity && $0.field == access.field }) {
                    if overriding {
                        role.fieldAccess[index] = access
                    } else {
                        report(
                            .duplicateName, child.location, "field",
                            "role '\(role.name)' already sets access to '\(access.entity).\(access.field)' at \(role.fieldAccess[index].location)"
                        )
                    }
                } else {
                    role.fieldAccess.append(access)
                }
            }
        }
    }

    mutating func applyReport(_ element: MarkupElement) {
        let group = element.attribute("group")?.split(separator: ":").map(String.init) ?? []
        let measure = (element.attribute("measure") ?? "count").split(separator: ":").map(String.init)
        let report = Report(
            name: element.attribute("name") ?? "", entity: element.attribute("entity") ?? "",
            chart: Report.Chart(rawValue: element.attribute("chart") ?? "") ?? .table,
            groupField: group.first, groupBucket: group.count > 1 ? Report.Bucket(rawValue: group[1]) : nil,
            aggregate: Report.Aggregate(rawValue: measure.first ?? "count") ?? .count,
            measureField: measure.count > 1 ? measure[1] : nil, weightField: element.attribute("weight"),
            filter: readFilter(element, join: .and), labels: element.labels, location: element.location)
        Self.place(
            report, in: &schema.reports, kind: "report", replace: element.flag("replace"),
            diagnostics: &diagnostics)
    }
}
