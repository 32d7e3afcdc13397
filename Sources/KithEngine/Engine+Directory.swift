import Foundation
import HummingbirdBcrypt
import KithSchema
public import KithStore

/// Users and departments (用户, 部门): the directory the command line and the admin pages manage.
extension Engine {
    /// Creates a user. `department` and `manager` name an existing department and login;
    /// `password`, when given, is stored as a bcrypt hash, never as text.
    @discardableResult
    public func addUser(
        login: String, name: String? = nil, email: String? = nil, phone: String? = nil, language: String? = nil, roles: [String],
        department: String? = nil, manager: String? = nil, password: String? = nil
    ) throws(RecordError) -> DirectoryUser {
        let hash = password.map { Bcrypt.hash($0, cost: Self.passwordCost) }
        return try write(as: .system) { transaction in
            let id = try transaction.addUser(
                login: login, name: name ?? login, email: email, phone: phone, language: language,
                department: try transaction.departmentID(named: department),
                manager: try transaction.userID(login: manager), roles: roles, passwordHash: hash)
            guard let user = try transaction.user(id: id) else { throw RecordError(.storage, entity: "user", "the new user could not be read back") }
            return user
        }
    }

    /// Gives a user new roles; the change goes to the system log (who had what, who changed it).
    @discardableResult
    public func setRoles(login: String, roles: [String], by actor: DirectoryUser? = nil) throws(RecordError) -> DirectoryUser {
        try write(as: .system) { transaction in
            guard let user = try transaction.user(login: login) else { throw RecordError(.notFound, entity: "user", "there is no user '\(login)'") }
            try transaction.setRoles(user.id, roles)
            try transaction.logEvent(
                "role-change", user: actor?.id, login: actor?.login ?? "kith",
                detail: "\(login): \(user.roles.joined(separator: ",")) → \(roles.joined(separator: ","))")
            guard let changed = try transaction.user(id: user.id) else { throw RecordError(.storage, entity: "user", "the user could not be read back") }
            return changed
        }
    }

    /// Disables (or enables again) a user: a disabled user cannot sign in, their sessions end and
    /// their tokens stop working (within seconds in other processes). Logged.
    public func setActive(login: String, active: Bool, by actor: DirectoryUser? = nil) throws(RecordError) {
        if !active, actor?.login == login { throw RecordError(.invalid, entity: "user", "you cannot disable yourself") }
        try write(as: .system) { transaction in
            guard let user = try transaction.user(login: login) else { throw RecordError(.notFound, entity: "user", "there is no user '\(login)'") }
            try transaction.setActive(user.id, active)
            try transaction.logEvent(active ? "user-enabled" : "user-disabled", user: actor?.id, login: actor?.login ?? "kith", detail: login)
        }
        tokenCache.forgetAll()
    }

    /// Moves a user to a department and under a manager (names and logins; nil clears). Logged.
    public func setPlacement(login: String, department: String?, manager: String?, by actor: DirectoryUser? = nil) throws(RecordError) {
        try write(as: .system) { transaction in
            guard let user = try transaction.user(login: login) else { throw RecordError(.notFound, entity: "user", "there is no user '\(login)'") }
            try transaction.setPlacement(
                user.id, department: try transaction.departmentID(named: department), manager: try transaction.userID(login: manager))
            try transaction.logEvent(
                "user-moved", user: actor?.id, login: actor?.login ?? "kith", detail: "\(login): \(department ?? "-"), manager \(manager ?? "-")")
        }
        tokenCache.forgetAll()
    }

    /// Sets a user's password (stored as a bcrypt hash). Logged, without the password.
    /// Passwords set from now on need 8 characters or more.
    public static func checkPassword(_ password: String) throws(RecordError) {
        guard password.count >= 8 else { throw RecordError(.invalid, entity: "user", "a password needs 8 characters or more") }
    }

    public func setPassword(login: String, password: String, by actor: DirectoryUser? = nil) throws(RecordError) {
        try Self.checkPassword(password)
        let hash = Bcrypt.hash(password, cost: Self.passwordCost)
        try write(as: .system) { transaction in
            guard let user = try transaction.user(login: login) else { throw RecordError(.notFound, entity: "user", "there is no user '\(login)'") }
            try transaction.setPasswordHash(user.id, hash)
            try transaction.logEvent("password-change", user: actor?.id, login: actor?.login ?? "kith", detail: login)
        }
    }

    /// Creates a department under `parent` (a department's name), headed by `head` (a login).
    @discardableResult
    public func addDepartment(name: String, parent: String? = nil, head: String? = nil) throws(RecordError) -> Department {
        try write(as: .system) { transaction in
            let id = try transaction.addDepartment(
                name: name, parent: try transaction.departmentID(named: parent), head: try transaction.userID(login: head))
            guard let department = try transaction.department(id: id) else {
                throw RecordError(.storage, entity: "department", "the new department could not be read back")
            }
            return department
        }
    }

    /// Renames the department called `current`, places it under `parent` (a department's name;
    /// nil: at the top) and makes `head` (a login; nil: nobody) its head. In the system log.
    @discardableResult
    public func updateDepartment(_ current: String, name: String, parent: String?, head: String?, by actor: DirectoryUser? = nil) throws(RecordError)
        -> Department
    {
        try write(as: .system) { transaction in
            guard let department = try transaction.department(named: current) else {
                throw RecordError(.notFound, entity: "department", "there is no department '\(current)'")
            }
            let name = name.trimmingCharacters(in: .whitespaces)
            try transaction.updateDepartment(
                department.id, name: name, parent: try transaction.departmentID(named: parent), head: try transaction.userID(login: head))
            let detail = current == name ? name : "\(current) → \(name)"
            try transaction.logEvent("department-changed", user: actor?.id, login: actor?.login ?? "kith", detail: detail)
            guard let updated = try transaction.department(id: department.id) else {
                throw RecordError(.storage, entity: "department", "the department could not be read back")
            }
            return updated
        }
    }

    /// The active user with this login and password, or nil. Both outcomes go to the system log,
    /// with `source` (the client's address).
    public func signIn(login: String, password: String, source: String? = nil) throws(RecordError) -> DirectoryUser? {
        let found = try read(as: .system) { try $0.passwordHash(login: login) }
        let user = found.flatMap { Bcrypt.verify(password, hash: $0.hash) ? $0.user : nil }
        try store.write(as: .system) { transaction in
            if let user {
                try transaction.logEvent("sign-in", user: user.id, login: user.login, source: source)
            } else {
                try transaction.logEvent("sign-in-failed", user: found?.user.id, login: login, source: source)
            }
        }
        return user
    }

    /// On a database without users: creates `admin` with the built-in admin role and a random
    /// password, and returns the password (to be shown once). Nil when users exist.
    public func createFirstAdministrator() throws(RecordError) -> String? {
        guard try read(as: .system, { try $0.userCount() }) == 0 else { return nil }
        let password = Self.randomPassword()
        try addUser(login: "admin", name: "Administrator", roles: [Role.administrator], password: password)
        return password
    }

    /// bcrypt's work factor for passwords (2^12 rounds, about a quarter of a second).
    static let passwordCost: UInt8 = 12

    /// 16 characters without look-alikes (no 0/O, 1/l/I).
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
