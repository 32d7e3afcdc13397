public import Foundation
import GRDB
import KithSchema

extension RecordStore {
    /// Runs `body` in one write transaction as `actor`: everything it does commits together, or
    /// nothing does when it throws.
    public func write<T>(as actor: Actor, hooks: (any RecordHooks)? = nil, _ body: (RecordTransaction) throws -> T) throws(RecordError) -> T {
        do {
            let result = try pool.write { db in
                let result = try body(RecordTransaction(store: self, db: db, actor: actor, hooks: hooks))
                try search.trim(db)
                return result
            }
            search.wake()
            return result
        } catch {
            throw Self.recordError(error)
        }
    }

    /// Runs `body` as one write like `write(as:hooks:_:)`, for callers that must not hold a thread
    /// while they wait (the web server): it joins the next group commit, in a savepoint of its own
    /// (see `GroupCommit`). All of it is stored or none of it, and it is stored when this returns.
    public func perform<T>(as actor: Actor, hooks: (any RecordHooks)? = nil, _ body: @escaping (RecordTransaction) throws -> T) async throws(RecordError)
        -> T
    {
        let work = Handover(value: (body, hooks))
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Handover<Result<T, RecordError>>, Never>) in
            let result = Handover<T>.Box()
            groupCommit.add(
                GroupCommit.Job(
                    run: { db in
                        let transaction = RecordTransaction(store: self, db: db, actor: actor, hooks: work.value.1)
                        result.value = try work.value.0(transaction)
                    },
                    finish: { error in
                        let outcome: Result<T, RecordError>
                        if let error {
                            outcome = .failure(Self.recordError(error))
                        } else if let value = result.value {
                            outcome = .success(value)
                        } else {
                            outcome = .failure(RecordError(.storage, entity: "", "the write ended without a result"))
                        }
                        continuation.resume(returning: Handover(value: outcome))
                    }))
        }
        return try outcome.value.get()
    }

    /// A write's failure as the store reports it: its own, else the database's as a storage error.
    static func recordError(_ error: any Error) -> RecordError {
        (error as? RecordError) ?? RecordError(.storage, entity: "", "the database refused the operation: \(error)")
    }

    /// Runs `body` in one read transaction: every read sees the same committed state.
    public func read<T>(as actor: Actor, _ body: (RecordTransaction) throws -> T) throws(RecordError) -> T {
        do {
            // One snapshot for the whole read, with cached BEGIN/COMMIT statements (GRDB's own
            // isolation prepared a savepoint's statements on every read).
            return try readers.read { db in try body(RecordTransaction(store: self, db: db, actor: actor, stamped: false)) }
        } catch let error as RecordError {
            throw error
        } catch {
            throw RecordError(.storage, entity: "", "the database refused the read: \(error)")
        }
    }

    public func create(
        _ entity: String, _ values: [String: Value], lines: [String: [[String: Value]]] = [:], as actor: Actor, access: AccessFilter
    ) throws(RecordError) -> Record {
        try write(as: actor) { try $0.create(entity, values, lines: lines, access: access) }
    }

    public func get(_ entity: String, id: Int64, as actor: Actor, access: AccessFilter) throws(RecordError) -> Record? {
        try read(as: actor) { try $0.get(entity, id: id, access: access) }
    }

    public func update(
        _ entity: String, id: Int64, _ values: [String: Value], lines: [String: [[String: Value]]]? = nil, expectedVersion: Int64? = nil,
        as actor: Actor, access: AccessFilter
    ) throws(RecordError) -> Record {
        try write(as: actor) { try $0.update(entity, id: id, values, lines: lines, expectedVersion: expectedVersion, access: access) }
    }

    public func delete(_ entity: String, id: Int64, expectedVersion: Int64? = nil, as actor: Actor, access: AccessFilter)
        throws(RecordError)
    {
        try write(as: actor) { try $0.delete(entity, id: id, expectedVersion: expectedVersion, access: access) }
    }

    public func history(_ entity: String, id: Int64, as actor: Actor, access: AccessFilter) throws(RecordError) -> [HistoryEntry] {
        try read(as: actor) { try $0.history(entity, id: id, access: access) }
    }

    public func restoreVersion(_ entity: String, id: Int64, version: Int64, as actor: Actor, access: AccessFilter) throws(RecordError)
        -> Record
    {
        try write(as: actor) { try $0.restoreVersion(entity, id: id, version: version, access: access) }
    }

    public func recycleBin(entity: String? = nil, as actor: Actor) throws(RecordError) -> [RecycledRecord] {
        try read(as: actor) { try $0.recycleBin(entity: entity) }
    }

    public func restoreDeleted(batch: Int64, as actor: Actor) throws(RecordError) {
        try write(as: actor) { try $0.restoreDeleted(batch: batch) }
    }

    /// Stores an attachment for a `file` field; the returned id is the field's value.
    public func storeFile(name: String, contentType: String, data: Data, as actor: Actor) throws(RecordError) -> Int64 {
        try write(as: actor) { try $0.storeFile(name: name, contentType: contentType, data: data) }
    }
}

