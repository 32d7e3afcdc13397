public import Foundation
import GRDB
public import KithSchema

/// Reads and writes of records inside one database transaction, for one actor.
///
/// `RecordStore.write` opens one; everything done through it commits together or not at all.
/// Rules (Lua hooks) run inside the same transaction, through `hooks`.
public struct RecordTransaction {
    let store: RecordStore
    let db: Database
    public let actor: Actor
    let stamps: (now: String, today: String)
    /// Records inserted by this transaction, by entity, still to be added to the full-text index.
    let unindexed: UnindexedRecords
    /// The rules watching this transaction's saves.
    public let hooks: (any RecordHooks)?
    /// The workspace's, in which people read and type times.
    public var timeZone: TimeZone { store.timeZone }

    /// `stamped`: writes need the transaction's time; reads skip computing it.
    /// `unindexed`: shared by the writes of a group commit, which index their records together.
    init(
        store: RecordStore, db: Database, actor: Actor, stamped: Bool = true, hooks: (any RecordHooks)? = nil,
        unindexed: UnindexedRecords = UnindexedRecords()
    ) {
        self.store = store
        self.db = db
        self.actor = actor
        self.hooks = hooks
        self.unindexed = unindexed
        if stamped {
            let variables = store.variables(for: actor)
            self.stamps = (variables.now, variables.today)
        } else {
            self.stamps = ("", "")
        }
    }

    private init(_ base: RecordTransaction, actor: Actor, hooks: (any RecordHooks)?, restamp: Bool) {
        store = base.store
        db = base.db
        self.actor = actor
        self.hooks = hooks
        unindexed = base.unindexed
        if restamp {
            let variables = store.variables(for: actor)
            stamps = (variables.now, variables.today)
        } else {
            stamps = base.stamps
        }
    }

    /// The same transaction acting for someone else (a rule for its user, a test as another
    /// user), with the store's clock read again.
    public func acting(as actor: Actor) -> RecordTransaction { RecordTransaction(self, actor: actor, hooks: hooks, restamp: true) }

    /// The same transaction watched by other hooks (nil: none).
    public func watched(by hooks: (any RecordHooks)?) -> RecordTransaction {
        RecordTransaction(self, actor: actor, hooks: hooks, restamp: false)
    }

