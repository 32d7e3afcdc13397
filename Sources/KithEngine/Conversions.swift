import KithSchema
public import KithStore

/// Conversions (线索升迁, 报价→合同→订单): new records made from a source record's fields and
/// lines, linked to each other and back to the source, all in the caller's transaction.
extension Engine {
    /// Runs conversion `name` on the source record `id` as the transaction's actor: creates each
    /// `<create>` in order with its mapped fields, links, back-reference and copied lines, plus
    /// the values `given` for that entity (by entity name), then moves the source to the
    /// conversion's `set-state`. Everything is created or nothing. Returns the created records.
    public func convert(_ name: String, id: Int64, given: [String: [String: Value]] = [:], in transaction: RecordTransaction)
        throws(RecordError) -> [Record]
    {
        guard let conversion = schema.conversion(name), let source = schema.entity(conversion.source) else {
            let known = schema.conversions.map(\.name).joined(separator: ", ")
            throw RecordError(.invalidQuery, entity: "", "there is no conversion '\(name)' (there are: \(known))")
        }
        for entity in given.keys where !conversion.creations.contains(where: { $0.entity == entity }) {
            throw RecordError(.invalid, entity: source.name, "'\(name)' does not create '\(entity)' records")
        }
        let actor = transaction.actor
        guard let record = try transaction.get(source.name, id: id, access: access(source.name, for: actor, in: transaction)) else {
            throw RecordError(.notFound, entity: source.name, "\(source.name) #\(id) does not exist")
        }
        let state = record["state"].text ?? ""
        if !conversion.whenStates.isEmpty && !conversion.whenStates.contains(state) {
            throw RecordError(
                .wrongState, entity: source.name,
                "\(source.name) #\(id) is '\(state)'; '\(name)' runs only from \(conversion.whenStates.joined(separator: ", "))")
        }
        var created: [Record] = []
        var createdByEntity: [String: Int64] = [:]
        for creation in conversion.creations {
            guard let target = schema.entity(creation.entity) else { continue }
            var values: [String: Value] = [:]
            for (from, to) in creation.mappings where !record[from].isEmpty { values[to] = record[from] }
            let supplied = given[creation.entity] ?? [:]
            if creation.isOptional && values.isEmpty && supplied.isEmpty { continue }
            for link in creation.links {
                if let field = target.field(link), let targetEntity = field.target, let linked = createdByEntity[targetEntity] {
                    values[link] = .integer(linked)
                }
            }
            if let back = creation.backReference { values[back] = .integer(id) }
            for (field, value) in supplied { values[field] = value }
            var lines: [String: [[String: Value]]] = [:]
            if let copy = creation.lines, let from = schema.entity(copy.source), let to = schema.entity(copy.target) {
                let sourceMaster = transaction.masterField(of: from, master: source.name)
                let targetMaster = transaction.masterField(of: to, master: target.name)
                let shared = to.fields.map(\.name).filter { $0 != targetMaster && $0 != sourceMaster && from.field($0) != nil }
                lines[to.name] = (record.lines[from.name] ?? []).map { line in
                    var copied: [String: Value] = [:]
                    for field in shared where !line[field].isEmpty && !(to.field(field)?.type == .autonumber) { copied[field] = line[field] }
                    return copied
                }
            }
            // The engine writes (mapped values may land in read-only fields, as computed lines do),
            // within the user's access to the target.
            let access = try access(target.name, for: actor, in: transaction)
            let new = try transaction.asEngine.create(target.name, values, lines: lines, access: access)
            created.append(new)
            createdByEntity[target.name] = new.id
        }
        if let setState = conversion.setState, setState != state {
            _ = try moveState(source, record, to: setState, transition: name, action: "convert:\(name)", comment: nil, in: transaction)
        }
        return created
    }
}
