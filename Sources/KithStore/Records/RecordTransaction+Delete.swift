import Foundation
import GRDB
import KithSchema

/// A deleted record waiting in the recycle bin (回收站).
public struct RecycledRecord: Sendable, Equatable {
    /// Records deleted together (a record and what cascaded from it) share a batch and are restored together.
    public let batch: Int64
    public let entity: String
    public let recordID: Int64
    public let title: String
    public let deletedBy: Int64?
    public let deletedAt: String
}

extension RecordTransaction {
    /// Deletes a record: its lines go with it, records that refer to it through `cascade`
    /// references are deleted too, `set-null` references are cleared, and any `restrict`
    /// reference refuses the whole delete. Everything deleted goes to the recycle bin as one batch.
    public func delete(
        _ entityName: String, id: Int64, expectedVersion: Int64? = nil, access: AccessFilter = .unrestricted
    ) throws(RecordError) {
        let (entity, table) = try self.entity(entityName)
        guard entity.detailOf == nil else {
            throw RecordError(
                .invalidQuery, entity: entityName, "'\(entityName)' is a line item; remove it by saving its '\(entity.detailOf ?? "")'")
        }
        try storage(entityName) {
            let current = try loadForWrite(
                entity, table, id: id, condition: access.delete, readable: access.read, expectedVersion: expectedVersion, verb: "delete")
            if actor.origin == .user, let state = current["state"]?.text, entity.workflow?.state(state)?.isLocked == true {
                throw RecordError(.locked, entity: entityName, "\(entityName) #\(id) is locked in state '\(state)' and cannot be deleted")
            }
            if let hooks, entity.hooks(.beforeDelete) { try hooks.beforeDelete(entity, record: current, in: self) }
            let plan = try deletionPlan(entity.name, id)
            let batch = (try Int64.fetchOne(db, sql: "SELECT max(batch) FROM kith_recycle") ?? 0) + 1
            for (referrer, field, referrerID) in plan.clear {
                try clearReference(referrer, field: field, id: referrerID)
            }
            for (name, recordID) in plan.records {
                try remove(name, recordID, batch: batch)
            }
            if let hooks, entity.hooks(.afterDelete) { try hooks.afterDelete(entity, record: current, in: self) }
        }
    }

    private struct DeletionPlan {
        var records: [(String, Int64)] = []
        var clear: [(String, String, Int64)] = []
    }

    /// The records a delete takes with it, the references it clears, or the restrict that forbids it.
    private func deletionPlan(_ entityName: String, _ id: Int64) throws -> DeletionPlan {
        var plan = DeletionPlan()
        var seen: Set<String> = ["\(entityName)#\(id)"]
        var queue = [(entityName, id)]
        var restricted: [(String, String, Int64, String, Int64)] = []
        var clears: [(String, String, Int64)] = []
        while !queue.isEmpty {
            let (name, recordID) = queue.removeFirst()
            plan.records.append((name, recordID))
            for referrer in schema.entities {
                guard let referrerTable = store.layout.table(referrer.name) else { continue }
                for field in referrer.fields where field.type == .ref && field.target == name {
                    if referrer.detailOf == name { continue }  // lines go with their master
                    let ids = try Int64.fetchAll(
                        db, sql: "SELECT id FROM \(SQL.quote(referrerTable.name)) WHERE \(SQL.quote(field.name)) = ?", arguments: [recordID]
                    )
                    for referrerID in ids {
                        let key = "\(referrer.name)#\(referrerID)"
                        let owner = try referrer.detailOf.map { ($0, try masterID(of: referrer, line: referrerID)) }
                        switch field.onDelete {
                        case .cascade:
                            if referrer.detailOf != nil {
                                if let (master, masterID) = owner, let masterID, seen.insert("\(master)#\(masterID)").inserted {
                                    queue.append((master, masterID))
                                }
                            } else if seen.insert(key).inserted {
                                queue.append((referrer.name, referrerID))
                            }
                        case .restrict: restricted.append((referrer.name, field.name, referrerID, name, recordID))
                        case .setNull: clears.append((referrer.name, field.name, referrerID))
                        }
                    }
                }
            }
        }
        let deleted = Set(plan.records.map { "\($0.0)#\($0.1)" })
        let blocking = restricted.filter { !deleted.contains("\($0.0)#\($0.2)") }
        if let first = blocking.first {
            let sameKind = blocking.filter { $0.0 == first.0 && $0.1 == first.1 }
            let ids = sameKind.prefix(10).map { "#\($0.2)" }.joined(separator: ", ") + (sameKind.count > 10 ? ", ..." : "")
            let records = sameKind.count == 1 ? "1 \(first.0) record (\(ids)) refers" : "\(sameKind.count) \(first.0) records (\(ids)) refer"
            throw RecordError(.referenced, entity: entityName, "\(first.3) #\(first.4) cannot be deleted: \(records) to it through '\(first.1)'")
        }
        plan.clear = clears.filter { !deleted.contains("\($0.0)#\($0.2)") }
        return plan
    }

