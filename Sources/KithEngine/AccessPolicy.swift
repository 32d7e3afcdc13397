public import KithSchema
public import KithStore

/// What one user may do with one entity (角色/权限), from the schema's roles and the user's role
/// assignments, department tree and shares: the store's `AccessFilter` (SQL conditions with
/// bound arguments) plus the yes/no grants.
///
/// Several roles: the widest grant wins. `own`: records the user owns; `department`: records of
/// the user's department and every department below it; `all`; `no`. Entities without owners:
/// any scope but `no` is every record. Line items follow their master. Shared records are readable
/// (and writable when shared for editing) whatever the scope; ownerless records of a public pool
/// are readable by users who may claim them. Field access `none` hides a field, `read` makes it
/// read-only; the widest level among the roles that may read the entity wins. The `admin` role
/// and the engine (no user) may do everything.
public struct Access: Sendable {
    public var filter: AccessFilter
    public var mayExport: Bool
    public var mayClaim: Bool

    public static let everything = Access(filter: .unrestricted, mayExport: true, mayClaim: true)
}

public enum AccessPolicy {
    /// The roles' grants on one entity merged: the widest scope and any yes win.
    public struct Grants: Sendable {
        public var read = Role.Scope.no, update = Role.Scope.no, delete = Role.Scope.no
        public var create = false, export = false, claim = false
        /// The roles that may read the entity (their field access applies).
        public var readingRoles: [Role] = []
    }

    /// What the roles grant on `entityName` (its own grant, else the role's `*` grant), from the
    /// schema alone: menus ask this without a database.
    public static func grants(_ entityName: String, roles: [String], schema: Schema) -> Grants {
        var merged = Grants()
        for name in roles {
            guard let role = schema.role(name),
                let grant = role.grants.first(where: { $0.entity == entityName }) ?? role.grants.first(where: { $0.entity == "*" })
            else { continue }
            merged.read = max(merged.read, grant.read)
            merged.update = max(merged.update, grant.update)
            merged.delete = max(merged.delete, grant.delete)
            merged.create = merged.create || grant.create
            merged.export = merged.export || grant.export
            merged.claim = merged.claim || grant.claim
            if grant.read != .no { merged.readingRoles.append(role) }
        }
        return merged
    }

    /// The access of `user` (nil: the engine) to `entityName`.
    public static func access(_ entityName: String, for user: DirectoryUser?, in transaction: RecordTransaction) throws(RecordError)
        -> Access
    {
        let schema = transaction.currentSchema
        guard let user, !user.roles.contains(Role.administrator) else { return .everything }
        guard let entity = schema.entity(entityName) else {
            throw RecordError(.invalidQuery, entity: entityName, "unknown entity '\(entityName)'")
        }
        if let masterName = entity.detailOf, let master = schema.entity(masterName),
            let link = entity.fields.first(where: { $0.type == .ref && $0.target == masterName })?.name
        {
            let masterAccess = try access(masterName, for: user, in: transaction)
            var filter = masterAccess.filter
            let table = StorageLayout.tableName(master.name)
            filter.read = filter.read.map { through($0, link: link, table: table) }
            filter.update = filter.update.map { through($0, link: link, table: table) }
            filter.delete = filter.update
            filter.hiddenFields = []
            filter.readonlyFields = []
            return Access(filter: filter, mayExport: masterAccess.mayExport, mayClaim: false)
        }
        let granted = grants(entityName, roles: user.roles, schema: schema)
        let (read, update, delete, readingRoles) = (granted.read, granted.update, granted.delete, granted.readingRoles)
        let (create, export, claim) = (granted.create, granted.export, granted.claim)
        // A field is as open as the most open reading role makes it (unmentioned: writable).
        let mentioned = Set(readingRoles.flatMap { $0.fieldAccess.filter { $0.entity == entityName }.map(\.field) })
        var fieldLevels: [String: Role.FieldAccess.Level] = [:]
        for field in mentioned {
            fieldLevels[field] = readingRoles.map { role in
                role.fieldAccess.first { $0.entity == entityName && $0.field == field }?.level ?? .write
            }.max() ?? .write
        }
        let ownerless = entity.ownership == .none
        let readScope = ownerless && read != .no ? .all : read
        let updateScope = ownerless && update != .no ? .all : update
        // Shares widen narrower scopes (`no` included); with read and update both `all` they add nothing.
        let shares = readScope != .all || updateScope != .all ? try shareCondition(entityName, user: user, in: transaction) : nil
        var readCondition = try condition(readScope, user: user, in: transaction)
        if let base = readCondition {
            var alternatives = [base]
            if let shared = shares?.read { alternatives.append(shared) }
            if entity.isPool && claim { alternatives.append(AccessFilter.Condition(sql: "r.\"owner\" IS NULL")) }
            readCondition = any(alternatives)
        }
        var updateCondition = try condition(updateScope, user: user, in: transaction)
        if let base = updateCondition, let shared = shares?.edit { updateCondition = any([base, shared]) }
        let deleteCondition = try condition(ownerless && delete != .no ? .all : delete, user: user, in: transaction)
        let hidden = Set(fieldLevels.filter { $0.value == .none }.keys)
        let readonly = Set(fieldLevels.filter { $0.value == .read }.keys)
        return Access(
            filter: AccessFilter(
                read: readCondition, update: updateCondition, delete: deleteCondition, mayCreate: create, hiddenFields: hidden,
                readonlyFields: readonly),
            mayExport: export, mayClaim: claim && entity.isPool)
    }

