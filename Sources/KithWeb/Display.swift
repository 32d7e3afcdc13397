import Foundation
import KithSchema
import KithStore

/// Values as people read them (choices by label, references by title, users by name) and the
/// input each field type gets in a form.
struct Display {
    let schema: Schema
    let language: String
    /// Every user and department (kept by the store until either changes).
    let directory: Directory
    /// The workspace's: stored times are shown and typed in it.
    let timeZone: TimeZone

    /// Choice labels by dictionary and language, kept by the server (the schema's dictionaries do
    /// not change while it serves).
    let labelCache: LockedDictionary<String, [String: String]>?

    init(schema: Schema, language: String, transaction: RecordTransaction, labelCache: LockedDictionary<String, [String: String]>? = nil) throws {
        self.schema = schema
        self.language = language
        self.labelCache = labelCache
        timeZone = transaction.timeZone
        directory = try transaction.directory()
    }

    var users: [Int64: DirectoryUser] { directory.usersByID }

    /// The users who may be picked (transfer, share, user fields), by name.
    var activeUsers: [DirectoryUser] { directory.users.filter(\.isActive) }

    func label(_ field: Field) -> String { field.labels.text(for: language, fallback: field.name.humanizedName) }

    /// The control choosing among `items` (value, label, chosen): a select for one; for a set,
    /// checkboxes when there are a few, which work on a phone (a multiple select needs a Ctrl-click
    /// on a laptop).
    private func choosing(_ items: [(String, String, Bool)], set: Bool) -> FormField.Control {
        guard set && items.count <= 12 else { return .select(options: HTML.options(items), multiple: set) }
        return .checks(items, lookup: nil, note: pageText("nothingToChoose"))
    }

    /// One of the pages' own texts, in the display's language.
    func pageText(_ key: String) -> String { PageText.texts(language)[key] ?? "" }

    func userName(_ id: Int64) -> String { users[id]?.name ?? "#\(id)" }

    func choices(_ field: Field) -> [(value: String, label: String)] {
        schema.choiceLabels(of: field).map { ($0.value, $0.labels.text(for: language, fallback: $0.value.humanizedName)) }
    }

    func text(_ value: Value, _ field: Field, titles: [Int64: String]?) -> String { formatter(field)(value, titles) }

    /// A choice field's labels by value.
    private func choiceLabels(_ field: Field) -> [String: String] {
        let key = field.dictionary.map { $0 + ":" + language }
        if let key, let known = labelCache?[key] { return known }
        let labels = Dictionary(choices(field).map { ($0.value, $0.label) }, uniquingKeysWith: { first, _ in first })
        if let key { labelCache?[key] = labels }
        return labels
    }

    /// How a field's values read, with its choices looked up once (a list formats a column's
    /// values with one formatter).
    func formatter(_ field: Field) -> (_ value: Value, _ titles: [Int64: String]?) -> String {
        let labels = field.type.isChoice ? choiceLabels(field) : [:]
        let texts = PageText.texts(language)
        let (yes, no) = (texts["yes"] ?? "Yes", texts["no"] ?? "No")
        let (type, users, departments, timeZone) = (field.type, directory.usersByID, directory.departmentsByID, timeZone)
        return { value, titles in
            switch (type, value) {
            case (_, .null): return ""
            case (.boolean, .boolean(let flag)): return flag ? yes : no
            case (.enum, .text(let choice)): return labels[choice] ?? choice
            case (.multienum, .list(let items)): return items.map { labels[$0.description] ?? $0.description }.joined(separator: ", ")
            case (.user, .integer(let id)): return users[id]?.name ?? "#\(id)"
            case (.department, .integer(let id)): return departments[id]?.name ?? "#\(id)"
            case (.ref, .integer(let id)): return titles?[id] ?? "#\(id)"
            case (.multiref, .list(let items)): return items.compactMap(\.integer).map { titles?[$0] ?? "#\($0)" }.joined(separator: ", ")
            case (.datetime, .text(let text)): return Self.time(text, in: timeZone)
            case (.money, _): return Self.grouped(value.description)
            case (.percent, _): return value.description + "%"
            default: return value.description
            }
        }
    }

