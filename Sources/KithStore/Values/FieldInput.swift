import Foundation
import KithSchema

/// Turns what a user, an import or a rule supplied for a field into the field's canonical value,
/// or says what is wrong with it. Checks everything that needs no database: type, format, length,
/// range, pattern, enum membership. (Required, unique and reference checks need the record and
/// the database; `RecordTransaction` makes them.)
struct FieldInput {
    let field: Field
    let choices: [String]
    /// Each choice's labels, and the choice each label (or the value itself) names, in lower
    /// case: a spreadsheet cell or a person may write 金牌, Gold or GOLD for `gold`.
    let choiceLabels: [Labels]
    let labelled: [String: String]
    let timeZone: TimeZone
    let pattern: NSRegularExpression?

    init(field: Field, schema: Schema, timeZone: TimeZone) {
        self.field = field
        let items = schema.choiceLabels(of: field)
        self.choices = items.map(\.value)
        self.choiceLabels = items.map(\.labels)
        var labelled: [String: String] = [:]
        for (choice, labels) in zip(choices, choiceLabels) {
            for text in [choice] + labels.texts.values where labelled[text.lowercased()] == nil { labelled[text.lowercased()] = choice }
        }
        self.labelled = labelled
        self.timeZone = timeZone
        self.pattern = field.type == .text ? field.pattern.flatMap { try? NSRegularExpression(pattern: "^(?:" + $0 + ")$") } : nil
    }

    func problem(_ reason: FieldProblem.Reason) -> FieldProblem { FieldProblem(field: field.name, reason) }

    /// A choice given by its value or by one of its labels.
    func choice(_ text: String) throws(FieldProblem) -> String {
        if choices.contains(text) { return text }
        if let named = labelled[text.lowercased()] ?? labelled[text.trimmingCharacters(in: .whitespaces).lowercased()] { return named }
        throw problem(.notChoice(text, choices: choices, labels: choiceLabels))
    }

    /// The canonical value; `.null` for empty input.
    func normalize(_ input: Value) throws(FieldProblem) -> Value {
        if input.isEmpty { return .null }
        switch field.type {
        case .text, .textarea, .email, .phone, .url, .autonumber:
            return try normalizeText(input)
        case .integer:
            let integer = try integerValue(input)
            try checkRange(ExactDecimal(integer))
            return .integer(integer)
        case .decimal, .money, .percent:
            return try normalizeDecimal(input)
        case .boolean:
            switch input {
            case .boolean: return input
            case .integer(let integer) where integer == 0 || integer == 1: return .boolean(integer == 1)
            case .text(let text):
                switch text.lowercased() {
                case "true", "1", "yes", "y", "是": return .boolean(true)
                case "false", "0", "no", "n", "否": return .boolean(false)
                default: break
                }
            default: break
            }
            throw problem(.notBoolean)
        case .date:
            guard let text = input.text, let date = Self.canonicalDate(text) else {
                throw problem(.notDate)
            }
            return .text(date)
        case .datetime:
            guard let text = input.text, let instant = Self.canonicalDateTime(text, timeZone: timeZone) else {
                throw problem(.notDateTime)
            }
            return .text(instant)
        case .enum:
            return .text(try choice(input.description))
        case .multienum:
            let items = try Self.items(input).map { item throws(FieldProblem) in try choice(item.description) }
            var seen = Set<String>()
            return .list(items.filter { seen.insert($0).inserted }.map(Value.text))
        case .ref, .file:
            return .integer(try identifier(input))
        case .user:
            return .integer(try identifier(input, else: .notUserID))
        case .department:
            return .integer(try identifier(input, else: .notDepartmentID))
        case .multiref:
            var seen = Set<Int64>()
            var ids: [Value] = []
            for item in Self.items(input) {
                let id = try identifier(item)
                if seen.insert(id).inserted { ids.append(.integer(id)) }
            }
            return .list(ids)
        }
    }

