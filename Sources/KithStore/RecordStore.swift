public import Foundation
import GRDB
public import KithSchema

/// The generic SQLite object engine: a schema's records in one SQLite file.
///
///     let store = try RecordStore.open(at: path, schema: schema, timeZone: zone)
///     let record = try store.create(entity, ["name": "ACME"], as: actor, access: .unrestricted)
///
/// One writer and a pool of readers (WAL). Every write runs in one transaction with its
/// validation, history and line items: all of it is stored or none of it.
public final class RecordStore: Sendable {
    public let schema: Schema
    public let layout: StorageLayout
    public let timeZone: TimeZone
    let pool: DatabasePool
    let readers: Readers
    /// The web's writes, committed together (see `perform(as:hooks:_:)`).
    let groupCommit: GroupCommit
    /// Checkpoints beside the writer instead of in its commits.
    let checkpointer: Checkpointer
    /// The full-text indexes, beside the database.
    let search: SearchIndex
    let clock: StoreClock
    let inputs: FieldInputs
    /// Per table: the codec of each column and the statement reading a row by id, built once.
    let reading: [String: TableReading]
    /// Counts already made on an unchanged database (see `CountKey`), up to 2,000.
    let counts = LockedDictionary<CountKey, Int>(limit: 2_000)
    /// The directory as of its revision (see `RecordTransaction.directory()`).
    let directories = LockedDictionary<Int64, Directory>(limit: 4)

    /// Why a store could not be opened or migrated.
    public enum OpenError: Error, Sendable, CustomStringConvertible {
        case destructiveChangesPending(MigrationPlan)
        case blocked([MigrationBlocker])
        case database(String)

        public var description: String {
            switch self {
            case .destructiveChangesPending(let plan):
                let steps = plan.steps.filter(\.isDestructive).map { "  - " + $0.summary }.joined(separator: "\n")
                return
                    "the schema removes or changes stored data:\n\(steps)\nreview with `kith migrate --dry-run`, then run `kith migrate --allow-destructive` (it takes a backup first)"
            case .blocked(let blockers):
                return blockers.map(\.description).joined(separator: "\n")
            case .database(let message):
                return message
            }
        }
    }