    /// Runs `body` in a savepoint: when it throws, what it wrote is undone and the rest of the
    /// transaction goes on.
    public func atomically<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        guard let result else { throw RecordError(.storage, entity: "", "the savepoint returned nothing") }
        return result
    }

    /// The schema of the store.
    public var currentSchema: Schema { store.schema }

    var schema: Schema { store.schema }

    func entity(_ name: String) throws(RecordError) -> (Entity, StorageLayout.Table) {
        guard let entity = schema.entity(name), let table = store.layout.table(name) else {
            throw RecordError(.invalidQuery, entity: name, "unknown entity '\(name)'")
        }
        return (entity, table)
    }

    func storage<T>(_ entity: String, _ body: () throws -> T) throws(RecordError) -> T {
        do {
            return try body()
        } catch let error as RecordError {
            throw error
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw RecordError(.duplicate, entity: entity, "a value that must be unique is already used")
        } catch {
            throw RecordError(.storage, entity: entity, "the database refused the operation: \(error)")
        }
    }

    /// The transaction's time: every record it writes carries the same stamp. (A read, which has
    /// no stamp, reads the clock: a new form's `$now` default.)
    var nowText: String { stamps.now.isEmpty ? store.variables(for: actor).now : stamps.now }
    /// Today in the workspace's time zone, `YYYY-MM-DD`.
    var todayText: String { stamps.today.isEmpty ? store.variables(for: actor).today : stamps.today }

    /// Adds the records this transaction inserted to their entities' full-text indexes; the
    /// store calls it before every commit.
    func indexNewRecords() throws {
        try unindexed.index(db, layout: store.layout)
    }

    // MARK: - Reading rows

    /// The stored values of one row (and its multiref links), or nil.
    func fetchValues(_ table: StorageLayout.Table, id: Int64, condition: AccessFilter.Condition? = nil) throws -> [String: Value]? {
        let reading = store.reading[table.name] ?? TableReading(table)
        var found: [String: Value]?
        let read = { (row: SQLiteStatement) in
            var values: [String: Value] = [:]
            values.reserveCapacity(table.columns.count + table.links.count)
            for (index, column) in table.columns.enumerated() {
                values[column.name] = reading.codecs[index].decode(row, index)
            }
            found = values
        }
        if let condition {
            let arguments: [(any DatabaseValueConvertible)?] = [id] + condition.arguments.map { ColumnCodec.bind($0) }
            try db.eachRow(reading.byID + " AND (\(condition.sql))", StatementArguments(arguments), read)
        } else {
            try db.eachRow(reading.byID, id: id, read)
        }
        guard var values = found else { return nil }
        for (field, link) in table.links {
            let targets = try Int64.fetchAll(
                try db.cachedStatement(sql: "SELECT target FROM \(SQL.quote(link)) WHERE record = ? ORDER BY position"), arguments: [id])
            values[field] = .list(targets.map(Value.integer))
        }
        return values
    }

    /// The record with its lines, as the access filter lets this actor read it.
    public func get(_ entityName: String, id: Int64, access: AccessFilter = .unrestricted) throws(RecordError) -> Record? {
        let (entity, table) = try self.entity(entityName)
        return try storage(entityName) {
            guard let values = try fetchValues(table, id: id, condition: access.read) else { return nil }
            return try record(entity, values, access: access)
        }
    }

    func record(_ entity: Entity, _ values: [String: Value], access: AccessFilter) throws -> Record {
        var visible = values
        for field in access.hiddenFields { visible.removeValue(forKey: field) }
        var lines: [String: [Record]] = [:]
        for detail in schema.details(of: entity.name) {
            guard let table = store.layout.table(detail.name), let link = masterField(of: detail, master: entity.name) else { continue }
            let ids = try Int64.fetchAll(
                try db.cachedStatement(sql: "SELECT id FROM \(SQL.quote(table.name)) WHERE \(SQL.quote(link)) = ? ORDER BY id"),
                arguments: [values["id"]?.integer])
            lines[detail.name] = try ids.compactMap { id in
                try fetchValues(table, id: id).map { Record(entity: detail.name, values: $0, lines: [:]) }
            }
        }
        return Record(entity: entity.name, values: visible, lines: lines)
    }

    /// Whether the access filter lets the actor update the record (an edit button, a share).
    public func mayUpdate(_ entityName: String, id: Int64, access: AccessFilter) throws(RecordError) -> Bool {
        let (_, table) = try entity(entityName)
        guard access.update != nil else { return true }
        return try storage(entityName) { try fetchValues(table, id: id, condition: access.update) != nil }
    }

    /// The ref field of a line-item entity that points at its master.
    public func masterField(of detail: Entity, master: String) -> String? {
        detail.fields.first { $0.type == .ref && $0.target == master }?.name
    }
}

extension ColumnCodec {
    /// A `Value` as an SQL argument when no field type is known (filters on system columns, access conditions).
    static func bind(_ value: Value) -> (any DatabaseValueConvertible)? {
        switch value {
        case .null: nil
        case .text(let text): text
        case .integer(let integer): integer
        case .decimal(let decimal): decimal.description
        case .boolean(let flag): flag ? 1 : 0
        case .list(let items): items.map(\.description).joined(separator: ",")
        }
    }
}

