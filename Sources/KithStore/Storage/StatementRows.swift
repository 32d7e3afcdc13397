import GRDB
import GRDBSQLite

extension Database {
    /// Executes `sql` through the connection's statement cache: `execute(sql:)` prepares its SQL
    /// anew every time, which was a fifth of a write's time.
    func run(_ sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// Runs a cached statement and gives each result row to `row` as the statement itself, to be
    /// read with `value(_:_:)`. GRDB's `Row` builds an index of column names for every cursor and
    /// copies each row; on the hot read paths (a get, a list page) that was most of the time.
    func eachRow(_ sql: String, _ arguments: StatementArguments, _ row: (SQLiteStatement) throws -> Void) throws {
        let statement = try cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        try step(statement, row)
    }

    /// `eachRow` for a statement whose one parameter is a record id, bound without building
    /// arguments (a get by id runs one).
    func eachRow(_ sql: String, id: Int64, _ row: (SQLiteStatement) throws -> Void) throws {
        let statement = try cachedStatement(sql: sql)
        sqlite3_bind_int64(statement.sqliteStatement, 1, id)
        try step(statement, row)
    }

    /// Steps through a bound statement's rows, then resets it for its next use.
    private func step(_ statement: Statement, _ row: (SQLiteStatement) throws -> Void) throws {
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: statement.sql)
            }
            try row(handle)
        }
    }

    /// The connection's `PRAGMA data_version`: it changes whenever another connection, in any
    /// process, commits.
    func dataVersion() throws -> Int? {
        var version: Int?
        try eachRow("PRAGMA data_version", StatementArguments()) { version = Int(sqlite3_column_int64($0, 0)) }
        return version
    }

    /// Column `index` of the row a statement is on, as text ("" for NULL).
    static func text(_ statement: SQLiteStatement, _ index: Int) -> String {
        let count = Int(sqlite3_column_bytes(statement, CInt(index)))
        guard count > 0, let bytes = sqlite3_column_blob(statement, CInt(index)) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Column `index` of the row a statement is on.
    @inline(__always)
    static func value(_ statement: SQLiteStatement, _ index: Int) -> DatabaseValue {
        DatabaseValue(sqliteStatement: statement, index: CInt(index))
    }
}

/// How a table's rows are read: each column's codec and the statement reading one row by id
/// (`r` is the table), worked out once per table.
struct TableReading: Sendable {
    let codecs: [ColumnCodec]
    /// Each column as a query names it (`r."name"`).
    let columns: [String]
    let byID: String

    init(_ table: StorageLayout.Table) {
        codecs = table.columns.map(ColumnCodec.init)
        columns = table.columns.map { "r." + SQL.quote($0.name) }
        byID = "SELECT \(columns.joined(separator: ", ")) FROM \(SQL.quote(table.name)) r WHERE r.id = ?"
    }
}