    /// A scope as a condition on the table aliased `r` (nil: every record).
    static func condition(_ scope: Role.Scope, user: DirectoryUser, in transaction: RecordTransaction) throws(RecordError)
        -> AccessFilter.Condition?
    {
        switch scope {
        case .all: return nil
        case .no: return .nothing
        case .own: return AccessFilter.Condition(sql: "r.\"owner\" = ?", arguments: [.integer(user.id)])
        case .department:
            guard let department = user.departmentID else {
                return AccessFilter.Condition(sql: "r.\"owner\" = ?", arguments: [.integer(user.id)])
            }
            let tree = try transaction.departmentTree(department)
            return AccessFilter.Condition(
                sql: "r.\"department\" IN (SELECT value FROM json_each(?))", arguments: [.text(RecordTransaction.jsonList(tree))])
        }
    }

    /// Records shared with the user or with a department at or above theirs; nil when nothing of
    /// the entity is shared with them (most users, most of the time): then the scope alone lets
    /// SQLite walk the owner's or department's index.
    static func shareCondition(_ entity: String, user: DirectoryUser, in transaction: RecordTransaction) throws(RecordError) -> (
        read: AccessFilter.Condition, edit: AccessFilter.Condition
    )? {
        var chain: [Int64] = []
        if let department = user.departmentID { chain = try transaction.departmentChain(department) }
        guard try transaction.hasShares(entity, user: user.id, departments: chain) else { return nil }
        // Two selects, one per share index (an OR of user and department would scan every share).
        func shared(_ edit: String) -> AccessFilter.Condition {
            AccessFilter.Condition(
                sql: "r.id IN (SELECT record FROM kith_share WHERE entity = ? AND user = ?\(edit)"
                    + " UNION ALL SELECT record FROM kith_share WHERE entity = ? AND department IN (SELECT value FROM json_each(?))\(edit))",
                arguments: [.text(entity), .integer(user.id), .text(entity), .text(RecordTransaction.jsonList(chain))])
        }
        return (shared(""), shared(" AND can_edit = 1"))
    }

    /// Records passing any of the conditions. A lone condition stays as it is, so that reading
    /// nothing is still `.nothing` (no list, no menu entry, 403 from the API).
    static func any(_ conditions: [AccessFilter.Condition]) -> AccessFilter.Condition {
        let useful = conditions.filter { $0.sql != AccessFilter.Condition.nothing.sql }
        guard useful.count > 1 else { return useful.first ?? .nothing }
        return AccessFilter.Condition(sql: useful.map { "(\($0.sql))" }.joined(separator: " OR "), arguments: useful.flatMap(\.arguments))
    }

    /// A master's condition applied to its lines: the line's master must pass it.
    static func through(_ condition: AccessFilter.Condition, link: String, table: String) -> AccessFilter.Condition {
        let inner = condition.sql.replacingOccurrences(of: "r.", with: "m.")
        return AccessFilter.Condition(
            sql: "r.\"\(link)\" IN (SELECT m.id FROM \"\(table)\" m WHERE \(inner))", arguments: condition.arguments)
    }
}
