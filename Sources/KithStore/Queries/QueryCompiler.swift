import Foundation
import GRDB
import KithSchema

/// Turns a filter, a search and a sort on one entity into SQL with bound arguments. Identifiers
/// come only from the schema; values are always parameters.
struct QueryCompiler {
    let transaction: RecordTransaction
    let entity: Entity
    let table: StorageLayout.Table
    let access: AccessFilter
    private(set) var joins: [String] = []
    private(set) var arguments: [(any DatabaseValueConvertible)?] = []
    /// The rows are few (a search the full-text index narrowed down): sorting them beats walking
    /// a sort index and probing each entry against the search (see `searchCondition`).
    private(set) var sortsFewRows = false

    init(_ transaction: RecordTransaction, entity: Entity, table: StorageLayout.Table, access: AccessFilter) {
        self.transaction = transaction
        self.entity = entity
        self.table = table
        self.access = access
    }

    func invalid(_ message: String) -> RecordError { RecordError(.invalidQuery, entity: entity.name, message) }

    /// A field the user may use in a query.
    func field(_ name: String) throws(RecordError) -> Field {
        guard let field = entity.field(name), !access.hiddenFields.contains(name) else {
            throw invalid("'\(entity.name)' has no field '\(name)'")
        }
        return field
    }

    var source: String { "\(SQL.quote(table.name)) r" + (joins.isEmpty ? "" : " " + joins.joined(separator: " ")) }

