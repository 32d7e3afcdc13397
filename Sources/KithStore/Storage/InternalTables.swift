import Foundation
import GRDB

/// The tables Kith keeps beside the entity tables: the applied layout, history, recycle bin,
/// autonumber counters, stored files, the directory (departments, users) and the inbox.
enum InternalTables {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS kith_layout (id INTEGER PRIMARY KEY, layout TEXT NOT NULL, applied_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS kith_history (
                    id INTEGER PRIMARY KEY, entity TEXT NOT NULL, record INTEGER NOT NULL, version INTEGER NOT NULL,
                    action TEXT NOT NULL, actor INTEGER, at TEXT NOT NULL, changes TEXT NOT NULL, comment TEXT);
                CREATE INDEX IF NOT EXISTS kith_history__record ON kith_history (entity, record, id);
                CREATE TABLE IF NOT EXISTS kith_recycle (
                    id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, entity TEXT NOT NULL, record INTEGER NOT NULL,
                    data TEXT NOT NULL, deleted_by INTEGER, deleted_at TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS kith_recycle__batch ON kith_recycle (batch);
                CREATE INDEX IF NOT EXISTS kith_recycle__record ON kith_recycle (entity, record);
                CREATE TABLE IF NOT EXISTS kith_sequence (
                    entity TEXT NOT NULL, field TEXT NOT NULL, period TEXT NOT NULL, value INTEGER NOT NULL,
                    PRIMARY KEY (entity, field, period)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS kith_file (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL,
                    data BLOB NOT NULL, created_at TEXT NOT NULL, created_by INTEGER);
                CREATE TABLE IF NOT EXISTS kith_department (
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, parent INTEGER REFERENCES kith_department(id),
                    head INTEGER, created_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS kith_user (
                    id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT NOT NULL, email TEXT, phone TEXT,
                    language TEXT, department INTEGER REFERENCES kith_department(id), manager INTEGER REFERENCES kith_user(id),
                    roles TEXT NOT NULL DEFAULT '[]', active INTEGER NOT NULL DEFAULT 1, password_hash TEXT, created_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS kith_message (
                    id INTEGER PRIMARY KEY, user INTEGER NOT NULL, text TEXT NOT NULL, entity TEXT, record INTEGER, due_at TEXT,
                    created_at TEXT NOT NULL, created_by INTEGER, read_at TEXT, texts TEXT);
                CREATE INDEX IF NOT EXISTS kith_message__user ON kith_message (user, due_at);
                CREATE TABLE IF NOT EXISTS kith_share (
                    id INTEGER PRIMARY KEY, entity TEXT NOT NULL, record INTEGER NOT NULL, user INTEGER, department INTEGER,
                    can_edit INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, created_by INTEGER,
                    CHECK ((user IS NULL) <> (department IS NULL)));
                CREATE INDEX IF NOT EXISTS kith_share__user ON kith_share (entity, user, record);
                CREATE INDEX IF NOT EXISTS kith_share__department ON kith_share (entity, department, record);
                CREATE INDEX IF NOT EXISTS kith_share__record ON kith_share (entity, record);
                CREATE TABLE IF NOT EXISTS kith_event (
                    id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, user INTEGER, login TEXT, source TEXT,
                    detail TEXT NOT NULL DEFAULT '');
                CREATE INDEX IF NOT EXISTS kith_event__at ON kith_event (at);
                CREATE TABLE IF NOT EXISTS kith_token (
                    id INTEGER PRIMARY KEY, user INTEGER NOT NULL REFERENCES kith_user(id), name TEXT NOT NULL DEFAULT '',
                    secret_hash TEXT NOT NULL, created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT);
                CREATE TABLE IF NOT EXISTS kith_approval (
                    id INTEGER PRIMARY KEY, entity TEXT NOT NULL, record INTEGER NOT NULL, round INTEGER NOT NULL,
                    step INTEGER NOT NULL, mode TEXT NOT NULL, rule TEXT NOT NULL, approver INTEGER,
                    status TEXT NOT NULL, comment TEXT, decided_by INTEGER, decided_at TEXT, created_at TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS kith_approval__record ON kith_approval (entity, record, round, step);
                CREATE INDEX IF NOT EXISTS kith_approval__approver ON kith_approval (approver, status);
                CREATE TABLE IF NOT EXISTS kith_schedule_run (
                    id INTEGER PRIMARY KEY, schedule TEXT NOT NULL, slot TEXT NOT NULL, started_at TEXT NOT NULL,
                    finished_at TEXT, outcome TEXT NOT NULL, error TEXT, UNIQUE (schedule, slot));
                CREATE INDEX IF NOT EXISTS kith_schedule_run__schedule ON kith_schedule_run (schedule, id);
                CREATE TABLE IF NOT EXISTS kith_saved_view (
                    id INTEGER PRIMARY KEY, user INTEGER NOT NULL, entity TEXT NOT NULL, name TEXT NOT NULL,
                    query TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (user, entity, name));
                CREATE TABLE IF NOT EXISTS kith_revision (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                INSERT OR IGNORE INTO kith_revision (name, value) VALUES ('directory', 0);
                INSERT OR IGNORE INTO kith_revision (name, value) VALUES ('search', (random() & 0x7fffffffffff) + 1);
                CREATE TABLE IF NOT EXISTS kith_search_queue (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, record INTEGER NOT NULL, indexed TEXT);
                """)
        // Every change to users or departments, by Kith or anyone else, counts in the directory's
        // revision: readers keep the directory while it stays the same.
        for table in ["kith_user", "kith_department"] {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                try db.execute(
                    sql: """
                        CREATE TRIGGER IF NOT EXISTS \(table)__revision_\(event.lowercased()) AFTER \(event) ON \(table)
                        BEGIN UPDATE kith_revision SET value = value + 1 WHERE name = 'directory'; END
                        """)
            }
        }
        // Messages Kith writes keep their text in every language (`texts`, JSON by language code),
        // so that each shows in the reader's language of the day; databases from before lack it.
        if try !db.columns(in: "kith_message").contains(where: { $0.name == "texts" }) {
            try db.execute(sql: "ALTER TABLE kith_message ADD COLUMN texts TEXT")
        }
        // The searched fields of each entity, as the index beside the database must hold them
        // (`SearchIndex`). Databases from before kept the index inside, with triggers or a
        // backlog feeding it: their entities get the notes' triggers and the index moves out.
        guard try !db.tableExists("kith_search_columns") else { return }
        try db.execute(
            sql:
                """
                CREATE TABLE kith_search_columns (
                    entity TEXT PRIMARY KEY, tbl TEXT NOT NULL, columns TEXT NOT NULL, generation INTEGER NOT NULL)
                """
        )
        for table in try recordedLayout(db)?.tables ?? [] where !table.searchColumns.isEmpty {
            for statement in MigrationPlan.Step.rebuildSearch(table: table, previous: nil).sql { try db.execute(sql: statement) }
        }
    }

    static func recordedLayout(_ db: Database) throws -> StorageLayout? {
        guard let json = try String.fetchOne(db, sql: "SELECT layout FROM kith_layout ORDER BY id DESC LIMIT 1") else { return nil }
        return try JSONDecoder().decode(StorageLayout.self, from: Data(json.utf8))
    }

    static func record(_ layout: StorageLayout, at date: Date, _ db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(layout), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO kith_layout (layout, applied_at) VALUES (?, ?)",
            arguments: [json, FieldInput.format(epochMilliseconds: Int64(date.timeIntervalSince1970 * 1000))])
    }
}
