import Foundation
import GRDB

/// The records' full-text indexes, kept in a file of their own beside the database
/// (`kith.sqlite-search`) and brought up to date a moment after each commit, on a thread of their
/// own.
///
/// FTS5 merges its segments inside the statements that write to it, tens of milliseconds at a
/// time on a large trigram index; in the database file every save queued behind such a merge
/// waited for it (Benchmarks/README.md, seventeenth round). Here the writer only notes each
/// change in `kith_search_queue` (triggers on the searched tables, in the write's own
/// transaction), and this index applies the notes in its own file, under its own lock.
///
/// A search is never behind: it matches the index, plus the records with notes the index has not
/// applied yet, and keeps those whose current text holds the words (`QueryCompiler.fewFound`).
/// The file is derived from the database alone: when it is missing, damaged, another database's
/// or ahead of this one (a backup copied back, or commits the database lost in a power cut: this
/// file syncs each commit, the database only at checkpoints), it is made again from the records.
final class SearchIndex: @unchecked Sendable {
    /// The index file of the database at `database`.
    static func path(for database: String) -> String { database + "-search" }

    private let database: String
    private let connection: DatabaseQueue
    private let lock = NSLock()
    /// One pass at a time; closing waits for the pass under way.
    private let passes = NSLock()
    private var closed = false
    private let wakeUp = NSCondition()
    private var woken = false
    private var stopped = false
    /// The last note applied, as committed in the index file.
    private var appliedMark: Int64 = 0
    /// Notes up to here are deleted from the database already (or are being, in the writer's
    /// transaction under way).
    private var trimmedMark: Int64 = 0
    private var lastFailure: String?
    /// The database's state (`stateSQL`) the last pass brought the index up to; passes only.
    private var lastState: Row?

    /// Opens (creating if needed) the index file of the database at `database`. `start` must
    /// follow once the database exists.
    init(database: String) throws {
        self.database = database
        do {
            connection = try Self.openFile(Self.path(for: database))
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            // Damaged: it holds nothing the records do not, so it is made again.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: Self.path(for: database) + suffix) }
            connection = try Self.openFile(Self.path(for: database))
        }
    }

