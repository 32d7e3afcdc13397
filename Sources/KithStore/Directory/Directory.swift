import Foundation
import GRDB
import KithSchema

/// A person who signs in (用户), as the directory stores them.
public struct DirectoryUser: Sendable, Equatable {
    public let id: Int64
    public let login: String
    public let name: String
    public let email: String?
    public let departmentID: Int64?
    public let managerID: Int64?
    /// Role names from the schema.
    public let roles: [String]
    public let isActive: Bool
    /// The UI language the user chose (`zh`, `en`), nil for the workspace's.
    public var language: String? = nil

    public var actor: Actor { Actor(userID: id, departmentID: departmentID) }
}

/// An API token as admins see it: whose, named what, when made, last used and revoked.
public struct TokenInfo: Sendable, Equatable {
    public let id: Int64
    public let user: Int64
    public let login: String
    public let name: String
    public let createdAt: String
    public let lastUsedAt: String?
    public let revokedAt: String?
}

/// A node of the department tree (集团 → 大区 → 分公司 → 办事处).
public struct Department: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let parentID: Int64?
    public let headID: Int64?
}

/// Every user (by name) and department (by name), with both looked up by id.
public struct Directory: Sendable {
    public let users: [DirectoryUser]
    public let departments: [Department]
    public let usersByID: [Int64: DirectoryUser]
    public let departmentsByID: [Int64: Department]

