import Foundation
import GRDB
import KithSchema
import Testing

@testable import KithStore

/// Each migration step on a real file: the store opened with one schema, then another.
@Suite struct MigrationTests {
    let folder: URL
    var path: String { folder.appendingPathComponent("kith.sqlite").path }
    let actor = TestStore.alice

    init() throws {
        folder = try TestStore.folder("migrate")
    }

    func schema(_ body: String) throws -> Schema {
        try TestStore.schema(module: body, in: folder)
    }

    func open(_ body: String, migrate: Bool = true) throws -> RecordStore {
        try RecordStore.open(at: path, schema: try schema(body), timeZone: TestStore.zone, clock: .fixed(TestStore.now), migrate: migrate)
    }

    static let base = """
        <entity name="item" title="name">
          <field name="name" type="text" max="20"/>
          <field name="size" type="text"/>
          <field name="qty" type="integer"/>
        </entity>
        """

    @Test func aNewDatabaseGetsEveryTableAndThenMatches() throws {
        let store = try open(Self.base)
        #expect(try store.pendingPlan().isEmpty)
        #expect(try store.recordedLayout() == store.layout)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func additiveChangesApplyOnOpen() throws {
        let first = try open(Self.base)
        _ = try first.create("item", ["name": "bolt"], as: actor, access: .unrestricted)
        try first.close()
        let second = try open(
            """
            <entity name="item" title="name">
              <field name="name" type="text" max="20" search="true"/>
              <field name="size" type="text"/>
              <field name="qty" type="integer" index="true"/>
              <field name="price" type="money" default="0"/>
              <field name="related" type="multiref" entity="item"/>
            </entity>
            <entity name="bin"><field name="label" type="text"/></entity>
            """)
        let item = try #require(try second.get("item", id: 1, as: actor, access: .unrestricted))
        #expect(item["name"] == "bolt")
        #expect(item["price"] == .null, "existing records have no value for a new field")
        #expect(try second.query(RecordQuery(entity: "item", search: "bol"), as: actor, access: .unrestricted).records.count == 1)
        _ = try second.create("bin", ["label": "A1"], as: actor, access: .unrestricted)
        #expect(try second.pendingPlan().isEmpty)
    }

