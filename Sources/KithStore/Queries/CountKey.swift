import GRDB

/// What a count made by a read transaction is kept under, for as long as the database it counted
/// is unchanged: the reader connection and its `PRAGMA data_version`, which SQLite changes for a
/// connection whenever any other connection commits, plus the query and its arguments, which
/// carry the caller's access filter, so one user's count never answers another's. Readers are
/// named ("kith.reader.3") once per store, so a reopened connection never reuses an old key.
struct CountKey: Hashable {
    let connection: String
    let version: Int
    let sql: String
    let arguments: [DatabaseValue]
}
