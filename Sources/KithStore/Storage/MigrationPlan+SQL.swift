import GRDB

extension MigrationPlan.Step {
    /// The statements of this step. Type changes also convert each value in Swift between the
    /// second and third statement (see `RecordStore.apply`).
    public var sql: [String] {
        switch self {
        case .createTable(let table):
            let columns = table.columns.map { column -> String in
                switch column.name {
                case "id": return "\"id\" INTEGER PRIMARY KEY AUTOINCREMENT"
                case "version": return "\"version\" INTEGER NOT NULL DEFAULT 1"
                default: return "\(SQL.quote(column.name)) \(column.sqlType)"
                }
            }
            return ["CREATE TABLE \(SQL.quote(table.name)) (\(columns.joined(separator: ", ")))"]
        case .addColumn(let table, let column):
            return ["ALTER TABLE \(SQL.quote(table.name)) ADD COLUMN \(SQL.quote(column.name)) \(column.sqlType)"]
        case .createLinkTable(let table, let field):
            let name = table.links[field] ?? StorageLayout.linkTableName(table.entity, field)
            return [
                "CREATE TABLE \(SQL.quote(name)) (\"record\" INTEGER NOT NULL, \"target\" INTEGER NOT NULL, \"position\" INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (\"record\", \"target\")) WITHOUT ROWID",
                "CREATE INDEX \(SQL.quote(name + "__target")) ON \(SQL.quote(name)) (\"target\")",
            ]
        case .createIndex(let table, let index):
            let columns = index.keys.joined(separator: ", ")
            return ["CREATE \(index.isUnique ? "UNIQUE " : "")INDEX \(SQL.quote(index.name)) ON \(SQL.quote(table.name)) (\(columns))"]
        case .dropIndex(_, let index):
            return ["DROP INDEX IF EXISTS \(SQL.quote(index.name))"]
        case .rebuildSearch(let table, _):
            // The index itself is kept beside the database (`SearchIndex`), which makes an entity's
            // again when its row here has a new generation: any step, a retyped column's included,
            // may change the values it holds. The database notes each change to a searched field,
            // with the values the index holds, in the writer's own transaction.
            let triggers = ["_ai", "_ad", "_au", "_noted_insert", "_noted_update", "_noted_delete"]
            // `main.`: the index file, attached as `search`, holds tables of the same names.
            var statements = triggers.map { "DROP TRIGGER IF EXISTS main.\(SQL.quote(table.searchTable + $0))" }
            statements.append("DROP TABLE IF EXISTS main.\(SQL.quote(table.searchTable))")  // kept in the database before
            let entity = SQL.literal(table.entity)
            statements.append("DELETE FROM kith_search_columns WHERE entity = \(entity)")
            guard !table.searchColumns.isEmpty else { return statements }
            let source = SQL.quote(table.name)
            let columns = table.searchColumns.map(SQL.quote)
            let indexed = "json_array(old.\"id\", " + columns.map { "old." + $0 }.joined(separator: ", ") + ")"
            let changed = columns.map { "old.\($0) IS NOT new.\($0)" }.joined(separator: " OR ")
            let note = "INSERT INTO kith_search_queue (entity, record, indexed) VALUES (\(entity)"
            let trigger = { (event: String) in SQL.quote(table.searchTable + "_noted_" + event) }
            statements += [
                "CREATE TRIGGER \(trigger("insert")) AFTER INSERT ON \(source) BEGIN \(note), new.\"id\", NULL); END",
                "CREATE TRIGGER \(trigger("update")) AFTER UPDATE OF \(columns.joined(separator: ", ")) ON \(source) "
                    + "WHEN \(changed) BEGIN \(note), old.\"id\", \(indexed)); END",
                "CREATE TRIGGER \(trigger("delete")) AFTER DELETE ON \(source) BEGIN \(note), old.\"id\", \(indexed)); END",
                "INSERT INTO kith_search_columns (entity, tbl, columns, generation) VALUES (\(entity), \(SQL.literal(table.name)), "
                    + "\(SQL.literal(table.searchColumnList)), random())",
            ]
            return statements
        case .narrowColumn:
            return []
        case .changeColumnType(let table, let column, _):
            let temporary = SQL.quote(column.name + "__retyped")
            return [
                "ALTER TABLE \(SQL.quote(table.name)) ADD COLUMN \(temporary) \(column.sqlType)",
                "-- each value converted to the new type",
                "ALTER TABLE \(SQL.quote(table.name)) DROP COLUMN \(SQL.quote(column.name))",
                "ALTER TABLE \(SQL.quote(table.name)) RENAME COLUMN \(temporary) TO \(SQL.quote(column.name))",
            ]
        case .dropColumn(let table, let column):
            return ["ALTER TABLE \(SQL.quote(table.name)) DROP COLUMN \(SQL.quote(column.name))"]
        case .dropLinkTable(_, _, let name):
            return ["DROP TABLE IF EXISTS \(SQL.quote(name))"]
        case .dropTable(let table):
            return ["DROP TABLE IF EXISTS \(SQL.quote(table.name))"]
        }
    }
}

extension MigrationPlan {
    /// The plan in words, each step followed by its SQL, for `kith migrate --dry-run`.
    public var report: String {
        guard !steps.isEmpty else { return "The database matches the schema; nothing to do." }
        var lines: [String] = []
        for (number, step) in steps.enumerated() {
            lines.append("\(number + 1). \(step.summary)")
            for statement in step.sql { lines.append("     \(statement);") }
        }
        return lines.joined(separator: "\n")
    }

    /// The records that keep narrowing or unique steps from applying.
    func blockers(_ db: Database) throws -> [MigrationBlocker] {
        var blockers: [MigrationBlocker] = []
        for step in steps {
            switch step {
            case .narrowColumn(let table, let column, let previous):
                let name = SQL.quote(column.name)
                if column.isRequired && !previous.isRequired {
                    let condition = "\(name) IS NULL OR \(name) = ''"
                    if let blocker = try Self.blocker(db, table, condition, step.summary, "have no value") { blockers.append(blocker) }
                }
                if let max = column.maxLength, max < (previous.maxLength ?? .max) {
                    if let blocker = try Self.blocker(
                        db, table, "length(\(name)) > \(max)", step.summary, "are longer than \(max) characters")
                    {
                        blockers.append(blocker)
                    }
                }
            case .createIndex(let table, let index) where index.isUnique:
                guard try db.tableExists(table.name) else { continue }
                let columns = index.columns.map(SQL.quote).joined(separator: ", ")
                let notNull = index.columns.map { "\(SQL.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
                let condition =
                    "(\(columns)) IN (SELECT \(columns) FROM \(SQL.quote(table.name)) WHERE \(notNull) GROUP BY \(columns) HAVING count(*) > 1)"
                if let blocker = try Self.blocker(db, table, condition, step.summary, "share a value with another record") {
                    blockers.append(blocker)
                }
            default:
                continue
            }
        }
        return blockers
    }

    private static func blocker(_ db: Database, _ table: StorageLayout.Table, _ condition: String, _ step: String, _ reason: String) throws
        -> MigrationBlocker?
    {
        guard try db.tableExists(table.name) else { return nil }
        let source = SQL.quote(table.name)
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(source) WHERE \(condition)") ?? 0
        guard total > 0 else { return nil }
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM \(source) WHERE \(condition) ORDER BY id LIMIT 20")
        return MigrationBlocker(step: step, reason: reason, recordIDs: ids, total: total)
    }
}
