import Foundation
import GRDB
import GRDBSQLite

/// A user's own list view (我的视图): a name for a list page's filters, search and sort.
public struct SavedView: Sendable, Equatable {
    public let id: Int64
    public let entity: String
    public let name: String
    /// The list page's query string (filters, search, sort, base view), without a page cursor.
    public let query: String
}

extension RecordTransaction {
    /// The user's saved views of an entity, by name.
    public func savedViews(user: Int64, entity: String) throws(RecordError) -> [SavedView] {
        try storage(entity) {
            var views: [SavedView] = []
            // Every list page reads them: rows straight from the statement (see `eachRow`).
            try db.eachRow("SELECT id, entity, name, query FROM kith_saved_view WHERE user = ? AND entity = ? ORDER BY name", [user, entity]) {
                views.append(
                    SavedView(id: sqlite3_column_int64($0, 0), entity: Database.text($0, 1), name: Database.text($0, 2), query: Database.text($0, 3)))
            }
            return views
        }
    }

    /// Saves a view under a name, replacing the user's view of that name.
    @discardableResult
    public func saveView(user: Int64, entity: String, name: String, query: String) throws(RecordError) -> SavedView {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 60 else {
            throw RecordError(.invalid, entity: entity, "a view needs a name of 1 to 60 characters")
        }
        guard query.utf8.count <= 2000 else { throw RecordError(.invalid, entity: entity, "the view's filters are too long to save") }
        return try storage(entity) {
            try db.execute(
                sql: """
                    INSERT INTO kith_saved_view (user, entity, name, query, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (user, entity, name) DO UPDATE SET query = excluded.query
                    """,
                arguments: [user, entity, trimmed, query, nowText])
            let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM kith_saved_view WHERE user = ? AND entity = ? AND name = ?", arguments: [user, entity, trimmed]) ?? 0
            return SavedView(id: id, entity: entity, name: trimmed, query: query)
        }
    }

    /// Deletes one of the user's saved views (another user's view is left alone); whether one went.
    @discardableResult
    public func deleteSavedView(_ id: Int64, user: Int64) throws(RecordError) -> Bool {
        try storage("view") {
            try db.execute(sql: "DELETE FROM kith_saved_view WHERE id = ? AND user = ?", arguments: [id, user])
            return db.changesCount == 1
        }
    }
}
