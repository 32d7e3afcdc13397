import Foundation

extension SchemaChecker {
    mutating func check(_ field: Field, of entity: Entity) {
        let subject = "field '\(field.name)'"
        func misplaced(_ attribute: String, _ allowed: String) {
            report(
                .invalidValue, field.location, "field",
                "\(subject): '\(attribute)' does not apply to type \(field.type.rawValue) (only to \(allowed))")
        }
        let type = field.type

        // Attributes that only some types take.
        if field.scale != nil && !type.isDecimal { misplaced("scale", "decimal, money and percent") }
        if let scale = field.scale, scale > 8 {
            report(.invalidValue, field.location, "field", "\(subject): scale \(scale) is too large (at most 8 digits after the point)")
        }
        if (field.dictionary != nil || field.values != nil) && !type.isChoice {
            misplaced(field.dictionary != nil ? "dictionary" : "values", "enum and multienum")
        }
        if field.target != nil && !(type == .ref || type == .multiref) { misplaced("entity", "ref and multiref") }
        if field.onDelete != .restrict && type != .ref { misplaced("on-delete", "ref") }
        if field.reset != .never && type != .autonumber { misplaced("reset", "autonumber") }
        if field.pattern != nil && !(type == .text || type == .autonumber) { misplaced("pattern", "text and autonumber") }
        if field.isSearchable && !type.isString { misplaced("search", "text-like fields") }
        if field.isUnique && (type.isMultiple || [.boolean, .textarea, .file].contains(type)) {
            misplaced("unique", "single-valued fields other than boolean, textarea and file")
        }
        if field.isIndexed && !type.isOrdered { misplaced("index", "single-valued fields") }
        if !field.samples.isEmpty && !(type == .text || type == .textarea) { misplaced("sample", "text and textarea") }
        if field.countsViews && type != .integer { misplaced("counts", "integer") }
        if let longest = field.maxLength, let sample = field.samples.first(where: { $0.count > longest }) {
            report(.invalidValue, field.location, "field", "\(subject): sample '\(sample)' is longer than the field's \(longest) characters")
        }

        checkBounds(field, subject: subject)

        switch type {
        case .enum, .multienum:
            checkChoices(field, subject: subject)
        case .ref, .multiref:
            guard let target = field.target else {
                report(.invalidValue, field.location, "field", "\(subject) of type \(type.rawValue) needs entity=\"...\"")
                break
            }
            if let targetEntity = resolveEntity(target, at: field.location, "field", subject), targetEntity.detailOf != nil,
                targetEntity.detailOf != entity.name
            {
                report(
                    .invalidValue, field.location, "field",
                    "\(subject) cannot refer to line-item entity '\(target)'; refer to its master '\(targetEntity.detailOf ?? "")'")
            }
            if field.onDelete == .setNull && field.isRequired {
                report(.invalidValue, field.location, "field", "\(subject) is required, so on-delete=\"set-null\" cannot clear it")
            }
        case .text:
            if let pattern = field.pattern {
                do {
                    _ = try NSRegularExpression(pattern: pattern)
                } catch {
                    report(.invalidValue, field.location, "field", "\(subject): pattern '\(pattern)' is not a valid regular expression")
                }
            }
        case .autonumber:
            checkAutonumber(field, subject: subject)
        default:
            break
        }

        if let value = field.defaultValue {
            if let problem = DefaultValueRules.problem(with: value, for: field, choices: schema.choices(of: field)) {
                report(.invalidValue, field.location, "field", "\(subject): default \(problem)")
            }
        }
    }

    private mutating func checkChoices(_ field: Field, subject: String) {
        switch (field.dictionary, field.values) {
        case (nil, nil):
            report(
                .invalidValue, field.location, "field",
                "\(subject) of type \(field.type.rawValue) needs dictionary=\"...\" or values=\"...\"")
        case (.some, .some):
            report(.invalidValue, field.location, "field", "\(subject) has both dictionary and values; keep one")
        case (.some(let name), nil):
            if schema.dictionary(name) == nil {
                report(
                    .unknownReference, field.location, "field", "\(subject) refers to unknown dictionary '\(name)'",
                    suggestion: NameSuggestion.closest(to: name, among: schema.dictionaries.map(\.name)))
            }
        case (nil, .some(let values)):
            var seen = Set<String>()
            for value in values where !seen.insert(value).inserted {
                report(.duplicateName, field.location, "field", "\(subject) lists value '\(value)' twice")
            }
        }
    }

