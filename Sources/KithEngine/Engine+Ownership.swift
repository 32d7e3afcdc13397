public import Foundation
import KithSchema
public import KithStore

/// Claiming from the public pool (领取), and transferring ownership (转移), with history.
extension Engine {
    /// `user` claims an ownerless record of a pool entity: the first claim wins, a record someone
    /// already owns is refused. The user needs `claim` on the entity.
    @discardableResult
    public func claim(_ entityName: String, id: Int64, as user: DirectoryUser) throws(RecordError) -> Record {
        do {
            return try claimInTransaction(entityName, id: id, as: user)
        } catch {
            if error.code == .forbidden && error.message.hasPrefix("you may not") {
                try logDenial("claim \(entityName) #\(id)", user: user)
            }
            throw error
        }
    }

    private func claimInTransaction(_ entityName: String, id: Int64, as user: DirectoryUser) throws(RecordError) -> Record {
        try write(as: user.actor) { transaction in
            let access = try AccessPolicy.access(entityName, for: user, in: transaction)
            guard schema.entity(entityName)?.isPool == true, access.mayClaim else {
                throw RecordError(.forbidden, entity: entityName, "you may not claim \(entityName) records from the public pool")
            }
            guard let record = try transaction.get(entityName, id: id, access: access.filter) else {
                throw RecordError(.notFound, entity: entityName, "\(entityName) #\(id) does not exist")
            }
            guard record["owner"] == .null else {
                throw RecordError(.forbidden, entity: entityName, "\(entityName) #\(id) was claimed by someone else")
            }
            return try ownerChange(entityName, id: id, to: user, action: "claim", in: transaction)
        }
    }

    /// Returns a record of a pool entity to the public pool (退回公海): no owner, its department
    /// kept. The acting user needs update rights on the record. History action `release`.
    @discardableResult
    public func release(_ entityName: String, id: Int64, in transaction: RecordTransaction) throws(RecordError) -> Record {
        guard schema.entity(entityName)?.isPool == true else {
            throw RecordError(.invalid, entity: entityName, "\(entityName) records have no public pool", problems: [FieldProblem(field: "owner", .required)])
        }
        try requireUpdate(entityName, id: id, in: transaction)
        return try transaction.asEngine.update(entityName, id: id, ["owner": .null], action: "release")
    }

    /// Gives a record a new owner (and the owner's department).
    @discardableResult
    public func transfer(_ entityName: String, id: Int64, to user: DirectoryUser, as actor: Actor) throws(RecordError) -> Record {
        try write(as: actor) { transaction in try ownerChange(entityName, id: id, to: user, action: "transfer", in: transaction) }
    }

    /// Gives a record a new owner inside `transaction`, if the acting user may update the record
    /// (the API's PATCH of `owner`). History action `transfer`.
    @discardableResult
    public func transfer(_ entityName: String, id: Int64, to user: DirectoryUser, in transaction: RecordTransaction) throws(RecordError)
        -> Record
    {
        try requireUpdate(entityName, id: id, in: transaction)
        return try ownerChange(entityName, id: id, to: user, action: "transfer", in: transaction)
    }

    /// Gives a record to the active user `userID` (a PATCH of `owner`, the record page's transfer).
    @discardableResult
    public func transfer(_ entityName: String, id: Int64, toUser userID: Int64, in transaction: RecordTransaction) throws(RecordError)
        -> Record
    {
        guard let owner = try transaction.user(id: userID), owner.isActive else {
            throw RecordError(
                .invalid, entity: entityName, "the new owner must be an active user",
                problems: [FieldProblem(field: "owner", .inactiveUser(userID))])
        }
        return try transfer(entityName, id: id, to: owner, in: transaction)
    }

    /// Shares a record (共享) with a user or a department (and the departments below it), for
    /// reading or also editing, if the acting user may update the record.
    public func share(
        _ entityName: String, id: Int64, user: Int64? = nil, department: Int64? = nil, canEdit: Bool, in transaction: RecordTransaction
    ) throws(RecordError) {
        try requireUpdate(entityName, id: id, in: transaction)
        if let user, try transaction.user(id: user)?.isActive != true {
            throw RecordError(.invalid, entity: entityName, "there is no active user #\(user) to share with")
        }
        if let department, try transaction.department(id: department) == nil {
            throw RecordError(.invalid, entity: entityName, "there is no department #\(department) to share with")
        }
        try transaction.share(entityName, record: id, user: user, department: department, canEdit: canEdit)
    }