    /// An amount with its thousands grouped, as pages show money: "-1234567.50" → "-1,234,567.50".
    static func grouped(_ amount: String) -> String {
        let negative = amount.hasPrefix("-")
        let unsigned = negative ? amount.dropFirst() : Substring(amount)
        let point = unsigned.firstIndex(of: ".") ?? unsigned.endIndex
        let whole = unsigned[..<point]
        guard whole.count > 3, whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber) else { return amount }
        var output = ""
        for (index, digit) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { output.append(",") }
            output.append(digit)
        }
        return (negative ? "-" : "") + output + unsigned[point...]
    }

    /// A stored time as the pages show it, in the workspace's time zone: "2026-11-23T07:34:10.000Z"
    /// in Asia/Shanghai → "2026-11-23 15:34" (with `length` 19, the seconds too).
    static func time(_ text: some StringProtocol, in timeZone: TimeZone, length: Int = 16) -> String {
        let shown = StoredTime.local(text, in: timeZone).prefix(length)
        guard let separator = shown.firstIndex(of: "T") else { return String(shown) }
        return shown[..<separator] + " " + shown[shown.index(after: separator)...]
    }

    func title(_ entity: Entity, _ record: Record) -> String {
        let title = record[entity.titleField].description
        return title.isEmpty ? "\(entity.labels.text(for: language, fallback: entity.name.humanizedName)) #\(record.id)" : title
    }

    /// The titles of the records a record's `ref` and `multiref` fields point at: field → id → title,
    /// for the records `access` lets the reader read (the others show as `#id`).
    func titles(of record: Record, entity: Entity, in transaction: RecordTransaction, access: (String) throws -> AccessFilter) throws
        -> [String: [Int64: String]]
    {
        try titles(ofLines: [record], entity: entity, in: transaction, access: access)
    }

    func titles(ofLines records: [Record], entity: Entity, in transaction: RecordTransaction, access: (String) throws -> AccessFilter) throws
        -> [String: [Int64: String]]
    {
        try titles(ofValues: records.map(\.values), entity: entity, in: transaction, access: access)
    }

    /// The titles of the readable records that references among `values` (fields by name) point at.
    func titles(ofValues values: [[String: Value]], entity: Entity, in transaction: RecordTransaction, access: (String) throws -> AccessFilter) throws
        -> [String: [Int64: String]]
    {
        var result: [String: [Int64: String]] = [:]
        for field in entity.fields where field.type == .ref || field.type == .multiref {
            guard let target = field.target.flatMap({ schema.entity($0) }) else { continue }
            var ids = Set<Int64>()
            for record in values {
                guard let value = record[field.name] else { continue }
                if let id = value.integer { ids.insert(id) }
                for item in value.list ?? [] { if let id = item.integer { ids.insert(id) } }
            }
            var titles: [Int64: String] = [:]
            guard !ids.isEmpty else { continue }
            let readable = try access(target.name)
            for id in ids { if let linked = try transaction.get(target.name, id: id, access: readable) { titles[id] = title(target, linked) } }
            result[field.name] = titles
        }
        return result
    }

    /// A form input for the field: its control, name, value and, for choices, the options.
    /// `access` gives the user's read access to another entity: reference choices list only
    /// records the user may read.
    func input(_ field: Field, value: FormValue?, access: (String) throws -> AccessFilter, in transaction: RecordTransaction) throws
        -> FormField
    {
        let text = value?.text(for: field, in: timeZone) ?? ""
        var input = FormField(name: field.name, control: .input(type: "text", maxLength: nil, lookup: nil))
        switch field.type {
        case .textarea:
            input.control = .textarea(maxLength: field.maxLength ?? 65_535)
            input.value = text
        case .boolean:
            input.control = .checkbox(checked: text == "true")
        case .enum, .multienum:
            let selected = Set(value?.texts ?? [])
            let items = choices(field).map { ($0.value, $0.label, selected.contains($0.value)) }
            input.control = choosing(items, set: field.type == .multienum)
        case .file:
            if case .value(.integer(let id)) = value {
                input.control = .file(
                    current: try transaction.fileName(id: id) ?? "#\(id)", link: "/files/\(id)", clearLabel: language == "zh" ? "移除" : "remove")
            } else {
                input.control = .file(current: nil, link: nil, clearLabel: "")
            }
        case .user:
            input.control = .select(options: HTML.options(activeUsers.map { (String($0.id), $0.name, String($0.id) == text) }), multiple: false)
        case .department:
            input.control = .select(options: HTML.options(directory.departments.map { (String($0.id), $0.name, String($0.id) == text) }), multiple: false)
        case .ref, .multiref:
            let chosen = (value?.texts ?? []).filter { !$0.isEmpty }
            guard let target = field.target.flatMap({ schema.entity($0) }) else { break }
            let readable = try access(target.name)
            let lookup = "/e/\(target.name)/lookup"
            if try transaction.count(target.name, cap: 200, access: readable).isCapped == false {
                let page = try transaction.query(
                    RecordQuery(entity: target.name, sort: [RecordQuery.Sort(target.titleField)], limit: 200), access: readable)
                var items = page.records.map { (String($0.id), title(target, $0), chosen.contains(String($0.id))) }
                // A chosen record the user may not read stays chosen, by its number: leaving it out
                // would drop it from the record on saving.
                let listed = Set(items.map(\.0))
                items += chosen.filter { !listed.contains($0) && Int64($0) != nil }.map { ($0, "#" + $0, true) }
                input.control = choosing(items, set: field.type == .multiref)
                return input
            }
            // Too many to list: a title typed (a lookup suggests titles with JavaScript), and for a
            // set, the chosen records ticked above it.
            input.control = .input(type: "text", maxLength: nil, lookup: lookup)
            if field.type == .multiref {
                var items: [(String, String, Bool)] = []
                for text in chosen {
                    guard let id = Int64(text) else {
                        input.value = text  // typed and not yet found: shown again to correct
                        continue
                    }
                    let record = try transaction.get(target.name, id: id, access: readable)
                    items.append((text, record.map { title(target, $0) } ?? "#" + text, true))
                }
                input.control = .checks(items, lookup: lookup, note: pageText("addByTitle"))
            } else if case .value(.integer(let id)) = value, let record = try transaction.get(target.name, id: id, access: readable) {
                input.value = title(target, record)
            } else {
                input.value = chosen.last.map { Int64($0) != nil ? "#" + $0 : $0 } ?? ""
            }
        default:
            let type =
                switch field.type {
                case .email: "email"
                case .url: "url"
                case .phone: "tel"
                case .date: "date"
                case .datetime: "datetime-local"
                case .integer: "number"
                default: "text"
                }
            input.control = .input(type: type, maxLength: field.maxLength, lookup: nil)
            input.value = text
            if field.type.isDecimal && field.effectiveScale > 0 { input.hint = "0." + String(repeating: "0", count: field.effectiveScale) }
        }
        return input
    }
}