    private mutating func checkBounds(_ field: Field, subject: String) {
        let type = field.type
        for (attribute, text) in [("min", field.min), ("max", field.max)] {
            guard let text else { continue }
            if type.isString || type == .file {
                if Int(text).map({ $0 >= (attribute == "min" ? 0 : 1) }) != true {
                    report(
                        .invalidValue, field.location, "field",
                        "\(subject): \(attribute)=\"\(text)\" must be a whole number of \(type == .file ? "bytes" : "characters")")
                }
            } else if type == .integer {
                if Int64(text) == nil {
                    report(.invalidValue, field.location, "field", "\(subject): \(attribute)=\"\(text)\" is not an integer")
                }
            } else if type.isDecimal {
                if !Literal.isDecimal(text) {
                    report(.invalidValue, field.location, "field", "\(subject): \(attribute)=\"\(text)\" is not a decimal number")
                } else if Literal.fractionDigits(text) > field.effectiveScale {
                    report(
                        .invalidValue, field.location, "field",
                        "\(subject): \(attribute)=\"\(text)\" has more digits after the point than scale \(field.effectiveScale)")
                }
            } else {
                report(.invalidValue, field.location, "field", "\(subject): '\(attribute)' does not apply to type \(type.rawValue)")
            }
        }
        if let min = field.min, let max = field.max, let low = Decimal(string: min), let high = Decimal(string: max),
            Literal.isDecimal(min), Literal.isDecimal(max), low > high
        {
            report(.invalidValue, field.location, "field", "\(subject): min \(min) is greater than max \(max)")
        }
        if type == .percent {
            for (attribute, text) in [("min", field.min), ("max", field.max)] {
                if let text, let value = Decimal(string: text), Literal.isDecimal(text), value < 0 || value > 100 {
                    report(.invalidValue, field.location, "field", "\(subject): a percent \(attribute) must lie between 0 and 100")
                }
            }
        }
    }

    private mutating func checkAutonumber(_ field: Field, subject: String) {
        let text = field.pattern ?? AutonumberPattern.standard
        do {
            let pattern = try AutonumberPattern(text)
            if field.reset == .yearly && !pattern.hasYear {
                report(
                    .invalidValue, field.location, "field",
                    "\(subject): reset=\"yearly\" needs {yyyy} or {yy} in the pattern, or codes would repeat")
            }
            if field.reset == .monthly && !(pattern.hasYear && pattern.hasMonth) {
                report(
                    .invalidValue, field.location, "field",
                    "\(subject): reset=\"monthly\" needs a year and {mm} in the pattern, or codes would repeat")
            }
        } catch {
            report(.invalidValue, field.location, "field", "\(subject): \(error.description)")
        }
    }
}

/// Literal forms used in defaults and filters.
enum Literal {
    static func isInteger(_ text: String) -> Bool { Int64(text) != nil }

    static func isDecimal(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "-" { body.removeFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        return true
    }

    static func fractionDigits(_ text: String) -> Int {
        guard let point = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: point, to: text.endIndex) - 1
    }

    /// `2026-11-22`, a real calendar date.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// `2026-11-22T08:30:00Z` or with an offset `+08:00`; seconds optional.
    static func isDateTime(_ text: String) -> Bool {
        guard text.count >= 16, let t = text.firstIndex(of: "T") else { return false }
        guard isDate(String(text[..<t])) else { return false }
        let rest = text[text.index(after: t)...]
        let pattern = #"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$"#
        return rest.range(of: pattern, options: .regularExpression) != nil
    }