    /// Transfers several records (a list page's ticked rows); a refusal names its record, and the
    /// caller's transaction rolls back the others.
    public func transfer(_ entityName: String, ids: [Int64], toUser userID: Int64, in transaction: RecordTransaction) throws(RecordError) {
        for id in ids {
            do { try transfer(entityName, id: id, toUser: userID, in: transaction) } catch { throw error.naming(record: id) }
        }
    }

    /// Shares several records with one user or department; a refusal names its record.
    public func share(
        _ entityName: String, ids: [Int64], user: Int64? = nil, department: Int64? = nil, canEdit: Bool, in transaction: RecordTransaction
    ) throws(RecordError) {
        for id in ids {
            do {
                try share(entityName, id: id, user: user, department: department, canEdit: canEdit, in: transaction)
            } catch {
                throw error.naming(record: id)
            }
        }
    }

    /// Gives every record `from` owns, in every entity with owners, to `to` (a rep who leaves).
    /// Returns how many records moved.
    @discardableResult
    public func transferAll(from: DirectoryUser, to: DirectoryUser, as actor: Actor) throws(RecordError) -> Int {
        guard to.isActive else { throw RecordError(.invalid, entity: "user", "there is no active user '\(to.login)'") }
        return try write(as: actor) { transaction in
            var moved = 0
            for entity in schema.entities where entity.ownership == .user && entity.detailOf == nil {
                var after: String?
                var ids: [Int64] = []
                repeat {
                    let page = try transaction.query(
                        RecordQuery(
                            entity: entity.name, filter: .condition(field: "owner", op: .eq, values: [.integer(from.id)]), limit: 1000,
                            after: after))
                    ids += page.records.map(\.id)
                    after = page.nextCursor
                } while after != nil
                for id in ids { _ = try ownerChange(entity.name, id: id, to: to, action: "transfer", in: transaction) }
                moved += ids.count
            }
            return moved
        }
    }

    /// Refuses (as an update would: not found, forbidden, locked) unless the acting user may
    /// change the record; ownership changes and shares need that.
    private func requireUpdate(_ entityName: String, id: Int64, in transaction: RecordTransaction) throws(RecordError) {
        _ = try transaction.update(entityName, id: id, [:], access: try access(entityName, for: transaction.actor, in: transaction))
    }

    /// A refused action in the system log, in its own transaction, after the refused one rolled back.
    func logDenial(_ detail: String, user: DirectoryUser) throws(RecordError) {
        try store.write(as: .system) { try $0.logEvent("denied", user: user.id, login: user.login, detail: detail) }
    }

    private func ownerChange(_ entity: String, id: Int64, to user: DirectoryUser, action: String, in transaction: RecordTransaction)
        throws(RecordError) -> Record
    {
        return try transaction.asEngine.update(
            entity, id: id, ["owner": .integer(user.id), "department": user.departmentID.map(Value.integer) ?? .null], action: action)
    }
}

/// Attachments (`file` fields): stored as uploaded, downloaded by whoever may read a record
/// whose visible file field holds them, and by their uploader.
extension Engine {
    /// Stores an upload; the returned id is a `file` field's value. Records refer to it when saved.
    public func storeFile(name: String, contentType: String, data: Data, as user: DirectoryUser) throws(RecordError) -> Int64 {
        try write(as: user.actor) { try storeFile(name: name, contentType: contentType, data: data, in: $0) }
    }

    /// `storeFile(name:contentType:data:as:)` inside a write: a form's upload is stored with the
    /// record that holds it, or not at all.
    public func storeFile(name: String, contentType: String, data: Data, in transaction: RecordTransaction) throws(RecordError) -> Int64 {
        guard data.count <= requestBodyLimit else {
            throw RecordError(.invalid, entity: "file", "the file is \(data.count) bytes; at most \(requestBodyLimit) are allowed")
        }
        let clean = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return try transaction.storeFile(
            name: clean.isEmpty ? "file" : String(clean.prefix(200)), contentType: contentType.isEmpty ? "application/octet-stream" : contentType,
            data: data)
    }