    /// A served workspace's reload: the same database under a new schema, migrated additively,
    /// while the first store keeps serving; only the tables whose indexes changed are analyzed
    /// again; a destructive change is refused and changes nothing.
    @Test func aStoreReopensUnderANewSchemaWhileTheOldOneServes() throws {
        let bins = #"<entity name="bin" title="label"><field name="label" type="text" index="true"/></entity>"#
        let first = try open(Self.base + bins)
        defer { try? first.close() }
        for number in 0..<20 {
            _ = try first.create(
                "item", ["name": .text("item \(number)"), "qty": .integer(Int64(number))], as: actor, access: .unrestricted)
            _ = try first.create("bin", ["label": .text("bin \(number % 3)")], as: actor, access: .unrestricted)
        }
        try first.analyze()
        let statistics = { try first.pool.read { db in try String.fetchSet(db, sql: "SELECT DISTINCT tbl FROM sqlite_stat1") } }
        #expect(try statistics().contains("e_bin"))
        try first.pool.write { db in try db.execute(sql: "DELETE FROM sqlite_stat1") }

        let indexed = Self.base.replacingOccurrences(of: #"name="qty" type="integer""#, with: #"name="qty" type="integer" index="true""#)
        let noted = bins.replacingOccurrences(of: "</entity>", with: #"<field name="note" type="text"/></entity>"#)
        let (second, plan) = try first.reopened(schema: try schema(indexed + noted), timeZone: TestStore.zone)
        #expect(plan.steps.map(\.summary).contains("add field 'bin.note' (text)"))
        #expect(try second.pendingPlan().isEmpty && second.recordedLayout() == second.layout)
        #expect(try statistics() == ["e_item"], "the new index's table only")

        // Both stores write to the same database through the same writer.
        _ = try first.create("item", ["name": "from the first"], as: actor, access: .unrestricted)
        let bin = try second.create("bin", ["label": "new", "note": "after the reload"], as: actor, access: .unrestricted)
        #expect(try first.get("bin", id: bin.id, as: actor, access: .unrestricted)?["label"] == "new")
        #expect(try second.count("item", as: actor, access: .unrestricted).value == 21)

        // Dropping a field is destructive: refused, and the recorded layout stays the second's.
        #expect(throws: RecordStore.OpenError.self) { try second.reopened(schema: try schema(Self.base + bins), timeZone: TestStore.zone) }
        #expect(try second.pendingPlan().isEmpty)
        #expect(try first.integrityCheck() == "ok")
    }

    @Test func destructiveChangesWaitForPermissionAndTakeABackup() throws {
        let first = try open(Self.base)
        _ = try first.create("item", ["name": "bolt", "size": "M8"], as: actor, access: .unrestricted)
        try first.close()
        let narrower = """
            <entity name="item" title="name"><field name="name" type="text" max="20"/><field name="qty" type="integer"/></entity>
            """
        do {
            _ = try open(narrower)
            Issue.record("dropped a field without permission")
        } catch {
            #expect(String(describing: error).contains("drop field 'item.size'"))
        }
        let store = try open(narrower, migrate: false)
        #expect(try store.pendingPlan().report.contains("ALTER TABLE \"e_item\" DROP COLUMN \"size\""))
        let backup = folder.appendingPathComponent("backups/before.sqlite")
        try store.migrate(allowDestructive: true, backup: backup)
        #expect(try store.get("item", id: 1, as: actor, access: .unrestricted)?.values["size"] == nil)
        let old = try RecordStore.open(at: backup.path, schema: try schema(Self.base), timeZone: TestStore.zone, migrate: false)
        #expect(try old.get("item", id: 1, as: actor, access: .unrestricted)?["size"] == "M8")
    }

    /// Dropping or retyping a searched field while others stay searched: the index's triggers go
    /// before the column (SQLite refused the drop while a trigger named it), the index comes back.
    @Test func searchedFieldsAreDroppedAndRetyped() throws {
        let searched = """
            <entity name="item" title="name">
              <field name="name" type="text" search="true"/><field name="place" type="text" search="true"/>
              <field name="size" type="text" search="true"/>
            </entity>
            """
        let first = try open(searched)
        _ = try first.create("item", ["name": "bolt", "place": "shelf 4", "size": "12"], as: actor, access: .unrestricted)
        try first.close()
        let store = try open(
            """
            <entity name="item" title="name"><field name="name" type="text" search="true"/><field name="size" type="integer"/></entity>
            """, migrate: false)
        try store.migrate(allowDestructive: true, backup: nil)
        #expect(try store.get("item", id: 1, as: actor, access: .unrestricted)?["size"] == .integer(12))
        #expect(try store.query(RecordQuery(entity: "item", search: "bolt"), as: actor, access: .unrestricted).records.count == 1)
        _ = try store.update("item", id: 1, ["name": "nut"], as: actor, access: .unrestricted)
        #expect(try store.query(RecordQuery(entity: "item", search: "nut"), as: actor, access: .unrestricted).records.count == 1)
        #expect(try store.integrityCheck() == "ok")
        try store.checkSearchIndexes()
    }

    /// Databases from before the full-text index was kept beside the file hold it inside, with a
    /// trigger or two feeding it: opening one drops them, notes the changes instead, and the
    /// index beside the file finds what the old one found.
    @Test func searchIndexesInsideTheDatabaseMoveBesideIt() throws {
        let searched = #"<entity name="item" title="name"><field name="name" type="text" search="true"/></entity>"#
        let first = try open(searched)
        _ = try first.create("item", ["name": "bolt"], as: actor, access: .unrestricted)
        _ = try first.create("item", ["name": "nut"], as: actor, access: .unrestricted)
        try first.close()
        for suffix in ["-search", "-search-wal", "-search-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in  // the database as Kith left it before
            try db.execute(sql: "DROP TABLE kith_search_columns")
            for trigger in ["s_item_noted_insert", "s_item_noted_update", "s_item_noted_delete"] {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(
                sql: #"CREATE VIRTUAL TABLE "s_item" USING fts5("name", content="e_item", content_rowid='id', tokenize='trigram')"#)
            try db.execute(sql: "INSERT INTO s_item(s_item) VALUES ('rebuild')")
            try db.execute(
                sql: """
                    CREATE TRIGGER "s_item_ad" AFTER DELETE ON "e_item" BEGIN
                    INSERT INTO "s_item"("s_item", rowid, "name") VALUES ('delete', old."id", old."name"); END;
                    CREATE TRIGGER "s_item_au" AFTER UPDATE OF "name" ON "e_item" BEGIN
                    INSERT INTO "s_item"("s_item", rowid, "name") VALUES ('delete', old."id", old."name");
                    INSERT INTO "s_item"(rowid, "name") VALUES (new."id", new."name"); END
                    """)
        }
        try queue.close()
        let store = try open(searched)
        #expect(try store.query(RecordQuery(entity: "item", search: "bolt"), as: actor, access: .unrestricted).records.count == 1)
        _ = try store.update("item", id: 2, ["name": "washer"], as: actor, access: .unrestricted)
        #expect(try store.query(RecordQuery(entity: "item", search: "washer"), as: actor, access: .unrestricted).records.count == 1)
        #expect(try store.query(RecordQuery(entity: "item", search: "nut"), as: actor, access: .unrestricted).records.isEmpty)
        try store.delete("item", id: 1, as: actor, access: .unrestricted)
        #expect(try store.query(RecordQuery(entity: "item", search: "bolt"), as: actor, access: .unrestricted).records.isEmpty)
        try store.checkSearchIndexes()
        try store.close()
        let left = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name GLOB 's_item*' ORDER BY name")
        }
        #expect(left == ["s_item_noted_delete", "s_item_noted_insert", "s_item_noted_update"])
    }

    /// Databases from before messages kept their text in every language get the column when
    /// opened; their messages read as they were written.
    @Test func messagesFromBeforeTheirLanguagesStillRead() throws {
        let first = try open(Self.base)
        try first.write(as: .system) { transaction in
            let user = try transaction.addUser(login: "li", name: "Li", roles: [])
            try transaction.postMessage(to: user, text: "旧消息")
        }
        try first.close()
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "ALTER TABLE kith_message DROP COLUMN texts") }
        try queue.close()
        let store = try open(Self.base)
        let texts = try store.read(as: .system) { try $0.inbox(of: 1, dueBy: "9999", language: "en").map(\.text) }
        #expect(texts == ["旧消息"])
    }

    @Test func typeChangesConvertWhatConverts() throws {
        let first = try open(Self.base)
        _ = try first.create("item", ["name": "a", "size": "42"], as: actor, access: .unrestricted)
        _ = try first.create("item", ["name": "b", "size": "large"], as: actor, access: .unrestricted)
        try first.close()
        let store = try open(
            """
            <entity name="item" title="name"><field name="name" type="text" max="20"/><field name="size" type="decimal" scale="1"/><field name="qty" type="integer"/></entity>
            """, migrate: false)
        try store.migrate(allowDestructive: true, backup: nil)
        #expect(try store.get("item", id: 1, as: actor, access: .unrestricted)?["size"].description == "42.0")
        #expect(try store.get("item", id: 2, as: actor, access: .unrestricted)?["size"] == .null)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func narrowingIsRefusedWithTheRecordsInTheWay() throws {
        let first = try open(Self.base)
        _ = try first.create("item", ["name": "a-long-name-here"], as: actor, access: .unrestricted)
        _ = try first.create("item", ["name": "dup", "size": "S"], as: actor, access: .unrestricted)
        _ = try first.create("item", ["name": "dup", "size": "S"], as: actor, access: .unrestricted)
        try first.close()
        let tighter = """
            <entity name="item" title="name">
              <field name="name" type="text" max="10" unique="true"/>
              <field name="size" type="text" required="true"/>
              <field name="qty" type="integer"/>
            </entity>
            """
        do {
            _ = try open(tighter)
            Issue.record("narrowed over existing data")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("cannot make field 'item.size' required: 1 record have no value (ids 1)"), "\(text)")
            #expect(
                text.contains("cannot shorten field 'item.name' to 10 characters: 1 record are longer than 10 characters (ids 1)"),
                "\(text)")
            #expect(
                text.contains("cannot create unique index on 'item' (name): 2 records share a value with another record (ids 2, 3)"),
                "\(text)")
        }
        // Nothing was applied.
        let unchanged = try open(Self.base)
        #expect(try unchanged.pendingPlan().isEmpty)
        _ = try unchanged.update("item", id: 1, ["name": "short", "size": "L"], as: actor, access: .unrestricted)
        _ = try unchanged.update("item", id: 3, ["name": "dup2"], as: actor, access: .unrestricted)
        try unchanged.close()
        let store = try open(tighter)
        #expect(try store.pendingPlan().isEmpty)
        #expect(throws: KithStore.RecordError.self) {
            try store.create("item", ["name": "dup", "size": "S"], as: actor, access: .unrestricted)
        }
    }

    @Test func droppingAnEntityIsDestructive() throws {
        let first = try open(Self.base + "<entity name=\"bin\"><field name=\"label\" type=\"text\"/></entity>")
        try first.close()
        let store = try open(Self.base, migrate: false)
        let plan = try store.pendingPlan()
        #expect(plan.isDestructive)
        #expect(plan.steps.map(\.summary) == ["drop entity 'bin' and all its records (DESTRUCTIVE)"])
    }
}
