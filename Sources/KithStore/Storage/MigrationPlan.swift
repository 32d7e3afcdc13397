/// The steps that bring a database from the layout it has to the layout a schema needs.
///
/// Additive steps apply at start-up. Narrowing steps (a field becomes required, a text field
/// shorter, a field unique) apply only when no record is in the way. Destructive steps (a table,
/// field or link dropped, a field's type changed) apply only when the caller allows it, after a backup.
public struct MigrationPlan: Sendable {
    public enum Step: Sendable {
        case createTable(StorageLayout.Table)
        case addColumn(table: StorageLayout.Table, column: StorageLayout.Column)
        case createLinkTable(table: StorageLayout.Table, field: String)
        case createIndex(table: StorageLayout.Table, index: StorageLayout.Index)
        case dropIndex(table: StorageLayout.Table, index: StorageLayout.Index)
        case rebuildSearch(table: StorageLayout.Table, previous: StorageLayout.Table?)
        /// `required` added or `max` lowered: checked against the data.
        case narrowColumn(table: StorageLayout.Table, column: StorageLayout.Column, previous: StorageLayout.Column)
        case changeColumnType(table: StorageLayout.Table, column: StorageLayout.Column, previous: StorageLayout.Column)
        case dropColumn(table: StorageLayout.Table, column: StorageLayout.Column)
        case dropLinkTable(table: StorageLayout.Table, field: String, name: String)
        case dropTable(StorageLayout.Table)

        public var isDestructive: Bool {
            switch self {
            case .changeColumnType, .dropColumn, .dropLinkTable, .dropTable: true
            default: false
            }
        }

        /// The step in words.
        public var summary: String {
            switch self {
            case .createTable(let table): "create table for entity '\(table.entity)' (\(table.columns.count) columns)"
            case .addColumn(let table, let column): "add field '\(table.entity).\(column.name)' (\(column.fieldType))"
            case .createLinkTable(let table, let field): "create link table for multiref field '\(table.entity).\(field)'"
            case .createIndex(let table, let index):
                "create \(index.isUnique ? "unique " : index.expressions != nil ? "duplicate-check " : "")index on '\(table.entity)' (\(index.columns.joined(separator: ", ")))"
            case .dropIndex(let table, let index): "drop index on '\(table.entity)' (\(index.columns.joined(separator: ", ")))"
            case .rebuildSearch(let table, _):
                table.searchColumns.isEmpty
                    ? "remove the full-text index of '\(table.entity)'"
                    : "rebuild the full-text index of '\(table.entity)' over \(table.searchColumns.joined(separator: ", "))"
            case .narrowColumn(let table, let column, let previous):
                column.isRequired && !previous.isRequired
                    ? "make field '\(table.entity).\(column.name)' required"
                    : "shorten field '\(table.entity).\(column.name)' to \(column.maxLength ?? 0) characters"
            case .changeColumnType(let table, let column, let previous):
                "change field '\(table.entity).\(column.name)' from \(previous.fieldType)\(previous.scale.map { "(scale \($0))" } ?? "") to \(column.fieldType)\(column.scale.map { "(scale \($0))" } ?? "") (DESTRUCTIVE: values that do not convert are lost)"
            case .dropColumn(let table, let column): "drop field '\(table.entity).\(column.name)' and its values (DESTRUCTIVE)"
            case .dropLinkTable(let table, let field, _): "drop multiref field '\(table.entity).\(field)' and its links (DESTRUCTIVE)"
            case .dropTable(let table): "drop entity '\(table.entity)' and all its records (DESTRUCTIVE)"
            }
        }
    }

    public var steps: [Step]
    /// The layout the database has once the plan is applied.
    public let target: StorageLayout

    public var isEmpty: Bool { steps.isEmpty }

    /// Tables whose indexes the plan creates, drops or rebuilds: the planner's statistics of
    /// these (and only these) are stale afterwards.
    var reindexedTables: [String] {
        Set(
            steps.compactMap { step -> String? in
                switch step {
                case .createIndex(let table, _), .dropIndex(let table, _), .changeColumnType(let table, _, _): table.name
                default: nil
                }
            }
        ).sorted()
    }
    public var isDestructive: Bool { steps.contains(where: \.isDestructive) }
}

/// A narrowing or unique step that existing records prevent.
public struct MigrationBlocker: Error, Sendable, CustomStringConvertible {
    public let step: String
    public let reason: String
    /// The first records in the way.
    public let recordIDs: [Int64]
    public let total: Int

    public var description: String {
        let ids = recordIDs.map(String.init).joined(separator: ", ")
        return "cannot \(step): \(total) record\(total == 1 ? "" : "s") \(reason) (ids \(ids)\(total > recordIDs.count ? ", ..." : ""))"
    }
}