    /// An attachment `user` may download: theirs, or held by a record they may read (in a field
    /// they may see). Anything else is "not found", as records are.
    public func file(_ id: Int64, for user: DirectoryUser) throws(RecordError) -> StoredFile {
        try read(as: user.actor) { transaction in
            let missing = RecordError(.notFound, entity: "file", "file #\(id) does not exist or you may not see it")
            guard let file = try transaction.file(id: id) else { throw missing }
            if file.createdBy == user.id { return file }
            for entity in schema.entities {
                let fields = entity.fields.filter { $0.type == .file }
                guard !fields.isEmpty else { continue }
                let access = try access(entity.name, for: user, in: transaction)
                for field in fields where !access.readsNothing && !access.hiddenFields.contains(field.name) {
                    let holders = try transaction.count(
                        entity.name, filter: .condition(field: field.name, op: .eq, values: [.integer(id)]), cap: 1, access: access)
                    if holders.value > 0 { return file }
                }
            }
            throw missing
        }
    }
}

/// Exports (导出) with the user's access: the rows they may read, without the fields they may not
/// see; only for roles with `export`. Each export goes to the system log.
extension Engine {
    @discardableResult
    public func exportCSV(_ query: RecordQuery, columns: [String]? = nil, to output: OutputStream, as user: DirectoryUser)
        throws(RecordError) -> Int
    {
        let access = try read(as: user.actor) { try AccessPolicy.access(query.entity, for: user, in: $0) }
        guard access.mayExport else {
            try logDenial("export \(query.entity)", user: user)
            throw RecordError(.forbidden, entity: query.entity, "you may not export \(query.entity) records")
        }
        let count = try RecordTransfer.exportCSV(query, columns: columns, from: store, to: output, as: user.actor, access: access.filter)
        try store.write(as: .system) {
            try $0.logEvent("export", user: user.id, login: user.login, detail: "\(query.entity): \(count) records")
        }
        return count
    }
}

extension Engine {
    /// Records that the entity's `<duplicate>` rules say look like `values` (a new record), as
    /// `user` may learn about them.
    public func likelyDuplicates(_ entityName: String, of values: [String: Value], excluding id: Int64? = nil, for user: DirectoryUser)
        throws(RecordError) -> [LikelyDuplicate]
    {
        guard schema.entity(entityName)?.duplicateRules.isEmpty == false else { return [] }  // no rules, no read
        return try read(as: user.actor) { transaction in
            let candidates = try transaction.likelyDuplicates(entityName, of: values, excluding: id)
            guard !candidates.isEmpty else { return [] }
            return try transaction.described(candidates, of: entityName, readable: try access(entityName, for: user, in: transaction))
        }
    }
}

extension Engine {
    /// Puts back the values a change replaced (变更记录 → 恢复): the fields changed in history
    /// entry `version` get their old values again, as the acting user's edit (their access,
    /// read-only fields and rules apply; the restore is a new history entry). Returns the record.
    @discardableResult
    public func restoreChange(_ entityName: String, id: Int64, version: Int64, in transaction: RecordTransaction) throws(RecordError) -> Record {
        let access = try access(entityName, for: transaction.actor, in: transaction)
        guard let entry = try transaction.history(entityName, id: id, access: access).first(where: { $0.version == version }) else {
            throw RecordError(.notFound, entity: entityName, "\(entityName) #\(id) has no change \(version)")
        }
        let restorable = restorableFields(of: entry, entityName, access: access)
        let values = entry.changes.filter { restorable.contains($0.key) }.mapValues(\.old)
        guard !values.isEmpty else {
            throw RecordError(.invalid, entity: entityName, "change \(version) of \(entityName) #\(id) changed nothing that can be put back")
        }
        return try transaction.update(entityName, id: id, values, access: access)
    }

    /// The fields of a history entry that `restoreChange` would put back for a user with `access`:
    /// those they may write. Not its lines, stamps, codes, nor what rules compute (read-only).
    public func restorableFields(of entry: HistoryEntry, _ entityName: String, access: AccessFilter) -> Set<String> {
        let entity = schema.entity(entityName)
        return Set(
            entry.changes.keys.filter { name in
                guard let field = entity?.field(name) else { return false }  // lines (`LineChange` keys) too
                return !field.isSystem && !field.isReadonly && field.type != .autonumber
                    && !access.readonlyFields.contains(name) && !access.hiddenFields.contains(name)
            })
    }
}
