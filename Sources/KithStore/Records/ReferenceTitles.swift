public import KithSchema

/// References typed as titles (a form's lookup box, an import's cells): each becomes the id of
/// the one record of that title among those the user may read. A number is an id already;
/// `#12` or `Title #12` is record 12.
public struct ReferenceTitles {
    /// Which records of an entity the user may read (titles are looked up among them).
    public typealias ReadableRecords = (_ entity: String, _ transaction: RecordTransaction) throws(RecordError) -> AccessFilter

    enum Found {
        case id(Int64)
        case problem(FieldProblem.Reason)
    }

    let transaction: RecordTransaction
    let readable: ReadableRecords
    /// Whether a set's text holds several titles separated by commas (an import's cell) rather
    /// than one (a form's input, where a title may hold a comma).
    let splitsSets: Bool
    private var found: [String: Found] = [:]
    private var access: [String: AccessFilter] = [:]

    public init(transaction: RecordTransaction, readable: @escaping ReadableRecords, splitsSets: Bool) {
        self.transaction = transaction
        self.readable = readable
        self.splitsSets = splitsSets
    }

    /// Replaces each reference of `values` typed as a title by its record's id. Returns the
    /// problems (no record or several of that title), by `prefix` and the field's name; such a
    /// title is left out of the values.
    public mutating func resolve(_ values: inout [String: Value], of entity: Entity, prefix: String = "") throws(RecordError)
        -> [FieldProblem]
    {
        var problems: [FieldProblem] = []
        for field in entity.fields where field.type == .ref || field.type == .multiref {
            guard let value = values[field.name], let target = field.target.flatMap({ transaction.store.schema.entity($0) }) else {
                continue
            }
            var items: [Value]
            switch value {
            case .list(let list): items = list
            case .text(let text) where field.type == .multiref && splitsSets:
                items = text.split(separator: ",").map { .text($0.trimmingCharacters(in: .whitespaces)) }
            default: items = [value]
            }
            var ids: [Value] = []
            for item in items {
                guard case .text(let text) = item else {
                    ids.append(item)
                    continue
                }
                if text.isEmpty { continue }
                // The entity being written may gain records of that title meanwhile (an import's rows).
                switch try id(of: text, in: target, remember: target.name != entity.name) {
                case .id(let id): ids.append(.integer(id))
                case .problem(let reason): problems.append(FieldProblem(field: prefix + field.name, reason))
                }
            }
            values[field.name] = field.type == .multiref ? .list(ids) : ids.first ?? .null
        }
        return problems
    }

    private mutating func id(of text: String, in target: Entity, remember: Bool) throws(RecordError) -> Found {
        if let id = Int64(text) { return .id(id) }
        if let hash = text.lastIndex(of: "#"), let id = Int64(text[text.index(after: hash)...]) { return .id(id) }
        let key = target.name + "\u{0}" + text
        if let known = found[key] { return known }
        guard target.titleField != "id" else { return .problem(.notRecordID) }
        if access[target.name] == nil { access[target.name] = try readable(target.name, transaction) }
        let matches = try transaction.query(
            RecordQuery(entity: target.name, filter: .condition(field: target.titleField, op: .eq, values: [.text(text)]), limit: 2),
            access: access[target.name] ?? AccessFilter()
        ).records
        let result: Found =
            switch matches.count {
            case 1: .id(matches[0].id)
            case 0: .problem(.noRecordTitled(text))
            default: .problem(.severalRecordsTitled(text))
            }
        if remember { found[key] = result }
        return result
    }
}