extension MigrationPlan {
    /// The plan from `current` (nil for a new database) to `target`.
    public init(from current: StorageLayout?, to target: StorageLayout) {
        self.target = target
        var creates: [Step] = []
        var changes: [Step] = []
        var drops: [Step] = []
        var indexes: [Step] = []
        var searches: [Step] = []
        let old = current?.tables ?? []
        for table in target.tables {
            guard let previous = old.first(where: { $0.entity == table.entity }) else {
                creates.append(.createTable(table))
                for field in table.links.keys.sorted() { creates.append(.createLinkTable(table: table, field: field)) }
                for index in table.indexes { indexes.append(.createIndex(table: table, index: index)) }
                if !table.searchColumns.isEmpty { searches.append(.rebuildSearch(table: table, previous: nil)) }
                continue
            }
            for column in table.columns {
                guard let before = previous.column(column.name) else {
                    changes.append(.addColumn(table: table, column: column))
                    continue
                }
                let retyped = before.sqlType != column.sqlType || before.fieldType != column.fieldType || before.scale != column.scale
                if retyped && !Self.isCompatibleRetype(from: before, to: column) {
                    changes.append(.changeColumnType(table: table, column: column, previous: before))
                } else if (column.isRequired && !before.isRequired) || (column.maxLength ?? .max) < (before.maxLength ?? .max) {
                    changes.append(.narrowColumn(table: table, column: column, previous: before))
                }
            }
            for column in previous.columns where table.column(column.name) == nil {
                drops.append(.dropColumn(table: table, column: column))
            }
            for field in table.links.keys.sorted() where previous.links[field] == nil {
                creates.append(.createLinkTable(table: table, field: field))
            }
            for (field, name) in previous.links.sorted(by: { $0.key < $1.key }) where table.links[field] == nil {
                drops.append(.dropLinkTable(table: table, field: field, name: name))
            }
            let changedColumns = Set(
                changes.compactMap { step -> String? in
                    if case .changeColumnType(let t, let column, _) = step, t.entity == table.entity { return column.name }
                    return nil
                })
            for index in previous.indexes
            where !table.indexes.contains(index) || !Set(index.columns).isDisjoint(with: changedColumns) {
                indexes.insert(.dropIndex(table: table, index: index), at: 0)
            }
            for index in table.indexes
            where !previous.indexes.contains(index) || !Set(index.columns).isDisjoint(with: changedColumns) {
                indexes.append(.createIndex(table: table, index: index))
            }
            if previous.searchColumns != table.searchColumns || !Set(table.searchColumns).isDisjoint(with: changedColumns) {
                // A searched column dropped or retyped: the old index and its triggers go first
                // (SQLite refuses to drop a column a trigger names), the new index comes last.
                let dropped = Set(previous.columns.map(\.name).filter { table.column($0) == nil })
                if !table.searchColumns.isEmpty && !Set(previous.searchColumns).isDisjoint(with: dropped.union(changedColumns)) {
                    let unsearched = StorageLayout.Table(
                        entity: table.entity, name: table.name, columns: [], indexes: [], links: [:], searchColumns: [])
                    searches.append(.rebuildSearch(table: unsearched, previous: previous))
                }
                searches.append(.rebuildSearch(table: table, previous: previous))
            }
        }
        for table in old where target.table(table.entity) == nil {
            if !table.searchColumns.isEmpty {
                searches.append(
                    .rebuildSearch(
                        table: StorageLayout.Table(
                            entity: table.entity, name: table.name, columns: [], indexes: [], links: [:], searchColumns: []),
                        previous: table))
            }
            drops.append(.dropTable(table))
        }
        let dropIndexes = indexes.filter { if case .dropIndex = $0 { true } else { false } }
        let createIndexes = indexes.filter { if case .createIndex = $0 { true } else { false } }
        steps = (creates + dropIndexes + changes + searches + drops + createIndexes).enumerated()
            .sorted { (Self.rank($0.element), $0.offset) < (Self.rank($1.element), $1.offset) }
            .map(\.element)
    }

    /// Order: create tables and links, drop indexes, remove search, add/change/narrow columns, drop
    /// columns/links/tables, create indexes, rebuild search.
    private static func rank(_ step: Step) -> Int {
        switch step {
        case .createTable: 0
        case .createLinkTable: 1
        case .dropIndex: 2
        case .rebuildSearch(let table, _) where table.searchColumns.isEmpty: 3
        case .addColumn: 4
        case .changeColumnType: 5
        case .narrowColumn: 6
        case .dropColumn: 7
        case .dropLinkTable: 8
        case .dropTable: 9
        case .createIndex: 10
        case .rebuildSearch: 11
        }
    }

    /// Type changes that keep every stored value as it is (same storage, wider meaning).
    static func isCompatibleRetype(from old: StorageLayout.Column, to new: StorageLayout.Column) -> Bool {
        guard old.sqlType == new.sqlType, old.scale == new.scale else { return false }
        let textual: Set<String> = ["text", "textarea", "email", "phone", "url"]
        if textual.contains(old.fieldType) && (new.fieldType == "text" || new.fieldType == "textarea") { return true }
        if (old.fieldType == "enum" && new.fieldType == "text") { return true }
        return false
    }
}