    /// `$today`, `$today-30d`, `$now+2d`: the base and the offset in days, or nil.
    static func relativeDay(_ text: String) -> (base: String, days: Int)? {
        for base in ["$today", "$now"] where text.hasPrefix(base) {
            let rest = text.dropFirst(base.count)
            if rest.isEmpty { return (base, 0) }
            guard rest.hasSuffix("d"), let sign = rest.first, sign == "+" || sign == "-",
                let count = Int(rest.dropFirst().dropLast())
            else { return nil }
            return (base, sign == "-" ? -count : count)
        }
        return nil
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Which defaults fit which field types.
enum DefaultValueRules {
    /// What is wrong with `value` as the default of `field`, or nil when it fits.
    static func problem(with value: String, for field: Field, choices: [String]) -> String? {
        switch field.type {
        case .text, .textarea, .email, .phone, .url:
            if let max = field.maxLength, value.count > max { return "'\(value)' is longer than max \(max)" }
            return nil
        case .integer:
            return Literal.isInteger(value) ? nil : "'\(value)' is not an integer"
        case .decimal, .money, .percent:
            return Literal.isDecimal(value) ? nil : "'\(value)' is not a decimal number"
        case .boolean:
            return value == "true" || value == "false" ? nil : "'\(value)' must be true or false"
        case .date:
            return value == "$today" || Literal.isDate(value) ? nil : "'\(value)' must be $today or a date like 2026-01-31"
        case .datetime:
            return value == "$now" || Literal.isDateTime(value)
                ? nil : "'\(value)' must be $now or a date-time like 2026-01-31T09:00:00+08:00"
        case .user:
            return value == "$me" ? nil : "'\(value)' must be $me (users are data, not schema)"
        case .enum:
            return choices.contains(value) ? nil : "'\(value)' is not one of its values (\(choices.joined(separator: ", ")))"
        case .multienum:
            let bad = value.commaSeparated.filter { !choices.contains($0) }
            return bad.isEmpty ? nil : "'\(bad[0])' is not one of its values (\(choices.joined(separator: ", ")))"
        case .ref, .multiref, .autonumber, .file, .department:
            return "is not allowed for type \(field.type.rawValue)"
        }
    }
}

/// Which filter values fit which operators and field types.
enum FilterValueRules {
    static func problem(with condition: FilterCondition, on field: Field, choices: [String]) -> String? {
        let op = condition.op
        let type = field.type
        if op.takesNoValue {
            return condition.value == nil ? nil : "operator '\(op.rawValue)' takes no value"
        }
        guard let value = condition.value, !value.isEmpty else { return "operator '\(op.rawValue)' needs a value" }
        if (op == .contains || op == .startsWith) && !(type.isString || type == .multienum || type == .multiref) {
            return "operator '\(op.rawValue)' applies to text fields, not \(type.rawValue)"
        }
        if op.needsOrder && (!type.isOrdered || type == .boolean || type.isChoice) {
            return "operator '\(op.rawValue)' needs an ordered field (numbers, dates, text), not \(type.rawValue)"
        }
        let items: [String]
        if op.takesList {
            items = value.commaSeparated
        } else if op == .between {
            items = value.commaSeparated
            if items.count != 2 { return "operator 'between' needs two values separated by a comma" }
        } else {
            items = [value]
        }
        if op == .contains || op == .startsWith { return nil }
        for item in items {
            if let problem = itemProblem(item, type: type, choices: choices) { return problem }
        }
        return nil
    }

    private static func itemProblem(_ item: String, type: FieldType, choices: [String]) -> String? {
        if item == "$me" {
            return type == .user ? nil : "$me applies to user fields (owner, created_by, ...), not \(type.rawValue)"
        }
        if item == "$my-department" {
            return type == .department ? nil : "$my-department applies to the department field"
        }
        if let relative = Literal.relativeDay(item) {
            return type.isTemporal ? nil : "\(relative.base) applies to date and datetime fields, not \(type.rawValue)"
        }
        if item.hasPrefix("$") {
            return "unknown variable '\(item)'; use $me, $my-department, $today, $now or offsets such as $today-30d"
        }
        switch type {
        case .integer, .ref, .multiref, .user, .department:
            return Literal.isInteger(item) ? nil : "'\(item)' is not an integer"
        case .decimal, .money, .percent:
            return Literal.isDecimal(item) ? nil : "'\(item)' is not a decimal number"
        case .boolean:
            return item == "true" || item == "false" ? nil : "'\(item)' must be true or false"
        case .date:
            return Literal.isDate(item) ? nil : "'\(item)' is not a date like 2026-01-31"
        case .datetime:
            return Literal.isDate(item) || Literal.isDateTime(item) ? nil : "'\(item)' is not a date or date-time"
        case .enum, .multienum:
            return choices.contains(item)
                ? nil : "'\(item)' is not one of its values (\(choices.joined(separator: ", ")))"
        default:
            return nil
        }
    }
}
