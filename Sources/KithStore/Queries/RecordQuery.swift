import Foundation
public import KithSchema

/// Conditions on records, nested as the user wrote them.
public indirect enum RecordFilter: Sendable {
    case condition(field: String, op: FilterOperator, values: [Value])
    case all([RecordFilter])
    case any([RecordFilter])

    /// A view's or report's filter with its variables (`$me`, `$today-30d`, ...) resolved.
    public init(_ group: FilterGroup, variables: FilterVariables) {
        let terms = group.terms.map { term -> RecordFilter in
            switch term {
            case .group(let inner): RecordFilter(inner, variables: variables)
            case .condition(let condition):
                .condition(field: condition.field, op: condition.op, values: variables.resolve(condition.value, op: condition.op))
            }
        }
        self = group.join == .and ? .all(terms) : .any(terms)
    }
}

/// What `$me`, `$my-department`, `$today` and `$now` mean for one request.
public struct FilterVariables: Sendable {
    public var userID: Int64?
    public var departmentID: Int64?
    /// Today in the workspace's time zone, `YYYY-MM-DD`.
    public var today: String
    /// Now, UTC `YYYY-MM-DDTHH:MM:SS.sssZ`.
    public var now: String

    public init(userID: Int64?, departmentID: Int64?, today: String, now: String) {
        self.userID = userID
        self.departmentID = departmentID
        self.today = today
        self.now = now
    }

    /// The values of a filter written as text: lists split at commas, variables resolved.
    public func resolve(_ text: String?, op: FilterOperator) -> [Value] {
        guard let text, !op.takesNoValue else { return [] }
        let items =
            op.takesList || op == .between ? text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } : [text]
        return items.map(resolve)
    }

    private func resolve(_ item: String) -> Value {
        switch item {
        case "$me": return userID.map(Value.integer) ?? .null
        case "$my-department": return departmentID.map(Value.integer) ?? .null
        default: break
        }
        for (base, value) in [("$today", today), ("$now", now)] where item.hasPrefix(base) {
            // `$today`, `$today-30d`, `$today+7d`; in a URL an unencoded `+` arrives as a space.
            var rest = item.dropFirst(base.count).drop { $0 == " " }
            if rest.isEmpty { return .text(value) }
            var sign = 1
            if rest.first == "+" || rest.first == "-" {
                sign = rest.first == "-" ? -1 : 1
                rest = rest.dropFirst()
            } else if item.dropFirst(base.count).first != " " {
                return .text(item)  // `$todays`: not a variable; the field's check refuses it
            }
            guard rest.hasSuffix("d"), let days = Int(rest.dropLast()), days >= 0, rest.first?.isNumber == true else { return .text(item) }
            return .text(Self.shift(value, days: sign * days))
        }
        return .text(item)
    }

    /// Whole days from the date (or date-time) `from` to `to`; nil when either is not a date.
    public static func days(from: String, to: String) -> Int? {
        func day(_ text: String) -> Int? {
            let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, text.count >= 10 else { return nil }
            return FieldInput.daysFromCivil(parts[0], parts[1], parts[2])
        }
        guard let start = day(from), let end = day(to) else { return nil }
        return end - start
    }

    /// A date or a date-time moved by whole days.
    public static func shift(_ text: String, days: Int) -> String {
        let date = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard date.count == 3 else { return text }
        let shifted = FieldInput.civilFromDays(FieldInput.daysFromCivil(date[0], date[1], date[2]) + days)
        let day = String(format: "%04d-%02d-%02d", shifted.0, shifted.1, shifted.2)
        return day + text.dropFirst(10)
    }
}

/// A page of records: filter, full-text search, sort and a cursor.
public struct RecordQuery: Sendable {
    public struct Sort: Sendable {
        public var field: String
        public var descending: Bool
        public init(_ field: String, descending: Bool = false) {
            self.field = field
            self.descending = descending
        }
    }