    init(
        schema: Schema, timeZone: TimeZone, pool: DatabasePool, readers: Readers, checkpointer: Checkpointer, search: SearchIndex,
        clock: StoreClock, groupCommit: GroupCommit? = nil
    ) {
        self.schema = schema
        self.readers = readers
        self.layout = StorageLayout(schema: schema)
        self.timeZone = timeZone
        self.pool = pool
        self.checkpointer = checkpointer
        self.search = search
        self.clock = clock
        self.inputs = FieldInputs(schema: schema, timeZone: timeZone)
        self.groupCommit = groupCommit ?? GroupCommit(pool: pool, checkpointer: checkpointer, search: search)
        self.reading = Dictionary(layout.tables.map { ($0.name, TableReading($0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// Opens (creating if needed) the database at `path` and applies the additive part of the
    /// migration to `schema`. Destructive changes are refused: see `migrate(allowDestructive:backup:)`.
    public static func open(
        at path: String, schema: Schema, timeZone: TimeZone, clock: StoreClock = .system, migrate: Bool = true
    ) throws(OpenError) -> RecordStore {
        let store: RecordStore
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.maximumReaderCount = 2  // GRDB's own readers: the layout, checks, backups
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                // Pages read through memory mapping (no read call and copy per page), and a bigger
                // page cache per connection: random record reads are most of a web request's I/O.
                try db.execute(sql: "PRAGMA mmap_size = 1073741824")
                try db.execute(sql: "PRAGMA cache_size = -32000")
                // Deleted content is zeroed where its page is written anyway, but a freed page is
                // not written again only to zero it (some builds, Debian's among them, do that).
                try db.execute(sql: "PRAGMA secure_delete = FAST")
                // Every statement with its time, on standard error (operations.md).
                if ProcessInfo.processInfo.environment["KITH_SQL_TRACE"] != nil {
                    db.trace(options: .profile) { event in FileHandle.standardError.write(Data("sql \(event)\n".utf8)) }
                }
            }
            let checkpointer = Checkpointer(path: path, configuration: configuration)
            // Every connection that reads records reads the full-text indexes beside them.
            let search = try SearchIndex(database: path)
            configuration.prepareDatabase { db in try SearchIndex.attach(db, database: path) }
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in
                checkpointer.install(on: db)
                // Each write of a batch runs in a savepoint, which keeps the pages it changes in a
                // statement journal: in memory, not in a temporary file written through the kernel.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
                // A smaller page cache for the writer: a commit after a B-tree split walks all of
                // it (SQLite renumbers split pages through the number of the page at 1 GiB, past
                // the end of the file, and drops cached pages past the end at commit). The pages
                // the writer reads otherwise come from the operating system's file cache.
                try db.execute(sql: "PRAGMA cache_size = -8000")
            }
            try pool.write { db in try InternalTables.create(db) }
            store = RecordStore(
                schema: schema, timeZone: timeZone, pool: pool, readers: Readers(path: path, configuration: configuration, maximum: 8),
                checkpointer: checkpointer, search: search, clock: clock)
        } catch {
            throw .database("cannot open the database \(path): \(error)")
        }
        if migrate { _ = try store.migrate(allowDestructive: false, backup: nil) }
        do {
            try store.search.start()
        } catch {
            throw .database("cannot open the full-text index \(SearchIndex.path(for: path)): \(error)")
        }
        return store
    }

    /// The same database under a new schema, for a workspace reloaded while it is served. The
    /// additive part of the migration applies first, in one transaction; destructive changes are
    /// refused and then nothing changes. Both stores share the connections and the writer, so
    /// their writes commit one after the other, and this store stays usable for the requests
    /// already under way.
    public func reopened(schema: Schema, timeZone: TimeZone) throws(OpenError) -> (store: RecordStore, changes: MigrationPlan) {
        let store = RecordStore(
            schema: schema, timeZone: timeZone, pool: pool, readers: readers, checkpointer: checkpointer, search: search, clock: clock,
            groupCommit: groupCommit)
        let plan = try store.migrate(allowDestructive: false, backup: nil)
        search.wake()
        return (store, plan)
    }

    /// The database file.
    public var path: String { pool.path }

    /// The layout recorded in the database (nil for a new one).
    public func recordedLayout() throws(OpenError) -> StorageLayout? {
        do {
            return try pool.read { db in try InternalTables.recordedLayout(db) }
        } catch {
            throw .database("cannot read the recorded layout: \(error)")
        }
    }

    /// What migrating to the store's schema would do.
    public func pendingPlan() throws(OpenError) -> MigrationPlan {
        MigrationPlan(from: try recordedLayout(), to: layout)
    }

    /// Applies the plan to the schema in one transaction. Destructive steps need
    /// `allowDestructive`, and then `backup` receives a copy of the database first. Narrowing and
    /// unique steps apply only when no record is in the way.
    @discardableResult
    public func migrate(allowDestructive: Bool, backup: URL?) throws(OpenError) -> MigrationPlan {
        let plan = try pendingPlan()
        guard !plan.isEmpty else { return plan }
        guard plan.isDestructive else { return try apply(plan, backup: nil) }
        guard allowDestructive else { throw .destructiveChangesPending(plan) }
        // Dropping or converting what a running server reads would break it until it restarts.
        do {
            return try Self.withoutServers(URL(fileURLWithPath: pool.path), then: "migrate") { try apply(plan, backup: backup) }
        } catch let error as OpenError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    /// Applies the plan in one transaction, after a backup when given; nothing changes when a step fails.
    private func apply(_ plan: MigrationPlan, backup: URL?) throws(OpenError) -> MigrationPlan {
        if let backup {
            do {
                try self.backup(to: backup)
            } catch {
                throw .database("cannot take the backup before migrating: \(error)")
            }
        }
        do {
            // Building an index sorts its rows through temporary storage: in a file here, not in
            // the writer's memory (where its savepoint journals are kept).
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA temp_store = FILE")
                defer { try? db.execute(sql: "PRAGMA temp_store = MEMORY") }
                try db.inTransaction {
                    let blockers = try plan.blockers(db)
                    guard blockers.isEmpty else { throw OpenError.blocked(blockers) }
                    for step in plan.steps { try apply(step, db) }
                    try InternalTables.record(plan.target, at: clock.now(), db)
                    return .commit
                }
            }
            search.wake()
            try analyze(tables: plan.reindexedTables)
        } catch let error as OpenError {
            throw error
        } catch {
            throw .database("migration failed, nothing was changed: \(error)")
        }
        return plan
    }

    private func apply(_ step: MigrationPlan.Step, _ db: Database) throws {
        let statements = step.sql
        guard case .changeColumnType(let table, let column, let previous) = step else {
            for statement in statements { try db.execute(sql: statement) }
            return
        }
        try db.execute(sql: statements[0])
        let oldCodec = ColumnCodec(previous)
        let newCodec = ColumnCodec(column)
        let rows = try Row.fetchAll(db, sql: "SELECT id, \(SQL.quote(column.name)) FROM \(SQL.quote(table.name))")
        let update = try db.makeStatement(
            sql: "UPDATE \(SQL.quote(table.name)) SET \(SQL.quote(column.name + "__retyped")) = ? WHERE id = ?")
        for row in rows {
            let old = oldCodec.decode(row[1] as DatabaseValue)
            let converted = ValueConversion.convert(old, to: newCodec)
            try update.execute(arguments: [newCodec.encode(converted), row[0] as DatabaseValue])
        }
        for statement in statements.dropFirst(2) { try db.execute(sql: statement) }
    }

    /// A consistent copy of the database, taken online while others read and write.
    public func backup(to file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        let destination = try DatabaseQueue(path: file.path)
        try pool.backup(to: destination)
        try destination.close()
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA main.integrity_check").joined(separator: "\n") }
    }

    /// Brings the full-text indexes up to date with every committed write now, rather than a
    /// moment later (searches find those writes either way).
    public func catchUpSearch() throws {
        try search.catchUp()
    }

    /// Changes to searched fields that the full-text index has not applied yet (it applies them a
    /// moment after each commit; searches find them meanwhile), and why its last pass failed,
    /// when it did (it tries again): for `/metrics`.
    public func searchBacklog() throws -> (notes: Int, failure: String?) {
        let notes = try readers.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM kith_search_queue WHERE seq > (SELECT seq FROM search.kith_search_mark)")
        }
        return (notes ?? 0, search.failure)
    }

    /// Checks every full-text index, caught up, against its records, while nothing writes; throws
    /// on any difference.
    public func checkSearchIndexes() throws {
        try search.check()
    }

    /// The writes taken into a transaction so far, the transactions that held them (their ratio is
    /// the group commit's batch size) and the writes waiting or under way now: for `/metrics`.
    public var writeCounts: (writes: Int, transactions: Int, unfinished: Int) {
        (groupCommit.writesBegun, groupCommit.transactionsBegun, groupCommit.unfinished)
    }

    /// Closes the database; the store cannot be used afterwards.
    public func close() throws {
        let path = pool.path
        try checkpointer.close()
        try readers.close()
        try pool.close()
        try search.close()  // the last connection to its file: its log is folded in and removed
        // GRDB closes its writer before its readers, and the last connection to close a WAL database
        // folds the log back into the file only if it may write: one more, opened and closed, does.
        try DatabaseQueue(path: path).close()
    }
}

/// The time the store stamps records with; tests fix it.
public struct StoreClock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = StoreClock { Date() }