    private func normalizeText(_ input: Value) throws(FieldProblem) -> Value {
        guard case .text(let text) = input else {
            if case .list = input { throw problem(.notText) }
            return try normalizeText(.text(input.description))
        }
        let length = text.count
        if let max = field.maxLength, length > max {
            throw problem(.tooLong(length: length, max: max))
        }
        if let min = field.min.flatMap(Int.init), length < min {
            throw problem(.tooShort(min: min))
        }
        if text.contains("\0") { throw problem(.nulCharacter) }
        switch field.type {
        case .email:
            guard Self.matches(Self.emailFormat, text) else {
                throw problem(.notEmail(text))
            }
        case .phone:
            let digits = text.filter(\.isNumber).count
            guard Self.matches(Self.phoneFormat, text), (5...20).contains(digits) else {
                throw problem(.notPhone(text))
            }
        case .url:
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                url.host?.isEmpty == false
            else { throw problem(.notWebAddress(text)) }
        case .text:
            if let pattern, pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                throw problem(.notPattern(text, pattern: field.pattern ?? ""))
            }
        default:
            break
        }
        return .text(text)
    }

    private func normalizeDecimal(_ input: Value) throws(FieldProblem) -> Value {
        let decimal: ExactDecimal
        switch input {
        case .decimal(let value): decimal = value
        case .integer(let integer): decimal = ExactDecimal(integer)
        case .text(let text):
            do {
                decimal = try ExactDecimal(text.contains(",") ? text.filter { $0 != "," } : text)  // "1,200.50"
            } catch {
                throw problem(.notNumber(text))
            }
        default: throw problem(.notNumber(nil))
        }
        guard let scaled = decimal.rescaled(to: field.effectiveScale), scaled.rescaled(to: 0) != nil else {
            throw problem(.tooLarge(decimal.description))
        }
        if field.type == .percent && (scaled < ExactDecimal(0) || ExactDecimal(100) < scaled) {
            throw problem(.notPercent)
        }
        try checkRange(scaled)
        return .decimal(scaled)
    }

    private func checkRange(_ value: ExactDecimal) throws(FieldProblem) {
        if let min = field.min, let bound = try? ExactDecimal(min), value < bound {
            throw problem(.belowMinimum(min))
        }
        if let max = field.max, let bound = try? ExactDecimal(max), bound < value {
            throw problem(.aboveMaximum(max))
        }
    }

    private func integerValue(_ input: Value) throws(FieldProblem) -> Int64 {
        switch input {
        case .integer(let integer): return integer
        case .decimal(let decimal):
            if let whole = decimal.rescaled(to: 0), whole == decimal { return whole.units }
        case .text(let text):
            if let integer = Int64(text.trimmingCharacters(in: .whitespaces)) { return integer }
        default: break
        }
        throw problem(.notWholeNumber)
    }

    private func identifier(_ input: Value, else kind: FieldProblem.Reason = .notRecordID) throws(FieldProblem) -> Int64 {
        switch input {
        case .integer(let id) where id > 0: return id
        case .text(let text):
            if let id = Int64(text.trimmingCharacters(in: .whitespaces)), id > 0 { return id }
        default: break
        }
        throw problem(kind)
    }

    static func items(_ input: Value) -> [Value] {
        switch input {
        case .list(let items): items
        case .text(let text): text.split(separator: ",").map { .text($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
        case .null: []
        default: [input]
        }
    }

    // MARK: - Formats, compiled once

    static let emailFormat = compile(#"^[^@\s]+@[^@\s]+\.[^@\s.]+$"#)
    static let phoneFormat = compile(#"^\+?[0-9 ()./-]+((ext|x|转)[0-9]+)?$"#)
    static let dateTimeFormat = compile(#"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$"#)

    private static func compile(_ pattern: String) -> NSRegularExpression {
        // The patterns are constants of this file; a failure is a programming error caught by every test.
        try! NSRegularExpression(pattern: pattern)
    }

    static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    // MARK: - Dates

    /// `YYYY-MM-DD` when `text` is a real calendar date.
    static func canonicalDate(_ text: String) -> String? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        return text
    }

    static func daysIn(month: Int, year: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// UTC `YYYY-MM-DDTHH:MM:SS.sssZ` for an ISO 8601 date-time; without an offset the time is
    /// read in `timeZone`; a bare date means its midnight there.
    static func canonicalDateTime(_ text: String, timeZone: TimeZone) -> String? {
        guard let match = dateTimeFormat.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        func group(_ index: Int) -> String? {
            Range(match.range(at: index), in: text).map { String(text[$0]) }
        }
        guard let date = group(1), canonicalDate(date) != nil else { return nil }
        let dateParts = date.split(separator: "-").compactMap { Int($0) }
        let hour = Int(group(2) ?? "0") ?? 0
        let minute = Int(group(3) ?? "0") ?? 0
        let second = Int(group(4) ?? "0") ?? 0
        let millis = Int(((group(5) ?? "") + "000").prefix(3)) ?? 0
        guard hour < 24, minute < 60, second < 60 else { return nil }
        var seconds =
            Int64(daysFromCivil(dateParts[0], dateParts[1], dateParts[2])) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
        if let offset = group(6) {
            if offset != "Z" {
                let digits = offset.dropFirst().filter(\.isNumber)
                guard digits.count == 4, let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)) else { return nil }
                let total = Int64(hours * 3600 + minutes * 60)
                seconds -= offset.hasPrefix("-") ? -total : total
            }
        } else {
            let local = Date(timeIntervalSince1970: TimeInterval(seconds))
            seconds -= Int64(timeZone.secondsFromGMT(for: local.addingTimeInterval(-TimeInterval(timeZone.secondsFromGMT(for: local)))))
        }
        return format(epochMilliseconds: seconds * 1000 + Int64(millis))
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`.
    static func format(epochMilliseconds: Int64) -> String {
        let seconds = Int64((Double(epochMilliseconds) / 1000).rounded(.down))
        let millis = Int(epochMilliseconds - seconds * 1000)
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = civilFromDays(days)
        return formatDate(year, month, day) + "T" + padded(secondOfDay / 3600, 2) + ":" + padded((secondOfDay / 60) % 60, 2) + ":"
            + padded(secondOfDay % 60, 2) + "." + padded(millis, 3) + "Z"
    }

    /// `YYYY-MM-DD` (String(format:) costs microseconds; this is on every save's path).
    static func formatDate(_ year: Int, _ month: Int, _ day: Int) -> String {
        padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    static func padded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