/// A form field as a page writes it (`HTML.field`, `HTML.cell`): what `Display.input` works out
/// from the field and its value, and what the page adds (label, span, problem).
struct FormField {
    enum Control {
        case input(type: String, maxLength: Int?, lookup: String?)
        case textarea(maxLength: Int)
        /// `options`: the `<option>`s, escaped.
        case select(options: String, multiple: Bool)
        /// A set of choices as checkboxes: each value, its label and whether it is ticked; with
        /// `lookup`, also a text input to add one by its title. `note`: the input's placeholder, or
        /// what shows when there is nothing to tick.
        case checks([(value: String, label: String, checked: Bool)], lookup: String?, note: String)
        case checkbox(checked: Bool)
        /// The current file (its name and download), a new one to replace it, or none.
        case file(current: String?, link: String?, clearLabel: String)
    }

    var name: String
    var control: Control
    var value = ""
    var label = ""
    var span = 1
    var isRequired = false
    var isReadonly = false
    var hint: String?
    var problem: String?

    /// A field shown but not written: its value as text in a read-only input of another name.
    func readonly(showing text: String) -> FormField {
        var shown = self
        shown.name = "_ro_" + name
        shown.control = .input(type: "text", maxLength: nil, lookup: nil)
        shown.isReadonly = true
        shown.hint = nil  // a number's format: nothing is typed here
        if case .file(let current?, _, _) = control { shown.value = current } else { shown.value = text }
        return shown
    }
}

/// A form field's value: stored (from the record) or as typed (after a refused save).
enum FormValue {
    case value(Value)
    case typed([String])

    var text: String {
        switch self {
        case .value(let value): value.description
        case .typed(let items): items.last ?? ""
        }
    }

    /// As the field's form input shows it: a stored time as wall-clock time in `timeZone`, to the
    /// minute (`datetime-local`); anything else as it is.
    func text(for field: Field, in timeZone: TimeZone) -> String {
        guard field.type == .datetime, case .value(.text(let stored)) = self else { return text }
        return String(StoredTime.local(stored, in: timeZone).prefix(16))
    }

    var texts: [String] {
        switch self {
        case .value(.list(let items)): items.map(\.description)
        case .value(let value): value == .null ? [] : [value.description]
        case .typed(let items): items
        }
    }

    var stored: Value {
        switch self {
        case .value(let value): value
        case .typed(let items): items.last.map(Value.text) ?? .null
        }
    }
}

