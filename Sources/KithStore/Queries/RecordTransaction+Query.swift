import Foundation
import GRDB
import KithSchema

extension RecordTransaction {
    /// One page of records that the access filter lets the actor read. List pages carry no
    /// line items; multiref values are included.
    public func query(_ query: RecordQuery, access: AccessFilter = .unrestricted) throws(RecordError) -> RecordPage {
        let (entity, table) = try self.entity(query.entity)
        let (sql, arguments, limit, shown, keys) = try select(query, access: access)
        return try storage(query.entity) {
            let tableCodecs = (store.reading[table.name] ?? TableReading(table)).codecs
            let codecs = shown.map { tableCodecs[$0.offset] }
            var values: [Value] = []
            values.reserveCapacity(limit * shown.count)
            var count = 0
            var lastKeys: [DatabaseValue] = []
            var more = false
            try db.eachRow(sql, StatementArguments(arguments)) { row in
                guard count < limit else {
                    more = true
                    return
                }
                for (position, codec) in codecs.enumerated() { values.append(codec.decode(row, position)) }
                count += 1
                if count == limit { lastKeys = (0..<keys.count).map { Database.value(row, shown.count + $0) } }
            }
            var rows = RecordRows(entity: entity.name, fields: shown.map(\.element.name), values: values)
            try attachLinks(&rows, table, access: access, fields: query.fields)
            let next = more ? Self.encodeCursor(lastKeys) : nil
            return RecordPage(rows: rows, nextCursor: next, titles: try referencedTitles(rows, entity: entity, access: access, targets: query.titles))
        }
    }

    /// The statement of a page of `query`: the shown columns (by position in the table), then
    /// the sort keys, one more row than the page's `limit` to know whether another follows.
    func select(_ query: RecordQuery, access: AccessFilter) throws(RecordError) -> (
        sql: String, arguments: [(any DatabaseValueConvertible)?], limit: Int, shown: [(offset: Int, element: StorageLayout.Column)],
        keys: [(sql: String, descending: Bool)]
    ) {
        let (entity, table) = try self.entity(query.entity)
        var compiler = QueryCompiler(self, entity: entity, table: table, access: access)
        var keys = try compiler.sortExpressions(query.sort)
        var condition = try compiler.whereClause(filter: query.filter, search: query.search)
        // `+` keeps SQLite from walking a sort index for few rows (see `QueryCompiler.searchCondition`).
        if compiler.sortsFewRows { keys = keys.map { ("+" + $0.sql, $0.descending) } }
        if let cursor = query.after {
            guard let values = Self.decodeCursor(cursor), values.count == keys.count else {
                throw RecordError(.invalidQuery, entity: query.entity, "the page cursor is not valid; start again from the first page")
            }
            condition += " AND " + compiler.keyset(keys, after: values)
        }
        let limit = max(1, min(query.limit, 1000))
        let shown = Array(
            table.columns.enumerated().filter { _, column in
                !access.hiddenFields.contains(column.name) && (query.fields.map { $0.contains(column.name) || column.name == "id" } ?? true)
            })
        let named = (store.reading[table.name] ?? TableReading(table)).columns
        let columns = shown.map { named[$0.offset] } + keys.map(\.sql)
        let order = keys.map { "\($0.sql) \($0.descending ? "DESC" : "ASC")" }.joined(separator: ", ")
        let sql = "SELECT \(columns.joined(separator: ", ")) FROM \(compiler.source) WHERE \(condition) ORDER BY \(order) LIMIT ? OFFSET ?"
        return (sql, compiler.arguments + [limit + 1, max(0, query.offset)], limit, shown, keys)
    }

    /// The number of matching records, counting at most `cap` (then `isCapped` is true).
    public func count(
        _ entityName: String, filter: RecordFilter? = nil, search: String? = nil, cap: Int = 10_000, access: AccessFilter = .unrestricted
    ) throws(RecordError) -> RecordCount {
        let (entity, table) = try self.entity(entityName)
        var compiler = QueryCompiler(self, entity: entity, table: table, access: access)
        let condition = try compiler.whereClause(filter: filter, search: search)
        let sql = "SELECT count(*) FROM (SELECT 1 FROM \(compiler.source) WHERE \(condition) LIMIT ?)"
        let arguments = compiler.arguments + [cap + 1]
        let counted = try storage(entityName) {
            let count = { try Int.fetchOne(try db.cachedStatement(sql: sql), arguments: StatementArguments(arguments)) ?? 0 }
            // A reader's `data_version` changes whenever anyone, in any process, commits: the same
            // count on the same connection and version is the same number, so it is counted once.
            guard db.configuration.readonly, let version = try db.dataVersion() else {
                return try count()
            }
            let key = CountKey(connection: db.description, version: version, sql: sql, arguments: arguments.map { $0?.databaseValue ?? .null })
            if let known = store.counts[key] { return known }
            let counted = try count()
            store.counts[key] = counted
            return counted
        }
        return counted > cap ? RecordCount(value: cap, isCapped: true) : RecordCount(value: counted, isCapped: false)
    }