/// The full-text work a transaction has put off until it commits: records it inserted, and the
/// records whose searched fields it changed, with those fields as the index still has them. A
/// group commit shares one among its writes and indexes them together before it commits: FTS5
/// writes its pending terms out as a segment whenever a statement or savepoint ends, so each
/// write indexing its own records made a segment per record, and merging those segments was
/// most of an update's time after a bulk load.
final class UnindexedRecords {
    /// A record's searched columns as the index holds them: `[id, value, ...]` as JSON, written
    /// by SQLite (`json_array`), so that they read back exactly as stored.
    struct Indexed {
        let columns: [String]
        let json: String
    }

    struct Backlog {
        /// Inserted records, by entity.
        var ids: [String: Set<Int64>] = [:]
        /// Updated records, by entity: id → the searched columns and the values the index holds.
        var changed: [String: [Int64: Indexed]] = [:]

        var isEmpty: Bool { ids.isEmpty && changed.isEmpty }
    }

    /// Read and set back by a group commit around a write that fails (see `GroupCommit`).
    var backlog = Backlog()

    func add(_ entity: String, _ id: Int64) { backlog.ids[entity, default: []].insert(id) }

    /// Notes that a record's searched columns are about to change; `indexed` reads the values the
    /// index holds, when the record is neither new in this backlog nor noted already.
    func change(_ entity: String, _ id: Int64, indexed: () throws -> Indexed) rethrows {
        guard backlog.changed[entity]?[id] == nil, backlog.ids[entity]?.contains(id) != true else { return }
        backlog.changed[entity, default: [:]][id] = try indexed()
    }

    /// Brings the records' full-text indexes up to date in one statement per entity: each
    /// changed record's old terms out, then every new and changed record's current terms in.
    /// FTS5 keeps the terms it is given in memory while their ids rise, and writes them out as a
    /// segment at the end of every statement and before any lower id: so one statement, in the
    /// order of the ids, makes one segment. Ids no longer stored (a write rolled back) are
    /// skipped. An entity leaves the backlog once its statements succeed.
    func index(_ db: Database, layout: StorageLayout) throws {
        for entity in Set(backlog.ids.keys).union(backlog.changed.keys) {
            if let table = layout.table(entity), !table.searchColumns.isEmpty {
                try index(table, new: backlog.ids[entity] ?? [], changed: backlog.changed[entity] ?? [:], db)
            }
            backlog.ids[entity] = nil
            backlog.changed[entity] = nil
        }
    }

    private func index(_ table: StorageLayout.Table, new: Set<Int64>, changed: [Int64: Indexed], _ db: Database) throws {
        let columns = table.searchColumns.map(SQL.quote)
        let names = columns.joined(separator: ", ")
        let search = SQL.quote(table.searchTable)
        // A reload that changed the searched columns rebuilt the index from the rows.
        let removed = changed.values.filter { $0.columns == table.searchColumns && !$0.json.isEmpty }.map(\.json)
        let ids = RecordTransaction.jsonList(Array(new.union(changed.keys)))
        let stored = "FROM \(SQL.quote(table.name)) WHERE id IN (SELECT value FROM json_each(?))"
        guard !removed.isEmpty else {  // new records only
            try db.run("INSERT INTO \(search)(rowid, \(names)) SELECT id, \(names) \(stored)", arguments: [ids])
            return
        }
        let old = columns.enumerated().map { "value->>\($0.offset + 1) AS \($0.element)" }.joined(separator: ", ")
        try db.run(
            """
            INSERT INTO \(search)(\(search), rowid, \(names)) SELECT command, id, \(names) FROM (
            SELECT 'delete' AS command, value->>0 AS id, \(old), 0 AS step FROM json_each(?)
            UNION ALL SELECT NULL, id, \(names), 1 \(stored)
            ) ORDER BY id, step
            """,
            arguments: ["[" + removed.joined(separator: ",") + "]", ids])
        // FTS5 merges its segments by the pages it writes, which were a segment's at least for
        // each updated record: the same steady share of merging keeps its levels from filling up
        // to a merge of them all at once, inside some later write.
        try db.run("INSERT INTO \(search)(\(search), rank) VALUES ('merge', ?)", arguments: [changed.count])
    }
}
