import Foundation
import GRDB
import KithSchema
import Testing

@testable import KithStore

/// The full-text index beside the database: a moment behind the writes, never behind a search,
/// and made again from the records whenever it cannot be trusted.
@Suite struct SearchIndexTests {
    let folder: URL
    var path: String { folder.appendingPathComponent("kith.sqlite").path }
    let actor = TestStore.alice

    init() throws {
        folder = try TestStore.folder("search")
    }

    func schema(notesSearched: Bool = true) throws -> Schema {
        let item = """
            <entity name="item" title="name">
              <field name="name" type="text" search="true"/>
              <field name="notes" type="text" search="\(notesSearched)"/>
              <field name="qty" type="integer"/>
            </entity>
            """
        return try TestStore.schema(module: item, in: folder)
    }

    func open(notesSearched: Bool = true) throws -> RecordStore {
        try RecordStore.open(
            at: path, schema: try schema(notesSearched: notesSearched), timeZone: TestStore.zone, clock: .fixed(TestStore.now))
    }

    func names(_ store: RecordStore, _ search: String) throws -> [String] {
        try store.query(RecordQuery(entity: "item", search: search, sort: [.init("name")]), as: actor, access: .unrestricted)
            .records.map { $0["name"].description }
    }

    func names(_ store: RecordStore, containing text: String) throws -> [String] {
        let filter = RecordFilter.condition(field: "notes", op: .contains, values: [.text(text)])
        return try store.query(RecordQuery(entity: "item", filter: filter, sort: [.init("name")]), as: actor, access: .unrestricted)
            .records.map { $0["name"].description }
    }

    /// Writes the index has not applied (here its thread is stopped, and another program wrote
    /// them) are found by their current text, and no longer by their old one.
    @Test func searchesFindWhatTheIndexHasNotAppliedYet() throws {
        let store = try open()
        for (name, notes) in [("Bolt M8", "zinc plated"), ("Nut M8", "stainless steel"), ("Washer", "zinc plated")] {
            _ = try store.create("item", ["name": .text(name), "notes": .text(notes)], as: actor, access: .unrestricted)
        }
        try store.catchUpSearch()
        try store.search.close()  // nothing is applied from here on
        let other = try DatabaseQueue(path: path)
        try other.write { db in
            try db.execute(sql: "UPDATE e_item SET name = 'Bolt M10', notes = 'hot-dip galvanized' WHERE id = 1")
            try db.execute(sql: "INSERT INTO e_item (name, notes, version) VALUES ('Rivet', 'galvanized aluminium', 1)")
            try db.execute(sql: "DELETE FROM e_item WHERE id = 3")
        }
        try other.close()
        #expect(try store.searchBacklog().notes == 3)
        #expect(try names(store, "M10") == ["Bolt M10"])
        #expect(try names(store, "Bolt M8").isEmpty, "the old name is not found")
        #expect(try names(store, "galvanized") == ["Bolt M10", "Rivet"])
        #expect(try names(store, "zinc").isEmpty, "nor the old notes, nor a deleted record's")
        #expect(try names(store, containing: "galvan") == ["Bolt M10", "Rivet"])
        #expect(try names(store, containing: "stainless") == ["Nut M8"])
        // Opened again, the index applies the notes it missed.
        let again = try open()
        try again.catchUpSearch()
        #expect(try again.searchBacklog().notes == 0)
        #expect(try names(again, "galvanized") == ["Bolt M10", "Rivet"])
        try again.checkSearchIndexes()
    }

    /// Saves reach the index a moment after they commit, on its own thread, and the notes it
    /// applied are deleted by a later write.
    @Test func theIndexCatchesUpOnItsOwn() async throws {
        let store = try open()
        for index in 0..<50 {
            _ = try await store.perform(as: actor) { try $0.create("item", ["name": .text("Part \(index)"), "notes": "spare"]) }
        }
        _ = try await store.perform(as: actor) { try $0.update("item", id: 1, ["notes": "obsolete"]) }
        var waited = 0
        while waited < 100, try store.searchBacklog().notes > 0 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        #expect(try store.searchBacklog().notes == 0)
        try store.checkSearchIndexes()
        _ = try await store.perform(as: actor) { try $0.update("item", id: 2, ["qty": 3]) }
        let notes = try await DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM kith_search_queue") }
        #expect(notes == 0, "applied notes are deleted")
        #expect(try names(store, "obsolete") == ["Part 0"])
    }

