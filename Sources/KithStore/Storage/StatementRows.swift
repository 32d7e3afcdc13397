import GRDB
import GRDBSQLite

extension Database {
    /// Runs a cached statement and gives each result row to `row` as the statement itself, to be
    /// read with `value(_:_:)`. GRDB's `Row` builds an index of column names for every cursor and
    /// copies each row; on the hot read paths (a get, a list page) that was most of the time.
    func eachRow(_ sql: String, _ arguments: StatementArguments, _ row: (SQLiteStatement) throws -> Void) throws {
        let statement = try cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
            }
            try row(handle)
        }
    }

    /// Column `index` of the row a statement is on.
    @inline(__always)
    static func value(_ statement: SQLiteStatement, _ index: Int) -> DatabaseValue {
        DatabaseValue(sqliteStatement: statement, index: CInt(index))
    }
}