    /// The WHERE clause: access, filter and search, all required.
    mutating func whereClause(filter: RecordFilter?, search: String?) throws(RecordError) -> String {
        var parts: [String] = []
        if let read = access.read {
            parts.append("(\(read.sql))")
            arguments += read.arguments.map(ColumnCodec.bind)
        }
        if let filter { parts.append(try condition(filter)) }
        if let search, !search.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(searchCondition(search)) }
        return parts.isEmpty ? "1" : parts.joined(separator: " AND ")
    }

    private mutating func condition(_ filter: RecordFilter) throws(RecordError) -> String {
        switch filter {
        case .all(let filters):
            guard !filters.isEmpty else { return "1" }
            var parts: [String] = []
            for filter in filters { parts.append(try condition(filter)) }
            return "(" + parts.joined(separator: " AND ") + ")"
        case .any(let filters):
            guard !filters.isEmpty else { return "0" }
            var parts: [String] = []
            for filter in filters { parts.append(try condition(filter)) }
            return "(" + parts.joined(separator: " OR ") + ")"
        case .condition(let name, let op, let values):
            return try condition(try field(name), op, values)
        }
    }

    private mutating func condition(_ field: Field, _ op: FilterOperator, _ values: [Value]) throws(RecordError) -> String {
        let column = "r." + SQL.quote(field.name)
        if !op.takesNoValue && values.isEmpty { throw invalid("filter on '\(field.name)': operator '\(op.rawValue)' needs a value") }
        if op == .between && values.count != 2 { throw invalid("filter on '\(field.name)': 'between' needs two values") }
        if field.type == .multiref { return try multirefCondition(field, op, values) }
        if field.type == .multienum { return try multienumCondition(field, column, op, values) }
        switch op {
        case .empty: return field.type.isString || field.type == .enum ? "(\(column) IS NULL OR \(column) = '')" : "\(column) IS NULL"
        case .notEmpty:
            return field.type.isString || field.type == .enum ? "(\(column) IS NOT NULL AND \(column) <> '')" : "\(column) IS NOT NULL"
        case .contains, .startsWith:
            let given = values[0].description
            // Longer than any stored value may be: nothing holds it (and SQLite refuses a LIKE
            // pattern past 50,000 bytes).
            if given.count > (field.maxLength ?? 65_535) || given.utf8.count > 40_000 { return "0" }
            let text = SQL.likeLiteral(given)
            arguments.append(op == .contains ? "%\(text)%" : "\(text)%")
            let like = "\(column) LIKE ? ESCAPE '\\'"
            // A search field's text of 3 characters or more: the trigram index finds the few records
            // that may hold it anywhere in the field, and the LIKE keeps those that do (that it
            // starts, for `starts-with`).
            guard table.searchColumns.contains(field.name), given.count >= 3 else { return like }
            guard let lookup = fewFound(field.name + " : " + Self.phrase(given)) else { return like }
            return "(\(like) AND \(lookup))"
        default: break
        }
        if field.type == .datetime, values.count == 1, let day = values[0].text, day.count == 10 {
            return try dayCondition(field, column, op, day)
        }
        let encoded = try values.map { value throws(RecordError) in try encode(value, for: field) }
        switch op {
        case .eq: arguments.append(encoded[0]); return "\(column) = ?"
        case .ne: arguments.append(encoded[0]); return "\(column) IS NOT ?"
        case .lt: arguments.append(encoded[0]); return "\(column) < ?"
        case .lte: arguments.append(encoded[0]); return "\(column) <= ?"
        case .gt: arguments.append(encoded[0]); return "\(column) > ?"
        case .gte: arguments.append(encoded[0]); return "\(column) >= ?"
        case .between: arguments += encoded; return "\(column) BETWEEN ? AND ?"
        case .in:
            arguments += encoded
            return "\(column) IN (\(Array(repeating: "?", count: encoded.count).joined(separator: ", ")))"
        case .notIn:
            arguments += encoded
            return "(\(column) IS NULL OR \(column) NOT IN (\(Array(repeating: "?", count: encoded.count).joined(separator: ", "))))"
        case .empty, .notEmpty, .contains, .startsWith: return "1"
        }
    }

    /// A bare date against a datetime field means that whole day in the workspace's time zone.
    private mutating func dayCondition(_ field: Field, _ column: String, _ op: FilterOperator, _ day: String) throws(RecordError) -> String
    {
        let start = try encode(.text(day), for: field)
        let next = try encode(.text(FilterVariables.shift(day, days: 1)), for: field)
        switch op {
        case .eq: arguments += [start, next]; return "(\(column) >= ? AND \(column) < ?)"
        case .ne: arguments += [start, next]; return "(\(column) IS NULL OR \(column) < ? OR \(column) >= ?)"
        case .lt: arguments.append(start); return "\(column) < ?"
        case .lte: arguments.append(next); return "\(column) < ?"
        case .gt: arguments.append(next); return "\(column) >= ?"
        case .gte: arguments.append(start); return "\(column) >= ?"
        default: return try condition(field, op, [.text(day), .text(day)])
        }
    }

    private func encode(_ value: Value, for field: Field) throws(RecordError) -> (any DatabaseValueConvertible)? {
        guard let input = transaction.store.inputs.input(entity.name, field.name) else { return ColumnCodec.bind(value) }
        do {
            let normalized = try input.normalize(value)
            if case .list(let items) = normalized, let first = items.first { return ColumnCodec.bind(first) }
            return ColumnCodec(field).encode(normalized)
        } catch {
            throw invalid("filter on '\(field.name)': \(error.message)")
        }
    }

    private mutating func multirefCondition(_ field: Field, _ op: FilterOperator, _ values: [Value]) throws(RecordError) -> String {
        guard let link = table.links[field.name] else { throw invalid("'\(field.name)' cannot be filtered") }
        let any = "SELECT 1 FROM \(SQL.quote(link)) l WHERE l.record = r.id"
        switch op {
        case .empty: return "NOT EXISTS (\(any))"
        case .notEmpty: return "EXISTS (\(any))"
        case .eq, .in, .contains, .ne, .notIn:
            var ids: [(any DatabaseValueConvertible)?] = []
            for value in values {
                guard let id = value.integer ?? value.text.flatMap({ Int64($0) }) else {
                    throw invalid("filter on '\(field.name)': ids expected")
                }
                ids.append(id)
            }
            arguments += ids
            let test = "EXISTS (\(any) AND l.target IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", "))))"
            return op == .ne || op == .notIn ? "NOT " + test : test
        default:
            throw invalid("filter on '\(field.name)': operator '\(op.rawValue)' does not apply to a list of records")
        }
    }

    private mutating func multienumCondition(_ field: Field, _ column: String, _ op: FilterOperator, _ values: [Value]) throws(RecordError)
        -> String
    {
        switch op {
        case .empty: return "(\(column) IS NULL OR \(column) = '[]')"
        case .notEmpty: return "(\(column) IS NOT NULL AND \(column) <> '[]')"
        case .eq, .in, .contains, .ne, .notIn:
            let texts = values.map(\.description)
            arguments += texts
            let test =
                "EXISTS (SELECT 1 FROM json_each(\(column)) WHERE value IN (\(Array(repeating: "?", count: texts.count).joined(separator: ", "))))"
            return op == .ne || op == .notIn ? "NOT " + test : test
        default:
            throw invalid("filter on '\(field.name)': operator '\(op.rawValue)' does not apply to a list of values")
        }
    }

    /// At most this many records found by the full-text index are looked up and sorted; a search
    /// that finds more reads the records in the page's order instead.
    static let searchLookups = 10_000

    /// `r.id IN (the records the full-text query may find)` when the index finds at most
    /// `searchLookups` (then the page sorts them: `sortsFewRows`), else nil. The index is a moment
    /// behind the writes (`SearchIndex`): the records changed since are added to those it finds,
    /// and the caller keeps those whose current text matches. Nil too while the index is being
    /// made for the entity's searched fields.
    private mutating func fewFound(_ query: String) -> String? {
        let ready = try? Bool.fetchOne(
            transaction.db.cachedStatement(
                sql: """
                    SELECT columns = ?2 AND generation = (SELECT generation FROM search.kith_search_made WHERE entity = ?1)
                    FROM main.kith_search_columns WHERE entity = ?1
                    """), arguments: [table.entity, table.searchColumnList])
        guard ready == true else { return nil }
        let search = SQL.quote(table.searchTable)
        let lookup = "SELECT rowid FROM search.\(search) WHERE \(search) MATCH ?"
        let found = try? Int.fetchOne(
            transaction.db.cachedStatement(sql: "SELECT count(*) FROM (\(lookup) LIMIT ?)"), arguments: [query, Self.searchLookups + 1])
        guard let found, found <= Self.searchLookups else { return nil }
        sortsFewRows = true
        arguments += [query, table.entity]
        return "r.id IN (\(lookup) UNION ALL SELECT record FROM kith_search_queue "
            + "WHERE seq > (SELECT seq FROM search.kith_search_mark) AND entity = ?)"
    }

    /// Text as one FTS5 phrase: its words in order, never query syntax.
    static func phrase(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// Full-text search over the `search` fields: the trigram index for 3 characters or more,
    /// a scan for shorter words (2-character Chinese names included).
    ///
    /// The index answers which records contain the text, all of them at once. For a rare text
    /// those few records are looked up, kept when their current text matches (LIKE, the same
    /// substring test the trigram index makes: the index may be a moment behind) and sorted
    /// (`sortsFewRows`). A common one (a word most names share) would have every record listed
    /// first, then sorted: 1.4 s for 100,000 on the benchmark machine. Its records are instead
    /// read in the page's order and matched with LIKE, and the first page is soon full.
    private mutating func searchCondition(_ text: String) -> String {
        let query = text.trimmingCharacters(in: .whitespaces)
        let columns = table.searchColumns.isEmpty ? [entity.titleField].filter { table.column($0)?.sqlType == "TEXT" } : table.searchColumns
        guard !columns.isEmpty else { return "0" }
        if query.utf8.count > 40_000 { return "0" }  // past what any searched text holds, and SQLite's LIKE limit
        var lookup: String?
        if query.count >= 3 && !table.searchColumns.isEmpty { lookup = fewFound(Self.phrase(query)) }
        let pattern = "%" + SQL.likeLiteral(query) + "%"
        var parts: [String] = []
        for column in columns {
            parts.append("r.\(SQL.quote(column)) LIKE ? ESCAPE '\\'")
            arguments.append(pattern)
        }
        let like = "(" + parts.joined(separator: " OR ") + ")"
        return lookup.map { "(\($0) AND \(like))" } ?? like
    }

    /// Sort expressions, `r.id` last; a ref field sorts by the referenced record's title.
    mutating func sortExpressions(_ sorts: [RecordQuery.Sort]) throws(RecordError) -> [(sql: String, descending: Bool)] {
        var expressions: [(String, Bool)] = []
        for (index, sort) in sorts.enumerated() where sort.field != "id" {
            let field = try field(sort.field)
            guard field.type.isOrdered else { throw invalid("cannot sort by '\(field.name)'") }
            if field.type == .ref, let target = field.target, let targetEntity = transaction.schema.entity(target),
                let targetTable = transaction.store.layout.table(target), targetEntity.titleField != "id",
                targetTable.column(targetEntity.titleField) != nil
            {
                let alias = "j\(index)"
                joins.append("LEFT JOIN \(SQL.quote(targetTable.name)) \(alias) ON \(alias).id = r.\(SQL.quote(field.name))")
                expressions.append(("\(alias).\(SQL.quote(targetEntity.titleField))", sort.descending))
            } else {
                expressions.append(("r.\(SQL.quote(field.name))", sort.descending))
            }
        }
        // The id breaks ties in the direction of the last key, so one index can serve the whole order
        // (indexes hold the id right after their columns: see `StorageLayout`).
        let idDescending = sorts.first { $0.field == "id" }?.descending ?? (expressions.last?.1 ?? false)
        expressions.append(("r.id", idDescending))
        return expressions
    }

    /// The keyset condition "after this row" for the sort keys and the last row's key values.
    mutating func keyset(_ keys: [(sql: String, descending: Bool)], after values: [DatabaseValue]) -> String {
        var alternatives: [String] = []
        for index in keys.indices {
            var parts: [String] = []
            for previous in 0..<index {
                parts.append("\(keys[previous].sql) IS ?")
                arguments.append(values[previous])
            }
            let key = keys[index]
            let value = values[index]
            if value.isNull {
                parts.append(key.descending ? "0" : "\(key.sql) IS NOT NULL")
            } else {
                parts.append(key.descending ? "(\(key.sql) < ? OR \(key.sql) IS NULL)" : "\(key.sql) > ?")
                arguments.append(value)
            }
            alternatives.append("(" + parts.joined(separator: " AND ") + ")")
        }
        return "(" + alternatives.joined(separator: " OR ") + ")"
    }
}