    public var entity: String
    public var filter: RecordFilter?
    public var search: String?
    /// Sorting by a `ref` field sorts by the referenced record's title. `id` always breaks ties.
    public var sort: [Sort]
    public var limit: Int
    /// The `nextCursor` of the previous page.
    public var after: String?
    /// Records to skip (numbered pages); cursors are faster on deep pages.
    public var offset: Int = 0
    /// The fields to read (with `id`); nil reads every field. A list page showing a view's
    /// columns reads only those.
    public var fields: Set<String>?
    /// The titles to look up for the page's `ref` and `multiref` fields, by target entity: the
    /// reader's access to it, so a record the reader may not read gets no title. Targets not
    /// named (by default, all) get none: the API sends ids only.
    public var titles: [String: AccessFilter] = [:]

    public init(
        entity: String, filter: RecordFilter? = nil, search: String? = nil, sort: [Sort] = [], limit: Int = 50, after: String? = nil
    ) {
        self.entity = entity
        self.filter = filter
        self.search = search
        self.sort = sort
        self.limit = limit
        self.after = after
    }
}

public struct RecordPage: Sendable {
    /// The page's records as read: values by row and position, without a dictionary per record
    /// (building those was most of a list page's query). Lists and the API read these.
    public let rows: RecordRows
    /// Pass as `after` for the next page; nil on the last page.
    public let nextCursor: String?
    /// The titles of the records the page's `ref` fields point at: field → id → title.
    public let titles: [String: [Int64: String]]

    /// The page's records with their values by name (built on each use).
    public var records: [Record] { rows.records }
}

/// Records of one entity as rows of values in the order of `fields`.
///
///     let name = page.rows.position(of: "name")
///     for row in 0..<page.rows.count { print(page.rows.id(row), page.rows[row, name ?? 0]) }
public struct RecordRows: Sendable {
    public let entity: String
    /// The fields read, `id` among them; hidden and unread fields are not.
    public private(set) var fields: [String]
    public private(set) var count: Int
    private var values: [Value]
    private var idPosition: Int?

    init(entity: String, fields: [String], values: [Value]) {
        self.entity = entity
        self.fields = fields
        self.values = values
        count = fields.isEmpty ? 0 : values.count / fields.count
        idPosition = fields.firstIndex(of: "id")
    }

    /// Where a field's values are, nil when it was not read.
    public func position(of field: String) -> Int? { fields.firstIndex(of: field) }

    public subscript(row: Int, position: Int) -> Value { values[row * fields.count + position] }

    public func id(_ row: Int) -> Int64 { idPosition.flatMap { self[row, $0].integer } ?? 0 }

    public func record(_ row: Int) -> Record {
        var byName: [String: Value] = [:]
        byName.reserveCapacity(fields.count)
        for (position, field) in fields.enumerated() { byName[field] = self[row, position] }
        return Record(entity: entity, values: byName, lines: [:])
    }

    public var records: [Record] { (0..<count).map(record) }

    /// Adds a field read separately (a multiref's links): `column` holds one value per row.
    mutating func append(field: String, _ column: [Value]) {
        let width = fields.count
        var widened: [Value] = []
        widened.reserveCapacity(values.count + count)
        for row in 0..<count {
            widened.append(contentsOf: values[row * width..<(row + 1) * width])
            widened.append(column[row])
        }
        fields.append(field)
        values = widened
    }
}

/// A count that stops at a cap on big tables, and says so.
public struct RecordCount: Sendable, Equatable {
    public let value: Int
    /// True when there are more than `value` records.
    public let isCapped: Bool
}

/// Grouped figures for reports and rules: `count`, or `sum`/`avg`/`min`/`max` of a field, per
/// value of a field or per period of a date.
public struct AggregateQuery: Sendable {
    public var entity: String
    public var filter: RecordFilter?
    public var search: String?
    public var groupField: String?
    public var bucket: Report.Bucket?
    public var aggregate: Report.Aggregate
    public var field: String?

    public init(
        entity: String, filter: RecordFilter? = nil, search: String? = nil, groupField: String? = nil, bucket: Report.Bucket? = nil,
        aggregate: Report.Aggregate = .count, field: String? = nil
    ) {
        self.entity = entity
        self.filter = filter
        self.search = search
        self.groupField = groupField
        self.bucket = bucket
        self.aggregate = aggregate
        self.field = field
    }
}

public struct AggregateRow: Sendable, Equatable {
    /// The group's value (`.null` for records without one; a single row without grouping).
    public let group: Value
    /// For ref groups: the referenced record's title.
    public let label: String?
    public let value: Value
    public let count: Int
}