    public static func fixed(_ date: Date) -> StoreClock { StoreClock { date } }
}

/// Validators of every field, built once per schema.
struct FieldInputs: @unchecked Sendable {
    // NSRegularExpression is immutable once built and safe to share.
    private let inputs: [String: [String: FieldInput]]

    init(schema: Schema, timeZone: TimeZone) {
        var inputs: [String: [String: FieldInput]] = [:]
        for entity in schema.entities {
            var fields: [String: FieldInput] = [:]
            for field in entity.allFields { fields[field.name] = FieldInput(field: field, schema: schema, timeZone: timeZone) }
            inputs[entity.name] = fields
        }
        self.inputs = inputs
    }

    func input(_ entity: String, _ field: String) -> FieldInput? { inputs[entity]?[field] }
}

extension RecordStore {
    /// A date or date-time as the UTC instant the store keeps (`YYYY-MM-DDTHH:MM:SS.sssZ`): a date
    /// is its midnight in the workspace's zone, a time without an offset is in that zone.
    public func instant(_ text: String) -> String? { FieldInput.canonicalDateTime(text, timeZone: timeZone) }

    /// Marks the database at `database` as served by this process until it exits: a shared
    /// advisory lock on `kith.sqlite.lock` beside it (holding a server's process id), which the
    /// system releases when the process ends however it ends. Several servers may share a
    /// database (a new one started before the old one stops); `restore` waits for none of them
    /// and refuses while any holds it.
    public static func holdServingLock(database: URL) throws {
        let path = database.path + ".lock"
        try FileManager.default.createDirectory(at: database.deletingLastPathComponent(), withIntermediateDirectories: true)
        let handle = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard handle >= 0 else { throw OpenError.database("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(handle, LOCK_SH | LOCK_NB) == 0 else {
            Glibc.close(handle)
            throw OpenError.database("a restore is replacing \(database.path); start again when it is done")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(handle, 0)
        _ = pid.withUnsafeBytes { pwrite(handle, $0.baseAddress, $0.count, 0) }
        // Never closed: the lock lasts as long as the process.
    }

    /// Takes the database's lock for itself while `body` runs, or says which server has it.
    static func withoutServers<T>(_ database: URL, then verb: String, _ body: () throws -> T) throws -> T {
        let path = database.path + ".lock"
        let handle = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard handle >= 0 else { return try body() }  // a read-only folder: nobody serves from it
        defer { Glibc.close(handle) }
        guard flock(handle, LOCK_EX | LOCK_NB) == 0 else {
            var text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if text.isEmpty { text = "?" }
            throw OpenError.database("kith serve (process \(text)) is serving \(database.path): stop it, then \(verb)")
        }
        return try body()
    }

    /// Replaces the database file at `database` with `backup` after checking that the backup is a
    /// sound Kith database. The replaced file is kept beside it, with its write-ahead log (commits
    /// not yet folded into the file); its URL is returned. Refused while a server has the database.
    public static func restore(backup: URL, into database: URL) throws -> URL? {
        let manager = FileManager.default
        guard manager.fileExists(atPath: backup.path) else {
            throw OpenError.database("no backup at \(backup.path)")
        }
        return try withoutServers(database, then: "restore") { try replace(database, with: backup) }
    }

    private static func replace(_ database: URL, with backup: URL) throws -> URL? {
        let manager = FileManager.default
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: backup.path, configuration: configuration)
        let check = try source.read { db -> (String, Bool) in
            (try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; "), try db.tableExists("kith_layout"))
        }
        try source.close()
        guard check.0 == "ok" else { throw OpenError.database("\(backup.path) is damaged: \(check.0)") }
        guard check.1 else { throw OpenError.database("\(backup.path) is not a Kith database") }
        var previous: URL?
        if manager.fileExists(atPath: database.path) {
            let stamp = Int(Date().timeIntervalSince1970)
            let aside = database.deletingLastPathComponent().appendingPathComponent(database.lastPathComponent + ".before-restore-\(stamp)")
            try manager.moveItem(at: database, to: aside)
            previous = aside
        }
        // The full-text index is made again from the backup's records.
        for suffix in ["-search", "-search-wal", "-search-shm"] where manager.fileExists(atPath: database.path + suffix) {
            try manager.removeItem(atPath: database.path + suffix)
        }
        for suffix in ["-wal", "-shm"] {
            let path = database.path + suffix
            guard manager.fileExists(atPath: path) else { continue }
            if let previous {
                try manager.moveItem(atPath: path, toPath: previous.path + suffix)  // SQLite finds it by the name
            } else {
                try manager.removeItem(atPath: path)
            }
        }
        try manager.createDirectory(at: database.deletingLastPathComponent(), withIntermediateDirectories: true)
        try manager.copyItem(at: backup, to: database)
        return previous
    }
}

extension RecordStore {
    /// A consistent copy of a database file that may be in use (`kith test` works on one).
    public static func copyDatabase(from source: URL, to destination: URL) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: source.path, configuration: configuration)
        let writer = try DatabaseQueue(path: destination.path)
        try reader.backup(to: writer)
        try reader.close()
        try writer.close()
    }
}

extension RecordStore {
    /// Refreshes SQLite's statistics of every table (`ANALYZE`) so the planner picks the right
    /// index for scoped queries (an owner's few records rather than a whole stage). Runs after bulk
    /// imports; a migration refreshes only the tables whose indexes it changes.
    public func analyze() throws {
        try analyze(tables: nil)
    }

    /// `tables` only (every table when nil): the writer waits meanwhile, about a second per
    /// 100,000 rows of indexes.
    func analyze(tables: [String]?) throws {
        if tables?.isEmpty == true { return }
        try pool.write { db in
            // A full analysis: sampled statistics mislead the planner on skewed columns, such as
            // a level shared by a quarter of rows.
            try db.execute(sql: "PRAGMA analysis_limit = 0")
            for statement in tables.map({ $0.map { "ANALYZE main.\(SQL.quote($0))" } }) ?? ["ANALYZE main"] {
                try db.execute(sql: statement)
            }
        }
    }
}

extension RecordStore {
    /// A moment as the store writes date-times: UTC `YYYY-MM-DDTHH:MM:SS.sssZ`.
    public static func timestamp(_ date: Date) -> String {
        FieldInput.format(epochMilliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
