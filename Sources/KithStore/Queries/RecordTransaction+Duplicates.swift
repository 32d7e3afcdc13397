import GRDB
import KithSchema

/// A record that one of the entity's `<duplicate>` rules says looks like a new one.
public struct DuplicateCandidate: Sendable, Equatable {
    public let id: Int64
    public let owner: Int64?
    /// The fields of the rule that matched.
    public let fields: [String]
}

/// A likely duplicate as a user may see it: its title and link only when they may read it,
/// otherwise only whose it is (so a rep learns the customer exists and whom to ask).
public struct LikelyDuplicate: Sendable {
    public let id: Int64
    /// The record's title, nil when the user may not read the record.
    public let title: String?
    public let ownerName: String?
    public let fields: [String]
}

extension RecordTransaction {
    /// `candidates` as a user whose read access to the entity is `readable` may learn of them.
    public func described(_ candidates: [DuplicateCandidate], of entityName: String, readable: AccessFilter) throws(RecordError)
        -> [LikelyDuplicate]
    {
        let (entity, _) = try self.entity(entityName)
        let records = try readableRecords(of: candidates, entityName, readable: readable)
        return try candidates.map { candidate throws(RecordError) in
            let title = records[candidate.id].map { record in
                let text = record[entity.titleField].description
                return text.isEmpty ? "#\(record.id)" : text
            }
            let owner = try candidate.owner.flatMap { owner throws(RecordError) in try user(id: owner)?.name }
            return LikelyDuplicate(id: candidate.id, title: title, ownerName: owner, fields: candidate.fields)
        }
    }

    /// The candidates' records that a user whose read access is `readable` may read, by id.
    public func readableRecords(of candidates: [DuplicateCandidate], _ entityName: String, readable: AccessFilter)
        throws(RecordError) -> [Int64: Record]
    {
        guard !candidates.isEmpty else { return [:] }
        let records = try query(
            RecordQuery(
                entity: entityName, filter: .condition(field: "id", op: .in, values: candidates.map { .integer($0.id) }),
                limit: candidates.count),
            access: readable
        ).records
        return Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Stored records that look like `values` by the entity's duplicate rules (新建查重): every field
    /// of a rule must match, as the rule's `match` says. `exact` compares the text as stored;
    /// `normalized` ignores letter case, spaces and punctuation; `similar` also accepts one value
    /// containing the other. Phone numbers always compare by their digits. Access is not applied:
    /// the caller decides what the user may learn about each candidate. Without `similar`, the
    /// rules that match so are left out: they read the whole table, the others seek an index.
    public func likelyDuplicates(
        _ entityName: String, of values: [String: Value], excluding id: Int64? = nil, limit: Int = 10, similar: Bool = true
    ) throws(RecordError) -> [DuplicateCandidate] {
        var found: [DuplicateCandidate] = []
        for (rule, sql, arguments) in try duplicateLookups(entityName, of: values, excluding: id, limit: limit, similar: similar) {
            let rows = try storage(entityName) {
                try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: StatementArguments(arguments))
            }
            for row in rows {
                let candidate: Int64 = row[0]
                if let index = found.firstIndex(where: { $0.id == candidate }) {
                    found[index] = DuplicateCandidate(id: candidate, owner: found[index].owner, fields: found[index].fields + rule.fields)
                } else if found.count < limit {
                    found.append(DuplicateCandidate(id: candidate, owner: row[1], fields: rule.fields))
                }
            }
        }
        return found
    }

    /// The statement of each duplicate rule that applies to `values` (every one of its fields
    /// given): the ids and owners of the stored records it matches.
    func duplicateLookups(
        _ entityName: String, of values: [String: Value], excluding id: Int64? = nil, limit: Int = 10, similar: Bool = true
    ) throws(RecordError) -> [(rule: DuplicateRule, sql: String, arguments: [DatabaseValue])] {
        let (entity, table) = try self.entity(entityName)
        var lookups: [(rule: DuplicateRule, sql: String, arguments: [DatabaseValue])] = []
        for rule in entity.duplicateRules where similar || rule.match != .similar {
            var conditions: [String] = []
            var arguments: [DatabaseValue] = []
            for name in rule.fields {
                guard let field = entity.field(name), let stored = table.column(name), let value = values[name], !value.isEmpty else {
                    break
                }
                let column = "r." + SQL.quote(name)
                // The same expressions as the rule's index (`StorageLayout.duplicateKey`), which
                // SQLite then seeks.
                guard let text = value.text, field.type.isString else {
                    conditions.append("\(column) = ?")  // numbers, dates, references: the same value
                    arguments.append(ColumnCodec(stored).encode(value))
                    continue
                }
                // A text the save refuses anyway (too long, a NUL) is like no other: it would only
                // make an over-long LIKE pattern, or one cut short at the NUL that matches everything.
                guard text.count <= (field.maxLength ?? 65_535), !text.contains("\0") else { break }
                if let key = StorageLayout.duplicateKey(field, rule.match, column) {
                    let compared =
                        field.type == .phone ? String(text.filter(\.isASCIIDigit)) : rule.match == .exact ? text : Self.normalized(text)
                    guard compared.count >= (field.type == .phone ? 5 : 1) else { break }
                    conditions.append("\(key) = ?")
                    arguments.append(compared.databaseValue)
                    continue
                }
                // `similar`: either contains the other (stored values of one letter are ignored).
                let normalized = Self.normalized(text)
                guard normalized.count >= 2 else { break }
                let expression = "lower(\(StorageLayout.stripped(column, StorageLayout.punctuation)))"
                conditions.append(
                    "(\(expression) LIKE ? ESCAPE '\\' OR (length(\(expression)) > 1 AND ? LIKE '%' || \(expression) || '%'))")
                arguments.append("%\(SQL.likeLiteral(normalized))%".databaseValue)
                arguments.append(normalized.databaseValue)
            }
            // A rule applies only when the new record has every one of its fields.
            guard conditions.count == rule.fields.count, !conditions.isEmpty else { continue }
            if let id {
                conditions.append("r.id <> ?")
                arguments.append(id.databaseValue)
            }
            let owner = table.column("owner") != nil ? "r.\"owner\"" : "NULL"
            let sql =
                "SELECT r.id, \(owner) FROM \(SQL.quote(table.name)) r WHERE \(conditions.joined(separator: " AND ")) ORDER BY r.id LIMIT ?"
            arguments.append(limit.databaseValue)
            lookups.append((rule, sql, arguments))
        }
        return lookups
    }

    /// The text as the `normalized` SQL expression sees it: punctuation and spaces removed, ASCII
    /// letters in lower case (SQLite's `lower` changes nothing else).
    static func normalized(_ text: String) -> String {
        // By code point, as SQLite's `replace` removes them (Foundation's replacing took a tenth of
        // an import's time).
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !punctuation.contains(scalar) {
            result.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
        }
        return String(result)
    }

    private static let punctuation = Set(StorageLayout.punctuation.flatMap(\.unicodeScalars))
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