/// A posted record form as store input: empty means null, multi-selects become lists,
/// `lines.DETAIL.N.FIELD` become line items (empty rows and rows marked for removal left out).
enum FormInput {
    /// A file chosen for a line's `file` field: the page stores it with the record.
    struct LineUpload {
        let detail: String
        /// The line's place among the parsed lines of `detail`.
        let line: Int
        let field: String
        let part: Multipart.Part
    }

    /// The form's values, its lines by detail entity, and the files chosen for lines. A master's
    /// files are the page's to store (`Pages.save`); a line's file field is set from its upload or
    /// its ticked removal box (`FIELD._clear`), and left out otherwise (the stored file stays).
    static func parse(_ form: FormData, entity: Entity, schema: Schema, editing: Bool)
        -> ([String: Value], [String: [[String: Value]]], [LineUpload])
    {
        var values: [String: Value] = [:]
        // A file field's value is an upload, stored by the page (`Pages.save`), or its removal.
        for field in entity.fields where field.type != .file && form.items.contains(where: { $0.0 == field.name }) {
            let value = value(form.all(field.name), field)
            if !editing && value.isEmpty { continue }  // a new record's empty field takes its default
            values[field.name] = value
        }
        if !editing, let owner = form.last("owner"), !owner.isEmpty, let id = Int64(owner) { values["owner"] = .integer(id) }
        var lines: [String: [[String: Value]]] = [:]
        var uploads: [LineUpload] = []
        for (detail, rows) in rawLines(form, entity: entity, schema: schema) {
            guard let detailEntity = schema.entity(detail) else { continue }
            lines[detail] = rows.enumerated().map { position, row in
                var line: [String: Value] = [:]
                for (name, typed) in row {
                    if name == "id" {
                        if let id = Int64(typed.text) { line["id"] = .integer(id) }
                    } else if name.hasSuffix("._clear"), typed.text == "1", let field = detailEntity.field(String(name.dropLast(7))),
                        field.type == .file, line[field.name] == nil
                    {
                        line[field.name] = .null
                    } else if let field = detailEntity.field(name) {
                        guard field.type == .file else {
                            line[name] = value(typed.texts, field)
                            continue
                        }
                        if let number = row[rowKey]?.text, let part = form.uploads["lines.\(detail).\(number).\(name)"] {
                            uploads.append(LineUpload(detail: detail, line: position, field: name, part: part))
                        }
                    }
                }
                return line
            }
        }
        return (values, lines, uploads)
    }

    /// The key under which `rawLines` keeps a row's number in the form (`lines.DETAIL.N.FIELD`).
    static let rowKey = "_row"

    static func value(_ texts: [String], _ field: Field) -> Value {
        let items = texts.filter { !$0.isEmpty }
        switch field.type {
        case .multienum, .multiref: return .list(items.map(Value.text))
        case .boolean: return .boolean(texts.last == "true")
        default:
            guard let text = texts.last, !text.isEmpty else { return .null }
            return .text(text)
        }
    }

    static func raw(_ form: FormData, entity: Entity) -> [String: FormValue] {
        var values: [String: FormValue] = [:]
        for field in entity.fields { values[field.name] = .typed(form.all(field.name)) }
        return values
    }

    /// Line rows by detail entity, in order, without empty rows and rows marked for removal.
    static func rawLines(_ form: FormData, entity: Entity, schema: Schema) -> [String: [[String: FormValue]]] {
        var rows: [String: [Int: [String: [String]]]] = [:]
        for (key, value) in form.items where key.hasPrefix("lines.") {
            let parts = key.split(separator: ".", maxSplits: 3).map(String.init)
            guard parts.count == 4, let index = Int(parts[2]) else { continue }
            rows[parts[1], default: [:]][index, default: [:]][parts[3], default: []].append(value)
        }
        var result: [String: [[String: FormValue]]] = [:]
        for detail in schema.details(of: entity.name) {
            guard let byIndex = rows[detail.name] else { continue }
            result[detail.name] = byIndex.keys.sorted().compactMap { index in
                let row = byIndex[index] ?? [:]
                if row["_remove"] != nil { return nil }
                let filled = row.filter { $0.key != "id" && $0.value.contains { !$0.isEmpty && $0 != "false" } }
                if filled.isEmpty { return nil }
                var kept = row.filter { $0.key != "_remove" }.mapValues { FormValue.typed($0) }
                kept[rowKey] = .typed([String(index)])
                return kept
            }
        }
        return result
    }
}