    /// Grouped figures over the records the actor may read.
    public func aggregate(_ query: AggregateQuery, access: AccessFilter = .unrestricted) throws(RecordError) -> [AggregateRow] {
        let (entity, table) = try self.entity(query.entity)
        var compiler = QueryCompiler(self, entity: entity, table: table, access: access)
        let condition = try compiler.whereClause(filter: query.filter, search: query.search)
        var measureField: Field?
        if query.aggregate != .count {
            guard let name = query.field else { throw compiler.invalid("\(query.aggregate.rawValue) needs a field") }
            let field = try compiler.field(name)
            guard field.type.isNumeric || ((query.aggregate == .min || query.aggregate == .max) && field.type.isTemporal) else {
                throw compiler.invalid("cannot \(query.aggregate.rawValue) '\(name)' of type \(field.type.rawValue)")
            }
            measureField = field
        }
        let measure: String
        switch (query.aggregate, measureField) {
        case (.count, _): measure = "count(*)"
        case (.avg, let field?): measure = "sum(r.\(SQL.quote(field.name)))"
        case (let aggregate, let field?): measure = "\(aggregate.rawValue)(r.\(SQL.quote(field.name)))"
        default: measure = "count(*)"
        }
        var groupField: Field?
        var groupSQL = "NULL"
        if let name = query.groupField {
            let field = try compiler.field(name)
            guard !field.type.isMultiple, field.type != .file else { throw compiler.invalid("cannot group by '\(name)'") }
            groupField = field
            groupSQL = bucketExpression("r." + SQL.quote(field.name), field: field, bucket: query.bucket)
        }
        let counted = measureField.map { "count(r.\(SQL.quote($0.name)))" } ?? "count(*)"
        let grouping = query.groupField == nil ? "" : " GROUP BY g ORDER BY g"
        let sql = "SELECT \(groupSQL) AS g, \(measure), count(*), \(counted) FROM \(compiler.source) WHERE \(condition)\(grouping)"
        let arguments = compiler.arguments
        return try storage(query.entity) {
            let rows = try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: StatementArguments(arguments))
            let groupCodec = query.bucket == nil ? groupField.map(ColumnCodec.init) : nil  // periods are text
            let measureCodec = measureField.map(ColumnCodec.init)
            var result: [AggregateRow] = []
            for row in rows {
                let raw = row[0] as DatabaseValue
                let group = groupCodec?.decode(raw) ?? (raw.isNull ? .null : .text(String(describing: raw.storage.value ?? "")))
                let count: Int = row[2]
                var value: Value
                switch (query.aggregate, measureCodec) {
                case (.count, _), (_, nil): value = .integer(Int64(count))
                case (.avg, let codec?):
                    let sum = codec.decode(row[1] as DatabaseValue)
                    value = Self.average(sum, count: row[3], scale: codec.fieldType.isDecimal ? codec.scale : 2)
                case (_, let codec?): value = codec.decode(row[1] as DatabaseValue)
                }
                if case .null = value, query.aggregate == .sum, let codec = measureCodec {
                    value = codec.fieldType.isDecimal ? .decimal(ExactDecimal(units: 0, scale: codec.scale)) : .integer(0)
                }
                result.append(AggregateRow(group: group, label: nil, value: value, count: count))
            }
            if let field = groupField, field.type == .ref, let target = field.target {
                return try label(result, target: target)
            }
            return result
        }
    }

    /// `sum / count` at `scale` digits, rounded half-even, exactly.
    private static func average(_ sum: Value, count: Int, scale: Int) -> Value {
        guard count > 0 else { return .null }
        let total: ExactDecimal
        switch sum {
        case .decimal(let decimal): total = decimal
        case .integer(let integer): total = ExactDecimal(integer)
        default: return .null
        }
        guard let scaled = total.rescaled(to: scale) else { return .null }
        let divisor = Int64(count)
        var quotient = scaled.units / divisor
        let remainder = scaled.units % divisor
        let twice = remainder.magnitude * 2
        if twice > divisor.magnitude || (twice == divisor.magnitude && quotient % 2 != 0) {
            quotient += scaled.units < 0 ? -1 : 1
        }
        return .decimal(ExactDecimal(units: quotient, scale: scale))
    }

    /// SQL grouping a date or datetime column by a period, in the workspace's time zone.
    private func bucketExpression(_ column: String, field: Field, bucket: Report.Bucket?) -> String {
        guard let bucket, field.type.isTemporal else { return column }
        var day = column
        if field.type == .datetime {
            let offset = store.timeZone.secondsFromGMT(for: store.clock.now())
            day = "datetime(\(column), '\(offset >= 0 ? "+" : "")\(offset) seconds')"
        }
        switch bucket {
        case .day: return "substr(\(day), 1, 10)"
        case .week: return "strftime('%Y-W%W', \(day))"
        case .month: return "substr(\(day), 1, 7)"
        case .quarter: return "substr(\(day), 1, 4) || '-Q' || ((CAST(substr(\(day), 6, 2) AS INTEGER) + 2) / 3)"
        case .year: return "substr(\(day), 1, 4)"
        }
    }

    private func label(_ rows: [AggregateRow], target: String) throws -> [AggregateRow] {
        guard let entity = schema.entity(target), let table = store.layout.table(target), table.column(entity.titleField) != nil else {
            return rows
        }
        let ids = rows.compactMap(\.group.integer)
        guard !ids.isEmpty else { return rows }
        var titles: [Int64: String] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let sql =
                "SELECT id, \(SQL.quote(entity.titleField)) FROM \(SQL.quote(table.name)) WHERE id IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))"
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                titles[row[0]] = String(describing: (row[1] as DatabaseValue).storage.value ?? "")
            }
        }
        return rows.map { AggregateRow(group: $0.group, label: $0.group.integer.flatMap { titles[$0] }, value: $0.value, count: $0.count) }
    }

    /// The titles of the records the page's references point at, one query per referenced entity:
    /// for the targets named in `targets` and only among the records the reader may read there.
    func referencedTitles(_ rows: RecordRows, entity: Entity, access: AccessFilter, targets: [String: AccessFilter]) throws -> [String: [Int64: String]] {
        var titles: [String: [Int64: String]] = [:]
        guard rows.count > 0, !targets.isEmpty else { return titles }
        for field in entity.fields where (field.type == .ref || field.type == .multiref) && !access.hiddenFields.contains(field.name) {
            guard let target = field.target, let reader = targets[target], !reader.readsNothing, let targetEntity = schema.entity(target),
                !reader.hiddenFields.contains(targetEntity.titleField), let table = store.layout.table(target),
                let titleColumn = table.column(targetEntity.titleField), let position = rows.position(of: field.name)
            else { continue }
            let ids = Array(
                Set(
                    (0..<rows.count).flatMap { row -> [Int64] in
                        let value = rows[row, position]
                        return (value.list ?? [value]).compactMap(\.integer)
                    }))
            guard !ids.isEmpty else { continue }
            let codec = ColumnCodec(titleColumn)
            var sql = "SELECT r.id, r.\(SQL.quote(titleColumn.name)) FROM \(SQL.quote(table.name)) r WHERE r.id IN (SELECT value FROM json_each(?))"
            var arguments: [(any DatabaseValueConvertible)?] = [Self.jsonList(ids)]
            if let read = reader.read {
                sql += " AND (\(read.sql))"
                arguments += read.arguments.map(ColumnCodec.bind)
            }
            var byID: [Int64: String] = [:]
            for row in try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: StatementArguments(arguments)) {
                byID[row[0]] = codec.decode(row[1] as DatabaseValue).description
            }
            titles[field.name] = byID
        }
        return titles
    }

    /// Fills multiref values of a page with one query per link table.
    private func attachLinks(_ rows: inout RecordRows, _ table: StorageLayout.Table, access: AccessFilter, fields: Set<String>?) throws {
        guard rows.count > 0 else { return }
        let ids = (0..<rows.count).map(rows.id)
        for (field, link) in table.links.sorted(by: { $0.key < $1.key })
        where !access.hiddenFields.contains(field) && fields?.contains(field) != false {
            var targets: [Int64: [Value]] = [:]
            let sql =
                "SELECT record, target FROM \(SQL.quote(link)) WHERE record IN (SELECT value FROM json_each(?)) ORDER BY record, position"
            for row in try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: [Self.jsonList(ids)]) {
                targets[row[0], default: []].append(.integer(row[1]))
            }
            rows.append(field: field, ids.map { .list(targets[$0] ?? []) })
        }
    }

    /// `[1,2,3]`: a list of ids as one bound argument, so the statement can be cached.
    /// Ids as a JSON array, for `json_each(?)` in SQL.
    public static func jsonList(_ ids: [Int64]) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }

    /// The last row's sort keys as an opaque page cursor: base64url of a JSON array (written by hand:
    /// Foundation's JSON writer cost a twentieth of a list page).
    static func encodeCursor(_ values: [DatabaseValue]) -> String {
        func quoted(_ text: String) -> String {
            var output = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case _ where scalar.value < 0x20: output += String(format: "\\u%04x", scalar.value)
                default: output.unicodeScalars.append(scalar)
                }
            }
            return output + "\""
        }
        let items = values.map { value -> String in
            switch value.storage {
            case .null: "null"
            case .int64(let integer): "{\"i\":\(integer)}"
            case .double(let double): double.isFinite ? "{\"d\":\(double)}" : "null"
            case .string(let text): "{\"s\":\(quoted(text))}"
            case .blob(let data): "{\"s\":\(quoted(String(decoding: data, as: UTF8.self)))}"
            }
        }
        return base64URL(Array(("[" + items.joined(separator: ",") + "]").utf8))
    }

    /// Base64url without padding (RFC 4648 §5).
    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for position in 0...count { output.append(alphabet[Int((group >> (18 - 6 * UInt32(position))) & 0x3F)]) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func decodeCursor(_ cursor: String) -> [DatabaseValue]? {
        /// One sort key as `encodeCursor` writes it: `{"i": 1}`, `{"d": 1.5}`, `{"s": "text"}`, or null.
        struct Key: Decodable {
            var i: Int64?
            var d: Double?
            var s: String?
        }
        var base64 = String(cursor.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while base64.count % 4 != 0 { base64 += "=" }
        // JSONDecoder, not JSONSerialization: on Linux the latter cost a tenth of a later page.
        guard let data = Data(base64Encoded: base64), let keys = try? JSONDecoder().decode([Key?].self, from: data) else { return nil }
        var values: [DatabaseValue] = []
        for key in keys {
            switch (key?.i, key?.d, key?.s) {
            case (nil, nil, nil) where key == nil: values.append(.null)
            case (let integer?, nil, nil): values.append(integer.databaseValue)
            case (nil, let double?, nil): values.append(double.databaseValue)
            case (nil, nil, let text?): values.append(text.databaseValue)
            default: return nil
            }
        }
        return values
    }
}

extension RecordStore {
    public func query(_ query: RecordQuery, as actor: Actor, access: AccessFilter) throws(RecordError) -> RecordPage {
        try read(as: actor) { try $0.query(query, access: access) }
    }

    public func count(
        _ entity: String, filter: RecordFilter? = nil, search: String? = nil, cap: Int = 10_000, as actor: Actor, access: AccessFilter
    ) throws(RecordError) -> RecordCount {
        try read(as: actor) { try $0.count(entity, filter: filter, search: search, cap: cap, access: access) }
    }

    public func aggregate(_ query: AggregateQuery, as actor: Actor, access: AccessFilter) throws(RecordError) -> [AggregateRow] {
        try read(as: actor) { try $0.aggregate(query, access: access) }
    }

    /// `$me`, `$my-department`, `$today` and `$now` for `actor`, in the workspace's time zone.
    public func variables(for actor: Actor) -> FilterVariables {
        let now = clock.now()
        let seconds = Int(now.timeIntervalSince1970) + timeZone.secondsFromGMT(for: now)
        let (year, month, day) = FieldInput.civilFromDays(Int((Double(seconds) / 86_400).rounded(.down)))
        return FilterVariables(
            userID: actor.userID, departmentID: actor.departmentID, today: FieldInput.formatDate(year, month, day),
            now: FieldInput.format(epochMilliseconds: Int64(now.timeIntervalSince1970 * 1000)))
    }
}
