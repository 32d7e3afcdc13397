/// One record of an entity: every field's value (system fields included) and, for a master, its
/// line items by detail entity.
public struct Record: Sendable, Equatable {
    public let entity: String
    public internal(set) var values: [String: Value]
    public internal(set) var lines: [String: [Record]]

    public var id: Int64 { values["id"]?.integer ?? 0 }
    public var version: Int64 { values["version"]?.integer ?? 0 }

    public subscript(field: String) -> Value { values[field] ?? .null }
}

/// Who is acting, as far as the store needs to know: stamps, `$me`, and whether read-only fields
/// may be written (by rules and the engine, never by a user directly).
public struct Actor: Sendable, Hashable {
    public enum Origin: Sendable, Hashable {
        /// A person through the UI, the API or an import.
        case user
        /// A Lua rule acting for a user.
        case rule
        /// The engine itself: conversions, workflows, restores, migrations, schedules.
        case engine
    }

    public var userID: Int64?
    public var departmentID: Int64?
    public var origin: Origin

    public init(userID: Int64?, departmentID: Int64?, origin: Origin = .user) {
        self.userID = userID
        self.departmentID = departmentID
        self.origin = origin
    }

    /// The engine acting on no one's behalf (schedules, migrations).
    public static let system = Actor(userID: nil, departmentID: nil, origin: .engine)

    var writesReadonlyFields: Bool { origin != .user }
}

/// What the caller's access rules allow for one entity, as SQL conditions the store adds to every
/// statement. The access layer builds it from roles, scopes and shares; the store never reads
/// around it. `nil` conditions mean unrestricted.
public struct AccessFilter: Sendable {
    /// A condition on the entity's table, aliased `r`, with `?` placeholders for `arguments`.
    public struct Condition: Sendable {
        public var sql: String
        public var arguments: [Value]

        public init(sql: String, arguments: [Value] = []) {
            self.sql = sql
            self.arguments = arguments
        }

        public static let nothing = Condition(sql: "0")
    }

    public var read: Condition?
    public var update: Condition?
    public var delete: Condition?
    public var mayCreate: Bool
    /// Fields the user may not see: removed from records, refused in filters, sorts and writes.
    public var hiddenFields: Set<String>
    /// Fields the user may see but not write.
    public var readonlyFields: Set<String>

    public init(
        read: Condition? = nil, update: Condition? = nil, delete: Condition? = nil, mayCreate: Bool = true,
        hiddenFields: Set<String> = [], readonlyFields: Set<String> = []
    ) {
        self.read = read
        self.update = update
        self.delete = delete
        self.mayCreate = mayCreate
        self.hiddenFields = hiddenFields
        self.readonlyFields = readonlyFields
    }

    /// True when no record can be read at all (no role grants reading the entity).
    public var readsNothing: Bool { read?.sql == Condition.nothing.sql }

    /// True when no record can be updated at all.
    public var updatesNothing: Bool { update?.sql == Condition.nothing.sql }

    /// Everything allowed: the engine's own work and administrators.
    public static let unrestricted = AccessFilter()
}

/// Why a record operation failed, for the user (message, fields) and for programs (code).
public struct RecordError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Values are wrong: see `problems`.
        case invalid
        case notFound = "not-found"
        case forbidden
        /// Someone saved the record since it was read: reload and try again.
        case stale
        /// A unique value is already used.
        case duplicate
        /// Other records refer to this one through a `restrict` reference.
        case referenced
        /// The record is in a locked workflow state.
        case locked
        /// The record's workflow state does not allow the transition (fired twice, or from a
        /// page read before someone else moved the record on).
        case wrongState = "wrong-state"
        /// A query names something that does not exist or may not be used.
        case invalidQuery = "invalid-query"
        case storage
        /// A rule refused the save (`kith.reject`): the message is for the user.
        case rejected
        /// A rule failed (a Lua error, its instruction budget or memory): nothing was saved.
        case rule
    }

    public var code: Code
    public var entity: String
    public var message: String
    public var problems: [FieldProblem]
    /// For `stale`: the version now stored.
    public var currentVersion: Int64?
    /// For `rejected` and `rule`: the script and line, and the traceback, for the log and admins.
    public var ruleLocation: String?
    public var traceback: String?

    /// A user with no grant or share to read any record of `entity`.
    public static func mayNotRead(_ entity: String) -> RecordError {
        RecordError(.forbidden, entity: entity, "you may not read \(entity) records")
    }

    public init(_ code: Code, entity: String, _ message: String, problems: [FieldProblem] = [], currentVersion: Int64? = nil) {
        self.code = code
        self.entity = entity
        self.message = message
        self.problems = problems
        self.currentVersion = currentVersion
    }

    /// A record that was not saved because of `problems`: `duplicate` when each is a value another
    /// record holds (a conflict, `http.md`'s 409), else `invalid`.
    static func notSaved(_ entity: String, _ problems: [FieldProblem]) -> RecordError {
        RecordError(problems.allSatisfy(\.isConflict) ? .duplicate : .invalid, entity: entity, "the \(entity) was not saved", problems: problems)
    }

    public var description: String {
        // A refusal of one field in its own words (`kith.reject(field, text)`): "field: text", not the text twice.
        if problems.count == 1, let only = problems.first, only.message == message { return only.description }
        return problems.isEmpty ? message : message + ": " + problems.map(\.description).joined(separator: "; ")
    }

    /// The same error with the record it is about named first (for work on several records).
    public func naming(record id: Int64) -> RecordError {
        var named = self
        named.message = "#\(id): " + message
        return named
    }
}