    /// A missing or damaged index file, or one ahead of the database (a backup copied back over
    /// it), is made again from the records; a restore removes it.
    @Test func theIndexIsMadeAgainFromTheRecords() throws {
        var store = try open()
        _ = try store.create("item", ["name": "Alpha"], as: actor, access: .unrestricted)
        let backup = folder.appendingPathComponent("backup.sqlite")
        try store.backup(to: backup)
        _ = try store.create("item", ["name": "Beta"], as: actor, access: .unrestricted)
        try store.close()

        let manager = FileManager.default
        for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: path + suffix) { try manager.removeItem(atPath: path + suffix) }
        try manager.copyItem(atPath: backup.path, toPath: path)
        store = try open()
        #expect(try names(store, "Alpha") == ["Alpha"])
        #expect(try names(store, "Beta").isEmpty)
        try store.checkSearchIndexes()
        try store.close()

        for suffix in ["-search", "-search-wal", "-search-shm"] where manager.fileExists(atPath: path + suffix) {
            try manager.removeItem(atPath: path + suffix)
        }
        store = try open()
        #expect(try names(store, "Alpha") == ["Alpha"])
        try store.checkSearchIndexes()
        try store.close()

        try Data("not a database, whatever it was".utf8).write(to: URL(fileURLWithPath: path + "-search"))
        store = try open()
        #expect(try names(store, "Alpha") == ["Alpha"], "a damaged file is made again")
        try store.checkSearchIndexes()
        try store.close()

        _ = try RecordStore.restore(backup: backup, into: URL(fileURLWithPath: path))
        #expect(!manager.fileExists(atPath: path + "-search"))
        store = try open()
        #expect(try names(store, "Alpha") == ["Alpha"])
        try store.checkSearchIndexes()
    }

    /// A workspace reloaded while serving with one more searched field: the entity's index is made
    /// again over both fields, and searches find the new field's text, before it is made too.
    @Test func aReloadThatSearchesAnotherFieldMakesTheIndexAgain() throws {
        let store = try open(notesSearched: false)
        _ = try store.create("item", ["name": "Valve", "notes": "brass body"], as: actor, access: .unrestricted)
        try store.catchUpSearch()
        #expect(try names(store, "brass").isEmpty, "notes are not searched yet")
        let (reloaded, _) = try store.reopened(schema: try schema(notesSearched: true), timeZone: TestStore.zone)
        #expect(try names(reloaded, "brass") == ["Valve"])
        try reloaded.catchUpSearch()
        #expect(try names(reloaded, "brass") == ["Valve"])
        _ = try reloaded.update("item", id: 1, ["notes": "steel body"], as: actor, access: .unrestricted)
        #expect(try names(reloaded, "brass").isEmpty && names(reloaded, "steel") == ["Valve"])
        try reloaded.checkSearchIndexes()
    }

    /// The check compares the index with one made afresh, and fails when they differ.
    @Test func theCheckFindsAnIndexThatDiffers() throws {
        let store = try open()
        _ = try store.create("item", ["name": "Gear"], as: actor, access: .unrestricted)
        try store.checkSearchIndexes()
        var waits = Configuration()
        waits.busyMode = .timeout(10)  // the index's own thread may be in a pass
        let index = try DatabaseQueue(path: SearchIndex.path(for: path), configuration: waits)
        try index.write { db in try db.execute(sql: "INSERT INTO s_item (rowid, name, notes) VALUES (99, 'phantom', NULL)") }
        try index.close()
        #expect(throws: (any Error).self) { try store.checkSearchIndexes() }
    }
}
