import Foundation

/// The `kith` API a rule calls, implemented by the engine on the current transaction and user.
public protocol RuleHost: AnyObject {
    /// Serves one call. `call` lets the host call back into Lua (a test case's function).
    func perform(_ operation: HostOperation, _ arguments: [ScriptValue], _ call: RuleCall) throws(HostError) -> [ScriptValue]
}

/// The functions of the `kith` table (and of `kith.test`), by their Lua names.
public enum HostOperation: String, CaseIterable, Sendable {
    case get, find, count, sum, create, update, delete, duplicates
    case notify, remind, release, assign, users
    case managerOf = "manager_of"
    case now, today
    case addDays = "add_days"
    case daysBetween = "days_between"
    case log, reject, transition
    case testCase = "test_case"
    case testClock = "test_clock"
    case testAs = "test_as"
    case testTransition = "test_transition"
    case testApprove = "test_approve"
    case testReject = "test_reject"
    case testRunSchedule = "test_run_schedule"
    case testInbox = "test_inbox"
    case testUser = "test_user"
    case testDepartment = "test_department"
    case testSetState = "test_set_state"
    case testConvert = "test_convert"
    /// The prelude's: a lazy part of the running context (served by the rules state itself).
    case context = "_context"

    private static let all = allCases
    private static let codes = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, Int32($0)) })
    static let contextCode = codes[.context] ?? -1

    var code: Int32 { Self.codes[self] ?? -1 }
    static func from(code: Int32) -> HostOperation? {
        all.indices.contains(Int(code)) ? all[Int(code)] : nil
    }
}

/// How a host call fails, as the calling rule sees it.
public enum HostError: Error {
    /// A Lua error with this message (the rule's file and line are added).
    case message(String)
    /// `kith.reject`: the save is refused with a message for the user, next to `field` when given.
    case rejection(field: String?, message: String)
    /// A rule the call ran (a hook of a record it wrote) failed.
    case failure(RuleFailure)
}

/// Why a rule did not complete.
public struct RuleFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The script does not compile.
        case syntax
        /// A Lua error, or an error the rule made the engine raise.
        case runtime
        /// `kith.reject(...)`: a refusal meant for the user.
        case rejected
        /// The state's memory cap was reached.
        case memory
        /// The call ran out of its instruction budget.
        case budget
        /// The named module or function does not exist.
        case missing
    }

    public let kind: Kind
    /// The message for the user: the rejection's text, or what went wrong.
    public let message: String
    /// The field a rejection names.
    public let field: String?
    /// Where it happened, `scripts/credit.lua:12`, when known.
    public let location: String?
    /// Lua's traceback, for the log and for admins.
    public let traceback: String?
    /// The rule function that failed, `credit.check_limit`, when known.
    public var function: String?

    public init(kind: Kind, message: String, field: String? = nil, location: String? = nil, traceback: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
        self.location = location
        self.traceback = traceback
    }

    public var description: String {
        [location.map { $0 + ": " }, field.map { $0 + ": " }, message].compactMap { $0 }.joined()
    }

    /// The failure of a raised Lua error: `chunk:line: message` + traceback split apart.
    static func fromLua(_ text: String, kind: Kind) -> RuleFailure {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var traceback: String?
        if let start = lines.firstIndex(where: { $0.hasPrefix("stack traceback:") }) {
            traceback = lines[start...].joined(separator: "\n")
            lines = Array(lines[..<start])
        }
        let first = lines.joined(separator: "\n")
        let (location, message) = splitLocation(first)
        return RuleFailure(kind: kind, message: message, location: location, traceback: traceback)
    }

    /// `scripts/credit.lua:12: text` → ("scripts/credit.lua:12", "text").
    static func splitLocation(_ text: String) -> (String?, String) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, Int(parts[1]) != nil, !parts[0].contains(" ") else { return (nil, text) }
        return ("\(parts[0]):\(parts[1])", parts[2].trimmingCharacters(in: .whitespaces))
    }
}