    init(users: [DirectoryUser], departments: [Department]) {
        self.users = users
        self.departments = departments
        usersByID = Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        departmentsByID = Dictionary(departments.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A message (消息) or, with a due time, a reminder (提醒) in a user's inbox.
public struct InboxMessage: Sendable, Equatable {
    public let id: Int64
    public let userID: Int64
    public let text: String
    public let entity: String?
    public let recordID: Int64?
    public let dueAt: String?
    public let createdAt: String
    /// When the user marked it read; nil while unread.
    public var readAt: String? = nil
}

extension RecordTransaction {
    // MARK: - Departments

    public func addDepartment(name: String, parent: Int64? = nil, head: Int64? = nil) throws(RecordError) -> Int64 {
        try storage("department") {
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 100 else {
                throw RecordError(.invalid, entity: "department", "a department needs a name of up to 100 characters")
            }
            if try department(named: name) != nil {
                throw RecordError(.duplicate, entity: "department", "a department named '\(name)' already exists")
            }
            try db.execute(
                sql: "INSERT INTO kith_department (name, parent, head, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, parent, head, nowText])
            return db.lastInsertedRowID
        }
    }

    /// Renames a department, puts it under another (nil: at the top) and sets its head. A
    /// department cannot go under itself or a department below it.
    public func updateDepartment(_ id: Int64, name: String, parent: Int64?, head: Int64?) throws(RecordError) {
        try storage("department") {
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 100 else {
                throw RecordError(.invalid, entity: "department", "a department needs a name of up to 100 characters")
            }
            if let other = try department(named: name), other.id != id {
                throw RecordError(.duplicate, entity: "department", "a department named '\(name)' already exists")
            }
            if let parent, try departmentTree(id).contains(parent) {
                throw RecordError(.invalid, entity: "department", "a department cannot be placed under itself or a department below it")
            }
            try db.run("UPDATE kith_department SET name = ?, parent = ?, head = ? WHERE id = ?", arguments: [name, parent, head, id])
            guard db.changesCount == 1 else { throw RecordError(.notFound, entity: "department", "department #\(id) does not exist") }
        }
    }

    public func setDepartmentHead(_ department: Int64, head: Int64?) throws(RecordError) {
        try storage("department") { try db.execute(sql: "UPDATE kith_department SET head = ? WHERE id = ?", arguments: [head, department]) }
    }

    public func department(named name: String) throws(RecordError) -> Department? {
        try storage("department") {
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT id, name, parent, head FROM kith_department WHERE name = ?"), arguments: [name]).map(Self.department)
        }
    }

    public func department(id: Int64) throws(RecordError) -> Department? {
        try storage("department") {
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT id, name, parent, head FROM kith_department WHERE id = ?"), arguments: [id]).map(Self.department)
        }
    }

    /// The department and every department below it.
    public func departmentTree(_ root: Int64) throws(RecordError) -> [Int64] {
        try storage("department") {
            try Int64.fetchAll(
                try db.cachedStatement(
                sql: """
                    WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT d.id FROM kith_department d JOIN tree ON d.parent = tree.id)
                    SELECT id FROM tree
                    """), arguments: [root])
        }
    }

    /// The id of the department named `name` (nil for nil); a name that does not exist is an error.
    public func departmentID(named name: String?) throws(RecordError) -> Int64? {
        guard let name else { return nil }
        guard let found = try department(named: name) else {
            throw RecordError(.invalid, entity: "department", "there is no department '\(name)'")
        }
        return found.id
    }

    private static func department(_ row: Row) -> Department {
        Department(id: row[0], name: row[1], parentID: row[2], headID: row[3])
    }

    // MARK: - Users

    public func addUser(
        login: String, name: String, email: String? = nil, phone: String? = nil, language: String? = nil, department: Int64? = nil,
        manager: Int64? = nil, roles: [String], passwordHash: String? = nil
    ) throws(RecordError) -> Int64 {
        try storage("user") {
            guard !login.isEmpty, login.allSatisfy({ $0.isLetter || $0.isNumber || "._-@".contains($0) }) else {
                throw RecordError(.invalid, entity: "user", "'\(login)' is not a valid login (letters, digits, . _ - @)")
            }
            let unknown = roles.filter { $0 != Role.administrator && schema.role($0) == nil }
            guard unknown.isEmpty else {
                throw RecordError(.invalid, entity: "user", "unknown role '\(unknown[0])'")
            }
            if try user(login: login) != nil {
                throw RecordError(.duplicate, entity: "user", "a user with login '\(login)' already exists")
            }
            if let language, language != "zh", language != "en" {
                throw RecordError(.invalid, entity: "user", "the language is zh or en, not '\(language)'")
            }
            try db.execute(
                sql: """
                    INSERT INTO kith_user (login, name, email, phone, language, department, manager, roles, password_hash, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [login, name, email, phone, language, department, manager, Self.jsonStrings(roles), passwordHash, nowText])
            return db.lastInsertedRowID
        }
    }

    /// Replaces a user's roles (every one from the schema, or `admin`).
    public func setRoles(_ user: Int64, _ roles: [String]) throws(RecordError) {
        try storage("user") {
            let unknown = roles.filter { $0 != Role.administrator && schema.role($0) == nil }
            guard unknown.isEmpty else { throw RecordError(.invalid, entity: "user", "unknown role '\(unknown[0])'") }
            try db.execute(sql: "UPDATE kith_user SET roles = ? WHERE id = ?", arguments: [Self.jsonStrings(roles), user])
        }
    }

    /// Enables or disables a user: a disabled user cannot sign in and their tokens stop working.
    public func setActive(_ user: Int64, _ active: Bool) throws(RecordError) {
        try storage("user") { try db.execute(sql: "UPDATE kith_user SET active = ? WHERE id = ?", arguments: [active, user]) }
    }

    /// Moves a user to a department and a manager (either may be nil). Records keep the
    /// department they were created in.
    public func setPlacement(_ user: Int64, department: Int64?, manager: Int64?) throws(RecordError) {
        guard manager != user else { throw RecordError(.invalid, entity: "user", "a user cannot be their own manager") }
        try storage("user") {
            try db.execute(sql: "UPDATE kith_user SET department = ?, manager = ? WHERE id = ?", arguments: [department, manager, user])
        }
    }

    /// Every user and department as of now. Readers keep it per revision of the directory (every
    /// change to users or departments counts one), so a page that names users reads the directory
    /// only after it changed. Inside a write it is read anew: the write may have changed it.
    public func directory() throws(RecordError) -> Directory {
        let revision = try storage("user") {
            try db.configuration.readonly ? Int64.fetchOne(try db.cachedStatement(sql: "SELECT value FROM kith_revision WHERE name = 'directory'")) : nil
        }
        if let revision, let known = store.directories[revision] { return known }
        let directory = Directory(users: try allUsers(), departments: try allDepartments())
        if let revision { store.directories[revision] = directory }
        return directory
    }

    /// Every department, by name.
    public func allDepartments() throws(RecordError) -> [Department] {
        try storage("department") {
            try Row.fetchAll(db, sql: "SELECT id, name, parent, head FROM kith_department ORDER BY name").map(Self.department)
        }
    }

    /// The user's UI language (`zh` or `en`).
    public func setLanguage(_ user: Int64, _ language: String) throws(RecordError) {
        guard language == "zh" || language == "en" else { throw RecordError(.invalid, entity: "user", "the language is zh or en") }
        try storage("user") { try db.execute(sql: "UPDATE kith_user SET language = ? WHERE id = ?", arguments: [language, user]) }
    }

    /// Stores a new password hash for a user.
    public func setPasswordHash(_ user: Int64, _ hash: String) throws(RecordError) {
        try storage("user") { try db.execute(sql: "UPDATE kith_user SET password_hash = ? WHERE id = ?", arguments: [hash, user]) }
    }

    static func jsonStrings(_ items: [String]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: items)) ?? Data("[]".utf8), as: UTF8.self)
    }

    private static let userColumns = "id, login, name, email, department, manager, roles, active, language"

    public func user(id: Int64) throws(RecordError) -> DirectoryUser? {
        try storage("user") {
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM kith_user WHERE id = ?"), arguments: [id]).map(Self.user)
        }
    }

    public func user(login: String) throws(RecordError) -> DirectoryUser? {
        try storage("user") {
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM kith_user WHERE login = ?"), arguments: [login]).map(Self.user)
        }
    }

    /// The id of the user with this login (nil for nil); a login that does not exist is an error.
    public func userID(login: String?) throws(RecordError) -> Int64? {
        guard let login else { return nil }
        guard let found = try user(login: login) else { throw RecordError(.invalid, entity: "user", "there is no user '\(login)'") }
        return found.id
    }

    /// Active users holding the role.
    public func users(withRole role: String) throws(RecordError) -> [DirectoryUser] {
        try storage("user") {
            try Row.fetchAll(
                try db.cachedStatement(
                sql: """
                    SELECT \(Self.userColumns) FROM kith_user
                    WHERE active = 1 AND EXISTS (SELECT 1 FROM json_each(roles) WHERE value = ?) ORDER BY id
                    """), arguments: [role]
            ).map(Self.user)
        }
    }

    /// Every user, active or not, by name.
    public func allUsers() throws(RecordError) -> [DirectoryUser] {
        try storage("user") {
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM kith_user ORDER BY name, id")).map(Self.user)
        }
    }

    /// Active users of the department and the departments below it.
    public func users(inDepartment department: Int64) throws(RecordError) -> [DirectoryUser] {
        let tree = try departmentTree(department)
        return try storage("user") {
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.userColumns) FROM kith_user WHERE active = 1 AND department IN (SELECT value FROM json_each(?)) ORDER BY id",
                arguments: [Self.jsonList(tree)]
            ).map(Self.user)
        }
    }

    /// The user's manager: their own, else the head of their department or of the nearest
    /// department above it that has a head other than the user.
    public func manager(of userID: Int64) throws(RecordError) -> Int64? {
        guard let user = try user(id: userID) else { return nil }
        if let manager = user.managerID { return manager }
        var next = user.departmentID
        var seen = Set<Int64>()
        while let id = next, seen.insert(id).inserted, let department = try department(id: id) {
            if let head = department.headID, head != userID { return head }
            next = department.parentID
        }
        return nil
    }

    private static func user(_ row: Row) -> DirectoryUser {
        let roles = (try? JSONSerialization.jsonObject(with: Data((row[6] as String? ?? "[]").utf8))) as? [String] ?? []
        return DirectoryUser(
            id: row[0], login: row[1], name: row[2], email: row[3], departmentID: row[4], managerID: row[5], roles: roles,
            isActive: row[7] as Bool? ?? true, language: row[8])
    }

    // MARK: - Inbox

    /// A message for the user; with `dueAt`, a reminder that shows from then on. `texts` gives
    /// the message in other languages too, by language code (`inbox(of:dueBy:language:)`).
    public func postMessage(
        to user: Int64, text: String, texts: [String: String]? = nil, entity: String? = nil, record: Int64? = nil,
        dueAt: String? = nil
    ) throws(RecordError) {
        try storage("message") {
            guard try self.user(id: user) != nil else {
                throw RecordError(.invalid, entity: "message", "there is no user #\(user) to send a message to")
            }
            let variants = try texts.map {
                String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
            }
            try db.execute(
                sql: """
                    INSERT INTO kith_message (user, text, texts, entity, record, due_at, created_at, created_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [user, text, variants, entity, record, dueAt, nowText, actor.userID])
        }
    }

    /// The user's messages and the reminders due by `now`, newest first; each in `language` when
    /// it was written in it too.
    public func inbox(of user: Int64, dueBy now: String, language: String? = nil) throws(RecordError) -> [InboxMessage] {
        try storage("message") {
            try Row.fetchAll(
                try db.cachedStatement(
                sql: """
                    SELECT id, user, coalesce(texts ->> ('$.' || ?), text), entity, record, due_at, created_at,
                    read_at FROM kith_message
                    WHERE user = ? AND (due_at IS NULL OR due_at <= ?) ORDER BY coalesce(due_at, created_at) DESC, id DESC
                    """), arguments: [language, user, now]
            ).map(Self.message)
        }
    }

    /// A `kith_message` row (id, user, text, entity, record, due_at, created_at, read_at).
    static func message(_ row: Row) -> InboxMessage {
        InboxMessage(
            id: row[0], userID: row[1], text: row[2], entity: row[3], recordID: row[4], dueAt: row[5], createdAt: row[6], readAt: row[7])
    }

    /// The user's reminders due in [from, to) (ISO text), earliest first: the calendar.
    public func reminders(of user: Int64, from: String, to: String) throws(RecordError) -> [InboxMessage] {
        try storage("message") {
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT id, user, text, entity, record, due_at, created_at, read_at FROM kith_message
                        WHERE user = ? AND due_at >= ? AND due_at < ? ORDER BY due_at, id LIMIT 1000
                        """), arguments: [user, from, to]
            ).map(Self.message)
        }
    }

    /// Marks the user's messages read: those given, or all that are due.
    public func markRead(user: Int64, ids: [Int64]? = nil) throws(RecordError) {
        try storage("message") {
            if let ids {
                try db.execute(
                    sql: "UPDATE kith_message SET read_at = ? WHERE user = ? AND read_at IS NULL AND id IN (SELECT value FROM json_each(?))",
                    arguments: [nowText, user, Self.jsonList(ids)])
            } else {
                try db.execute(
                    sql: "UPDATE kith_message SET read_at = ? WHERE user = ? AND read_at IS NULL AND (due_at IS NULL OR due_at <= ?)",
                    arguments: [nowText, user, nowText])
            }
        }
    }
}

extension RecordTransaction {
    /// How many users the directory holds.
    public func userCount() throws(RecordError) -> Int {
        try storage("user") { try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM kith_user")) ?? 0 }
    }

    /// The stored password hash of an active user, for signing in.
    public func passwordHash(login: String) throws(RecordError) -> (user: DirectoryUser, hash: String)? {
        guard let user = try user(login: login), user.isActive else { return nil }
        return try storage("user") {
            try String.fetchOne(try db.cachedStatement(sql: "SELECT password_hash FROM kith_user WHERE id = ?"), arguments: [user.id]).map { (user, $0) }
        }
    }
}

extension RecordTransaction {
    // MARK: - Sharing (共享)

    /// Shares a record with a user or a department (and the departments below it), for reading or
    /// also for editing. Sharing again replaces the earlier share with the same target.
    public func share(_ entity: String, record: Int64, user: Int64? = nil, department: Int64? = nil, canEdit: Bool) throws(RecordError) {
        try storage(entity) {
            guard (user == nil) != (department == nil) else {
                throw RecordError(.invalid, entity: entity, "share with one user or one department")
            }
            try db.execute(
                sql: "DELETE FROM kith_share WHERE entity = ? AND record = ? AND user IS ? AND department IS ?",
                arguments: [entity, record, user, department])
            try db.execute(
                sql: "INSERT INTO kith_share (entity, record, user, department, can_edit, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [entity, record, user, department, canEdit, nowText, actor.userID])
        }
    }

    /// The departments above `department`, and itself: a share with any of them reaches its users.
    public func departmentChain(_ department: Int64) throws(RecordError) -> [Int64] {
        var chain: [Int64] = []
        var next: Int64? = department
        while let id = next, !chain.contains(id), let found = try self.department(id: id) {
            chain.append(id)
            next = found.parentID
        }
        return chain
    }
}

/// An entry of the system log (系统日志): who did what security-relevant thing, when, from where.
public struct SystemEvent: Sendable, Equatable {
    public let id: Int64
    public let at: String
    /// `sign-in`, `sign-in-failed`, `token-used`, `denied`, `export`, `role-change`, ...
    public let kind: String
    public let userID: Int64?
    public let login: String?
    /// Where it came from: an IP address, `cli`, ...
    public let source: String?
    public let detail: String
}

extension RecordTransaction {
    // MARK: - System log

    public func logEvent(_ kind: String, user: Int64? = nil, login: String? = nil, source: String? = nil, detail: String = "")
        throws(RecordError)
    {
        try storage("system_log") {
            try db.execute(
                sql: "INSERT INTO kith_event (at, kind, user, login, source, detail) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [nowText, kind, user, login, source, detail])
        }
    }

    /// The newest entries first.
    public func systemLog(limit: Int = 100) throws(RecordError) -> [SystemEvent] {
        try storage("system_log") {
            try Row.fetchAll(
                db, sql: "SELECT id, at, kind, user, login, source, detail FROM kith_event ORDER BY id DESC LIMIT ?", arguments: [limit]
            ).map { SystemEvent(id: $0[0], at: $0[1], kind: $0[2], userID: $0[3], login: $0[4], source: $0[5], detail: $0[6]) }
        }
    }
}

extension RecordTransaction {
    // MARK: - API tokens

    /// Stores a token's hashed secret for a user; the token's id.
    public func addToken(user: Int64, name: String, secretHash: String) throws(RecordError) -> Int64 {
        try storage("token") {
            try db.execute(
                sql: "INSERT INTO kith_token (user, name, secret_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [user, name, secretHash, nowText])
            return db.lastInsertedRowID
        }
    }

    /// A live token's owner and hashed secret.
    public func token(id: Int64) throws(RecordError) -> (user: Int64, secretHash: String)? {
        try storage("token") {
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT user, secret_hash FROM kith_token WHERE id = ? AND revoked_at IS NULL"), arguments: [id])
                .map { ($0[0], $0[1]) }
        }
    }

    /// Every token (never its secret), newest first.
    public func tokens() throws(RecordError) -> [TokenInfo] {
        try storage("token") {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.id, t.user, u.login, t.name, t.created_at, t.last_used_at, t.revoked_at
                    FROM kith_token t JOIN kith_user u ON u.id = t.user ORDER BY t.id DESC
                    """
            ).map { TokenInfo(id: $0[0], user: $0[1], login: $0[2], name: $0[3], createdAt: $0[4], lastUsedAt: $0[5], revokedAt: $0[6]) }
        }
    }

    public func markTokenUsed(_ id: Int64) throws(RecordError) {
        try storage("token") { try db.execute(sql: "UPDATE kith_token SET last_used_at = ? WHERE id = ?", arguments: [nowText, id]) }
    }

    public func revokeToken(_ id: Int64) throws(RecordError) {
        try storage("token") {
            try db.execute(sql: "UPDATE kith_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [nowText, id])
        }
    }
}

extension RecordTransaction {
    /// Whether anything of the entity is shared with the user or one of these departments.
    public func hasShares(_ entity: String, user: Int64, departments: [Int64]) throws(RecordError) -> Bool {
        try storage(entity) {
            try Bool.fetchOne(
                try db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM kith_share WHERE entity = ? AND (user = ? OR department IN (SELECT value FROM json_each(?))))
                    """), arguments: [entity, user, "[" + departments.map(String.init).joined(separator: ",") + "]"]) ?? false
        }
    }
}