    private static func openFile(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "kith.search"
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            // Each commit is durable when it returns: the writer then deletes the notes it applied.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A pass that makes an index writes its whole size to the log; the log is cut back after.
            try db.execute(sql: "PRAGMA journal_size_limit = 4194304")
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS kith_search_mark (
                        id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, store INTEGER NOT NULL);
                    INSERT OR IGNORE INTO kith_search_mark (id, seq, store) VALUES (1, 0, 0);
                    CREATE TABLE IF NOT EXISTS kith_search_made (entity TEXT PRIMARY KEY, generation INTEGER NOT NULL);
                    """)
        }
        return connection
    }

    /// Read-only access to the index file as `search` on a connection to the database (queries
    /// name its tables `search.…`).
    static func attach(_ db: Database, database: String) throws {
        try db.execute(sql: "ATTACH DATABASE ? AS search", arguments: [readOnlyURI(path(for: database))])
        // As the database's own pages (`RecordStore.open`): pragmas apply to one schema each.
        try db.execute(sql: "PRAGMA search.mmap_size = 1073741824")
        try db.execute(sql: "PRAGMA search.cache_size = -16000")
    }

    /// `file:PATH?mode=ro`: a transaction that writes the database only reads the index, so the
    /// writer never waits for this index's lock.
    private static func readOnlyURI(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?mode=ro"
    }

    /// Brings the index up to date with the database on its own thread, at once, then after each
    /// commit. An index made again from many records takes seconds (about 2 for 600,000): the
    /// store serves meanwhile, and its searches scan the records.
    func start() throws {
        try connection.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS store", arguments: [Self.readOnlyURI(database)])
        }
        wake()
        let owner = WeakIndex(self)
        let thread = Thread { Self.keepUp(owner) }
        thread.name = "kith.search"
        thread.start()
    }

    /// Wakes the index's thread: a write has committed.
    func wake() {
        wakeUp.lock()
        woken = true
        wakeUp.signal()
        wakeUp.unlock()
    }

    /// Deletes the notes the index has applied, in the writer's transaction.
    func trim(_ db: Database) throws {
        let mark: Int64? = lock.withLock {
            guard appliedMark > trimmedMark else { return nil }
            trimmedMark = appliedMark
            return appliedMark
        }
        if let mark { try db.run("DELETE FROM kith_search_queue WHERE seq <= ?", arguments: [mark]) }
    }

    /// Why the last pass of the index's thread failed, when it did (it tries again).
    var failure: String? { lock.withLock { lastFailure } }

    /// Stops the index's thread and closes the index file; notes not applied yet stay in the
    /// database for the next start.
    func close() throws {
        wakeUp.lock()
        stopped = true
        wakeUp.signal()
        wakeUp.unlock()
        try passes.withLock {
            closed = true
            try connection.close()
        }
    }

    private final class WeakIndex: @unchecked Sendable {
        weak var index: SearchIndex?
        init(_ index: SearchIndex) { self.index = index }
    }

    /// The thread: a pass after each wake-up, and one a second for writes by other processes.
    private static func keepUp(_ owner: WeakIndex) {
        while let index = owner.index, index.waitForWork() {
            do {
                try index.catchUp()
                index.lock.withLock { index.lastFailure = nil }
            } catch {
                index.lock.withLock { index.lastFailure = "\(error)" }
            }
        }
    }

    /// False once the index is closed.
    private func waitForWork() -> Bool {
        wakeUp.lock()
        defer { wakeUp.unlock() }
        if !woken && !stopped { _ = wakeUp.wait(until: Date(timeIntervalSinceNow: 1)) }
        woken = false
        return !stopped
    }
}

extension SearchIndex {
    /// One entity's index as the database wants it (`kith_search_columns`).
    private struct Wanted {
        let entity: String
        let table: String
        let columns: [String]
        let generation: Int64
        var name: String { StorageLayout.Table.searchTable(of: entity) }
        var search: String { SQL.quote(name) }
        var names: String { columns.map(SQL.quote).joined(separator: ", ") }

        /// Makes the index in `schema` (`main`, or the check's `fresh`) from the records.
        /// Contentless: the records stay in the database; a change takes its old terms out with
        /// the values its note kept.
        func make(in schema: String, _ db: Database) throws {
            try db.execute(
                sql: "CREATE VIRTUAL TABLE \(schema).\(search) USING fts5(\(names), content='', tokenize='trigram', columnsize=0)")
            try db.execute(sql: "INSERT INTO \(schema).\(search)(rowid, \(names)) SELECT id, \(names) FROM store.\(SQL.quote(table))")
        }
    }

    private static func wanted(_ db: Database) throws -> [Wanted] {
        try Row.fetchAll(db, sql: "SELECT entity, tbl, columns, generation FROM store.kith_search_columns").map {
            Wanted(entity: $0[0], table: $0[1], columns: ($0[2] as String).split(separator: ",").map(String.init), generation: $0[3])
        }
    }

    /// Applies every note the database holds beyond the index's mark, in one transaction of the
    /// index file that reads one state of the database, and makes again each entity's index
    /// whose searched columns changed (or all of them, when the file is not this database's).
    func catchUp() throws {
        try passes.withLock {
            guard !closed else { return }
            try connection.inDatabase { db in try catchUp(db) }
        }
    }

    /// What a pass depends on in the database: its last note, its identity and the generation of
    /// each entity's searched fields. Unchanged since the last pass, there is nothing to do (the
    /// thread looks every second; this read takes no lock).
    private static let stateSQL = """
        SELECT (SELECT seq FROM store.sqlite_sequence WHERE name = 'kith_search_queue'),
        (SELECT value FROM store.kith_revision WHERE name = 'search'),
        (SELECT group_concat(entity || ':' || generation) FROM store.kith_search_columns)
        """

    private func catchUp(_ db: Database) throws {
        let seen = try Row.fetchOne(db, sql: Self.stateSQL)
        if let seen, let last = lastState, seen == last { return }
        // The index file's lock first (another program's pass may hold it: this one waits), then
        // a read of the database (attached read-only).
        try db.execute(sql: "BEGIN IMMEDIATE")
        var committed = false
        defer { if !committed { try? db.execute(sql: "ROLLBACK") } }
        // The database's state first: everything after reads the same one.
        let state = try Row.fetchOne(db, sql: Self.stateSQL)
        let top: Int64 = state?[0] ?? 0
        let identity: Int64 = state?[1] ?? 0
        let wanted = try Self.wanted(db)
        let mark = try Row.fetchOne(db, sql: "SELECT seq, store FROM kith_search_mark")
        let applied: Int64 = mark?[0] ?? 0
        // Another database's index, or one ahead of this database (a backup put back): all again.
        let foreign = (mark?[1] ?? 0) != identity || applied > top
        var made: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT entity, generation FROM kith_search_made") { made[row[0]] = row[1] }
        var changed = false
        for (entity, generation) in made where foreign || !wanted.contains(where: { $0.entity == entity && $0.generation == generation }) {
            try db.execute(sql: "DROP TABLE IF EXISTS \(SQL.quote(StorageLayout.Table.searchTable(of: entity)))")
            try db.execute(sql: "DELETE FROM kith_search_made WHERE entity = ?", arguments: [entity])
            made[entity] = nil
            changed = true
        }
        var rebuilt: Set<String> = []
        for entity in wanted where made[entity.entity] == nil {
            try build(entity, db)
            rebuilt.insert(entity.entity)
            changed = true
        }
        if top > applied && !foreign {
            try apply(notesAfter: applied, upTo: top, to: wanted.filter { !rebuilt.contains($0.entity) }, db)
            changed = true
        }
        guard changed || top != applied else {
            lastState = state
            lock.withLock { appliedMark = max(appliedMark, applied) }
            return
        }
        try db.execute(sql: "UPDATE kith_search_mark SET seq = ?, store = ?", arguments: [top, identity])
        try db.execute(sql: "COMMIT")
        committed = true
        lastState = state
        lock.withLock {
            appliedMark = top
            if trimmedMark > top { trimmedMark = 0 }
        }
    }

    /// Makes an entity's index from its records.
    private func build(_ wanted: Wanted, _ db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS \(wanted.search)")
        try wanted.make(in: "main", db)
        try db.execute(
            sql: "INSERT OR REPLACE INTO kith_search_made (entity, generation) VALUES (?, ?)",
            arguments: [wanted.entity, wanted.generation])
    }

    /// Applies the notes after `mark`: for each record, the terms of the values its first note
    /// kept (what the index holds) come out, and the terms of its current values go in, if it is
    /// still stored. FTS5 writes the terms of one statement, given in the order of the ids, as
    /// one segment.
    private func apply(notesAfter mark: Int64, upTo top: Int64, to wanted: [Wanted], _ db: Database) throws {
        var seen: [String: Set<Int64>] = [:]
        var removed: [String: [String]] = [:]
        let notes = try Row.fetchCursor(
            db, sql: "SELECT entity, record, indexed FROM store.kith_search_queue WHERE seq > ? AND seq <= ? ORDER BY seq",
            arguments: [mark, top])
        while let note = try notes.next() {
            let entity: String = note[0]
            let record: Int64 = note[1]
            guard seen[entity, default: []].insert(record).inserted else { continue }
            if let indexed: String = note[2] { removed[entity, default: []].append(indexed) }
        }
        for entity in wanted {
            guard let records = seen[entity.entity] else { continue }
            let ids = "[" + records.map(String.init).joined(separator: ",") + "]"
            let old = entity.columns.indices.map { "value->>\($0 + 1) AS \(SQL.quote(entity.columns[$0]))" }.joined(separator: ", ")
            try db.execute(
                sql: """
                    INSERT INTO \(entity.search)(\(entity.search), rowid, \(entity.names)) SELECT command, id, \(entity.names) FROM (
                    SELECT 'delete' AS command, value->>0 AS id, \(old), 0 AS step FROM json_each(?)
                    UNION ALL SELECT NULL, id, \(entity.names), 1 FROM store.\(SQL.quote(entity.table))
                    WHERE id IN (SELECT value FROM json_each(?))
                    ) ORDER BY id, step
                    """,
                arguments: ["[" + (removed[entity.entity] ?? []).joined(separator: ",") + "]", ids])
        }
    }

    /// Checks every entity's index against its records, while nothing writes (tests,
    /// maintenance): the index caught up must hold exactly the terms, records, columns and
    /// positions of one made afresh (FTS5's vocabulary of instances); throws on any difference.
    func check() throws {
        try catchUp()
        try passes.withLock { try connection.writeWithoutTransaction { db in try check(db) } }
    }

    private func check(_ db: Database) throws {
        try db.execute(sql: "ATTACH DATABASE ':memory:' AS fresh")
        defer { try? db.execute(sql: "DETACH DATABASE fresh") }
        let wanted = try Self.wanted(db)
        for entity in wanted {
            try db.execute(sql: "INSERT INTO \(entity.search)(\(entity.search)) VALUES ('integrity-check')")
            try entity.make(in: "fresh", db)
            let literal = SQL.literal(entity.name)
            try db.execute(sql: "CREATE VIRTUAL TABLE temp.kept USING fts5vocab(main, \(literal), instance)")
            try db.execute(sql: "CREATE VIRTUAL TABLE temp.made USING fts5vocab(fresh, \(literal), instance)")
            defer {
                try? db.execute(sql: "DROP TABLE temp.kept")
                try? db.execute(sql: "DROP TABLE temp.made")
            }
            let differences =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT count(*) FROM (SELECT * FROM temp.kept EXCEPT SELECT * FROM temp.made))
                        + (SELECT count(*) FROM (SELECT * FROM temp.made EXCEPT SELECT * FROM temp.kept))
                        """) ?? 0
            guard differences == 0 else {
                throw RecordError(
                    .storage, entity: entity.entity,
                    "the full-text index of '\(entity.entity)' differs from its records in \(differences) terms")
            }
        }
    }
}
