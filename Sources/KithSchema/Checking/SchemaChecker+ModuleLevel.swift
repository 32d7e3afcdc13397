extension SchemaChecker {
    // MARK: - Conversions

    mutating func check(_ conversion: Conversion) {
        let subject = "conversion '\(conversion.name)'"
        guard let source = resolveEntity(conversion.source, at: conversion.location, "convert", subject) else { return }
        let sourceStates = source.workflow?.states.map(\.name)
        for (attribute, states) in [("set-state", conversion.setState.map { [$0] } ?? []), ("when", conversion.whenStates)] {
            for state in states {
                guard let sourceStates else {
                    report(
                        .invalidValue, conversion.location, "convert",
                        "\(subject): \(attribute) needs a workflow on entity '\(source.name)'")
                    break
                }
                if !sourceStates.contains(state) {
                    report(
                        .unknownReference, conversion.location, "convert",
                        "\(subject): \(attribute) refers to unknown state '\(state)' of entity '\(source.name)'",
                        suggestion: NameSuggestion.closest(to: state, among: sourceStates))
                }
            }
        }
        var created: [String] = []
        for creation in conversion.creations {
            defer { created.append(creation.entity) }
            guard let target = resolveEntity(creation.entity, at: creation.location, "create", subject) else { continue }
            if target.detailOf != nil {
                report(
                    .invalidValue, creation.location, "create",
                    "\(subject) cannot create line-item entity '\(target.name)' on its own; copy lines with lines=\"...\"")
            }
            var assigned: [String: String] = [:]
            for mapping in creation.mappings {
                let from = resolveField(mapping.source, of: source, at: creation.location, "create", "\(subject) map")
                let to = resolveField(mapping.target, of: target, at: creation.location, "create", "\(subject) map")
                if let previous = assigned[mapping.target] {
                    report(
                        .duplicateName, creation.location, "create",
                        "\(subject) sets '\(target.name).\(mapping.target)' twice (from '\(previous)' and '\(mapping.source)')")
                }
                assigned[mapping.target] = mapping.source
                guard let from, let to else { continue }
                if to.isSystem && to.name != "owner" {
                    report(.invalidValue, creation.location, "create", "\(subject) cannot set system field '\(to.name)'")
                } else if !ConversionTypeRules.canMap(from, to: to, schema: schema) {
                    report(
                        .incompatibleTypes, creation.location, "create",
                        "\(subject) cannot map \(source.name).\(from.name) (\(ConversionTypeRules.describe(from))) "
                            + "to \(target.name).\(to.name) (\(ConversionTypeRules.describe(to)))"
                            + (from.name == "id" && to.type == .ref && to.target == source.name
                                ? "; to point the new record at the \(source.name) it comes from, write back-ref=\"\(to.name)\"" : ""))
                }
            }
            for link in creation.links {
                guard let field = resolveField(link, of: target, at: creation.location, "create", "\(subject) link") else { continue }
                if field.type != .ref || !created.contains(field.target ?? "") {
                    report(
                        .invalidValue, creation.location, "create",
                        "\(subject): link '\(link)' must be a ref field to an entity this conversion creates before '\(target.name)'"
                            + (created.isEmpty ? "" : " (\(created.joined(separator: ", ")))"))
                }
            }
            if let backReference = creation.backReference,
                let field = resolveField(backReference, of: target, at: creation.location, "create", "\(subject) back-ref")
            {
                if field.type != .ref || field.target != source.name {
                    report(
                        .invalidValue, creation.location, "create",
                        "\(subject): back-ref '\(backReference)' must be a ref field of '\(target.name)' to '\(source.name)'")
                }
            }
            if let lines = creation.lines {
                if let detail = resolveEntity(lines.source, at: creation.location, "create", "\(subject) lines"),
                    detail.detailOf != source.name
                {
                    report(
                        .invalidValue, creation.location, "create", "\(subject): '\(lines.source)' is not a line item of '\(source.name)'")
                }
                if let detail = resolveEntity(lines.target, at: creation.location, "create", "\(subject) lines"),
                    detail.detailOf != target.name
                {
                    report(
                        .invalidValue, creation.location, "create", "\(subject): '\(lines.target)' is not a line item of '\(target.name)'")
                }
            }
        }
    }

    // MARK: - Roles

    mutating func check(_ role: Role) {
        let subject = "role '\(role.name)'"
        for grant in role.grants where grant.entity != "*" {
            guard let entity = resolveEntity(grant.entity, at: grant.location, "grant", "\(subject) grant") else { continue }
            if let master = entity.detailOf {
                report(
                    .invalidValue, grant.location, "grant",
                    "\(subject) grants line-item entity '\(entity.name)', whose access follows its master '\(master)'; grant '\(master)' instead"
                )
            }
            if grant.claim && !entity.isPool {
                report(
                    .invalidValue, grant.location, "grant",
                    "\(subject): claim=\"yes\" on '\(entity.name)', which is not a public pool (pool=\"true\"); it has no effect",
                    severity: .warning)
            }
        }
        for access in role.fieldAccess {
            guard let entity = resolveEntity(access.entity, at: access.location, "field", "\(subject) field access") else { continue }
            guard let field = resolveField(access.field, of: entity, at: access.location, "field", "\(subject) field access") else {
                continue
            }
            if field.name == "id" {
                report(.invalidValue, access.location, "field", "\(subject): the id of a record cannot be hidden")
            }
        }
    }

    // MARK: - Reports

    mutating func check(_ report: Report) {
        let subject = "report '\(report.name)'"
        guard let entity = resolveEntity(report.entity, at: report.location, "report", subject) else { return }
        if let name = report.groupField, let field = resolveField(name, of: entity, at: report.location, "report", "\(subject) group") {
            if report.groupBucket != nil && !field.type.isTemporal {
                self.report(
                    .invalidValue, report.location, "report",
                    "\(subject): grouping by period needs a date field, but '\(name)' is \(field.type.rawValue)")
            } else if field.type == .file || field.type == .textarea {
                self.report(
                    .invalidValue, report.location, "report", "\(subject): cannot group by '\(name)' of type \(field.type.rawValue)")
            }
        } else if report.groupField == nil && report.chart != .table {
            self.report(.invalidValue, report.location, "report", "\(subject): a \(report.chart.rawValue) chart needs group=\"...\"")
        }
        if let name = report.measureField, let field = resolveField(name, of: entity, at: report.location, "report", "\(subject) measure") {
            let orderedOK = (report.aggregate == .min || report.aggregate == .max) && field.type.isTemporal
            if !field.type.isNumeric && !orderedOK {
                self.report(
                    .invalidValue, report.location, "report",
                    "\(subject): \(report.aggregate.rawValue) needs a number field, but '\(name)' is \(field.type.rawValue)")
            }
        }
        if let name = report.weightField, let field = resolveField(name, of: entity, at: report.location, "report", "\(subject) weight") {
            if !field.type.isNumeric {
                self.report(
                    .invalidValue, report.location, "report",
                    "\(subject): weight needs a number field, but '\(name)' is \(field.type.rawValue)")
            }
        }
        checkFilter(report.filter, of: entity, subject: subject)
    }
}

/// Which source field types may be copied into which target types by a conversion.
enum ConversionTypeRules {
    static func canMap(_ source: Field, to target: Field, schema: Schema) -> Bool {
        let (from, to) = (source.type, target.type)
        switch (from, to) {
        case _ where from.isString && (to == .text || to == .textarea):
            return true
        case (.email, .email), (.phone, .phone), (.url, .url), (.boolean, .boolean), (.user, .user):
            return true
        case _ where from.isNumeric && to.isDecimal:
            return true
        case (.integer, .integer):
            return true
        case _ where from.isTemporal && to.isTemporal:
            return true
        case (.enum, .text), (.enum, .textarea):
            return true
        case (.enum, .enum), (.multienum, .multienum), (.enum, .multienum):
            return Set(schema.choices(of: source)).isSubset(of: schema.choices(of: target))
        case (.ref, .ref), (.multiref, .multiref), (.ref, .multiref):
            return source.target == target.target
        case (.file, .file):
            return true
        default:
            return false
        }
    }

    static func describe(_ field: Field) -> String {
        switch field.type {
        case .ref, .multiref: "\(field.type.rawValue) to \(field.target ?? "?")"
        default: field.type.rawValue
        }
    }
}
