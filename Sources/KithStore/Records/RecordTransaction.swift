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
    /// The rules watching this transaction's saves.
    public let hooks: (any RecordHooks)?
    /// The workspace's, in which people read and type times.
    public var timeZone: TimeZone { store.timeZone }

    /// `stamped`: writes need the transaction's time; reads skip computing it.
    init(store: RecordStore, db: Database, actor: Actor, stamped: Bool = true, hooks: (any RecordHooks)? = nil) {
        self.store = store
        self.db = db
        self.actor = actor
        self.hooks = hooks
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