    private func masterID(of detail: Entity, line: Int64) throws -> Int64? {
        guard let master = detail.detailOf, let field = masterField(of: detail, master: master), let table = store.layout.table(detail.name)
        else { return nil }
        return try Int64.fetchOne(db, sql: "SELECT \(SQL.quote(field)) FROM \(SQL.quote(table.name)) WHERE id = ?", arguments: [line])
    }

    private func clearReference(_ entityName: String, field: String, id: Int64) throws {
        guard let entity = schema.entity(entityName), let table = store.layout.table(entityName),
            let current = try fetchValues(table, id: id)
        else { return }
        let version = (current["version"]?.integer ?? 1) + 1
        try writeRow(table, id: id, [field: .null], version: version, expected: current["version"]?.integer ?? 1)
        try writeHistory(
            entity, id: id, version: version, action: "update", changes: [field: (current[field] ?? .null, .null)],
            comment: "cleared: the record it referred to was deleted")
    }

    /// Moves one record, its lines and the links to it into the recycle bin.
    private func remove(_ entityName: String, _ id: Int64, batch: Int64) throws {
        guard let entity = schema.entity(entityName), let table = store.layout.table(entityName),
            let values = try fetchValues(table, id: id)
        else { return }
        var lines: [String: Any] = [:]
        for detail in schema.details(of: entityName) {
            guard let detailTable = store.layout.table(detail.name), let master = masterField(of: detail, master: entityName) else {
                continue
            }
            let ids = try Int64.fetchAll(
                db, sql: "SELECT id FROM \(SQL.quote(detailTable.name)) WHERE \(SQL.quote(master)) = ?", arguments: [id])
            var rows: [[String: Any]] = []
            for lineID in ids {
                guard let line = try fetchValues(detailTable, id: lineID) else { continue }
                rows.append(line.mapValues(HistoryCoding.json))
                try db.run("DELETE FROM \(SQL.quote(detailTable.name)) WHERE id = ?", arguments: [lineID])
                for (_, link) in detailTable.links {
                    try db.run("DELETE FROM \(SQL.quote(link)) WHERE record = ?", arguments: [lineID])
                }
            }
            lines[detail.name] = rows
        }
        var incoming: [[String: Any]] = []
        for other in store.layout.tables {
            for (field, link) in other.links where schema.entity(other.entity)?.field(field)?.target == entityName {
                let records = try Int64.fetchAll(db, sql: "SELECT record FROM \(SQL.quote(link)) WHERE target = ?", arguments: [id])
                for record in records { incoming.append(["link": link, "record": NSNumber(value: record)]) }
                try db.run("DELETE FROM \(SQL.quote(link)) WHERE target = ?", arguments: [id])
            }
        }
        for (_, link) in table.links {
            try db.run("DELETE FROM \(SQL.quote(link)) WHERE record = ?", arguments: [id])
        }
        let data: [String: Any] = ["values": values.mapValues(HistoryCoding.json), "lines": lines, "incoming": incoming]
        try db.run("INSERT INTO kith_recycle (batch, entity, record, data, deleted_by, deleted_at) VALUES (?, ?, ?, ?, ?, ?)", arguments: [
                batch, entityName, id,
                String(decoding: try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys]), as: UTF8.self),
                actor.userID, nowText,
            ])
        try writeHistory(
            entity, id: id, version: (values["version"]?.integer ?? 1) + 1, action: "delete", changes: values.mapValues { ($0, .null) })
        try db.run("DELETE FROM \(SQL.quote(table.name)) WHERE id = ?", arguments: [id])
    }

    /// The recycle bin, newest first; `entity` narrows it to one entity.
    public func recycleBin(entity: String? = nil, limit: Int = 100) throws(RecordError) -> [RecycledRecord] {
        try storage(entity ?? "") {
            var sql = "SELECT batch, entity, record, data, deleted_by, deleted_at FROM kith_recycle"
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let entity {
                sql += " WHERE entity = ?"
                arguments.append(entity)
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                let name: String = row[1]
                let json = (try? JSONSerialization.jsonObject(with: Data((row[3] as String).utf8))) as? [String: Any]
                let values = json?["values"] as? [String: Any] ?? [:]
                let titleField = schema.entity(name)?.titleField ?? "id"
                let title = values[titleField].map { HistoryCoding.value($0, schema.entity(name)?.field(titleField)).description } ?? ""
                return RecycledRecord(batch: row[0], entity: name, recordID: row[2], title: title, deletedBy: row[4], deletedAt: row[5])
            }
        }
    }

    /// Puts every record of a recycle-bin batch back, with its lines and links. References to
    /// records that are gone meanwhile are left empty.
    public func restoreDeleted(batch: Int64) throws(RecordError) {
        try storage("") {
            let rows = try Row.fetchAll(
                db, sql: "SELECT entity, record, data FROM kith_recycle WHERE batch = ? ORDER BY id", arguments: [batch])
            guard !rows.isEmpty else { throw RecordError(.notFound, entity: "", "recycle-bin batch \(batch) does not exist") }
            var incomingLinks: [(String, Int64, Int64)] = []
            for row in rows {
                let name: String = row[0]
                let recordID: Int64 = row[1]
                guard let entity = schema.entity(name), let table = store.layout.table(name),
                    let json = (try? JSONSerialization.jsonObject(with: Data((row[2] as String).utf8))) as? [String: Any]
                else { continue }
                let values = try decodeStored(entity, json["values"] as? [String: Any] ?? [:])
                try insertRestored(entity, table, values)
                for (detailName, list) in json["lines"] as? [String: [[String: Any]]] ?? [:] {
                    guard let detail = schema.entity(detailName), let detailTable = store.layout.table(detailName) else { continue }
                    for line in list { try insertRestored(detail, detailTable, try decodeStored(detail, line)) }
                }
                for link in json["incoming"] as? [[String: Any]] ?? [] {
                    if let table = link["link"] as? String, let record = (link["record"] as? NSNumber)?.int64Value {
                        incomingLinks.append((table, record, recordID))
                    }
                }
                try writeHistory(
                    entity, id: recordID, version: (values["version"]?.integer ?? 1) + 1, action: "restore", changes: [:],
                    comment: "restored from the recycle bin")
            }
            for (link, record, target) in incomingLinks {
                try db.run("INSERT OR IGNORE INTO \(SQL.quote(link)) (record, target, position) VALUES (?, ?, 0)",
                    arguments: [record, target])
            }
            try db.run("DELETE FROM kith_recycle WHERE batch = ?", arguments: [batch])
        }
    }

    private func decodeStored(_ entity: Entity, _ json: [String: Any]) throws -> [String: Value] {
        var values: [String: Value] = [:]
        for (name, raw) in json {
            guard let field = entity.field(name) else { continue }
            var value = HistoryCoding.value(raw, field)
            if field.type == .ref, let target = field.target, let id = value.integer, let table = store.layout.table(target),
                try !exists(table.name, id)
            {
                value = .null
            }
            if field.type == .multiref, let target = field.target, let table = store.layout.table(target), let ids = value.list {
                value = .list(try ids.filter { try $0.integer.map { try exists(table.name, $0) } ?? false })
            }
            values[name] = value
        }
        return values
    }

    private func insertRestored(_ entity: Entity, _ table: StorageLayout.Table, _ values: [String: Value]) throws {
        if let id = values["id"]?.integer, try exists(table.name, id) {
            throw RecordError(.duplicate, entity: entity.name, "\(entity.name) #\(id) exists again; it cannot be restored over")
        }
        _ = try insert(entity, table, values)
    }
}