/// An attachment of a `file` field, as stored.
public struct StoredFile: Sendable {
    public let id: Int64
    public let name: String
    public let contentType: String
    public let size: Int
    public let data: Data
    public let createdBy: Int64?
}

extension RecordTransaction {
    /// Stores an attachment in this transaction (it is gone again if the transaction fails); the
    /// returned id is a `file` field's value.
    public func storeFile(name: String, contentType: String, data: Data) throws(RecordError) -> Int64 {
        try storage("file") {
            try db.execute(
                sql: "INSERT INTO kith_file (name, content_type, size, data, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [name, contentType, data.count, data, nowText, actor.userID])
            return db.lastInsertedRowID
        }
    }

    /// An attachment by id (its bytes too), nil when there is none. Who may download it is the
    /// engine's question: `Engine.file(_:for:)`.
    public func file(id: Int64) throws(RecordError) -> StoredFile? {
        try storage("file") {
            guard let row = try Row.fetchOne(db, sql: "SELECT id, name, content_type, size, data, created_by FROM kith_file WHERE id = ?", arguments: [id])
            else { return nil }
            return StoredFile(id: row[0], name: row[1], contentType: row[2], size: row[3], data: row[4] ?? Data(), createdBy: row[5])
        }
    }

    /// An attachment's file name, without reading its bytes.
    public func fileName(id: Int64) throws(RecordError) -> String? {
        try storage("file") { try String.fetchOne(db, sql: "SELECT name FROM kith_file WHERE id = ?", arguments: [id]) }
    }

    /// Sets a record back to its values at `version`; the restore is itself a new, audited version.
    public func restoreVersion(_ entityName: String, id: Int64, version: Int64, access: AccessFilter = .unrestricted) throws(RecordError)
        -> Record
    {
        let (entity, table) = try self.entity(entityName)
        let entries = try history(entityName, id: id, access: access)
        guard entries.contains(where: { $0.version == version }) else {
            throw RecordError(.notFound, entity: entityName, "\(entityName) #\(id) has no version \(version)")
        }
        let current = try storage(entityName) { try fetchValues(table, id: id, condition: access.update) }
        guard var values = current else { throw RecordError(.notFound, entity: entityName, "\(entityName) #\(id) does not exist") }
        for entry in entries.reversed() where entry.version > version {
            for (field, change) in entry.changes { values[field] = change.old }
        }
        let declared = Set(entity.fields.map(\.name)).subtracting(access.hiddenFields)
        let restored = values.filter { declared.contains($0.key) && current?[$0.key] != $0.value }
        let engine = RecordTransaction(
            store: store, db: db, actor: Actor(userID: actor.userID, departmentID: actor.departmentID, origin: .engine))
        return try engine.update(entityName, id: id, restored, access: access, action: "restore", comment: "restored version \(version)")
    }
}
