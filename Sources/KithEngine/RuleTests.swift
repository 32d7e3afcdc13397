import Foundation
public import KithSchema
import KithScript
import KithStore
public import Logging

/// `kith test`: the rule tests of `scripts/tests/*_test.lua`, run against a throw-away copy of
/// the workspace's database with a fixed clock. Each `t.case` runs in its own transaction, rolled
/// back afterwards, as the admin unless wrapped in `t.as`.
public final class RuleTestRun: @unchecked Sendable {
    public struct Outcome: Sendable {
        public let file: String
        public let name: String
        /// Nil when the case passed.
        public let failure: String?
    }

    /// The clock of the run: starts at the real time, `t.clock` moves it.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var date: Date
        let start: Date
        init(_ date: Date) {
            self.date = date
            start = date
        }
        var now: Date { lock.withLock { date } }
        func set(_ date: Date) { lock.withLock { self.date = date } }
    }

    let engine: Engine
    let clock: Clock
    let filter: String?
    let output: (String) -> Void
    public private(set) var outcomes: [Outcome] = []
    private var currentFile = ""
    /// The cases the current file defined, run or not (a file that defines none is a mistake).
    private var casesDefined = 0
    private var administrator = Actor.system
    /// The instructions one case may run, the rules it sets off included: a schedule's budget,
    /// since a case builds its fixtures as a schedule builds its batch.
    var caseBudget: Int { engine.rules.limits.scheduleInstructions }

    public var passed: Int { outcomes.filter { $0.failure == nil }.count }
    public var failed: Int { outcomes.count - passed }

    init(engine: Engine, clock: Clock, filter: String?, output: @escaping (String) -> Void) {
        self.engine = engine
        self.clock = clock
        self.filter = filter
        self.output = output
    }

    /// Runs every rule test of the workspace (those whose file or case name contains `filter`).
    /// The workspace's database is copied first; the copy is deleted afterwards.
    public static func run(
        _ loaded: LoadedWorkspace, filter: String? = nil, logger: Logger = Logger(label: "kith.test"), output: @escaping (String) -> Void
    ) throws -> RuleTestRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("kith.sqlite")
        let source = loaded.workspace.databaseFile
        if FileManager.default.fileExists(atPath: source.path) { try RecordStore.copyDatabase(from: source, to: database) }
        let clock = Clock(Date())
        let store = try RecordStore.open(
            at: database.path, schema: loaded.schema, timeZone: loaded.workspace.timeZone, clock: StoreClock { clock.now }, migrate: false)
        defer { try? store.close() }
        // The copy takes the schema as the files now say, destructive steps too: rules can be
        // tested against a change before the real database is migrated.
        try store.migrate(allowDestructive: true, backup: nil)
        let rules = RuleRuntime(folders: loaded.workspace.scriptFolders, limits: loaded.workspace.limits, testing: true)
        let run = RuleTestRun(engine: Engine(store: store, rules: rules, logger: logger), clock: clock, filter: filter, output: output)
        for problem in rules.problems {
            run.record(file: problem.location ?? "scripts", name: "compiles", failure: problem.description)
        }
        try run.runAll()
        return run
    }

    func runAll() throws {
        administrator = try engine.write(as: .system) { transaction in
            if let admin = try transaction.user(login: "admin") { return admin.actor }
            let id = try transaction.addUser(login: "admin", name: "Administrator", roles: [Role.administrator])
            return Actor(userID: id, departmentID: nil)
        }
        for module in engine.rules.library.modules where module.isTest && module.path.hasSuffix("_test") {
            currentFile = module.display
            casesDefined = 0
            let state: RuleState
            do {
                state = try engine.rules.acquire()
            } catch {
                record(file: module.display, name: "loads", failure: error.description)
                continue
            }
            defer { engine.rules.release(state) }
            let session = RuleSession(engine: engine)
            session.tests = self
            defer { session.finish() }
            do {
                try state.runTest(module.path, host: session, budget: caseBudget)
                if casesDefined == 0, filter.map(module.display.contains) ?? true {
                    // Such a file (a table of functions, say) would otherwise pass without a word.
                    record(
                        file: module.display, name: "defines cases",
                        failure: #"the file defines no test cases: write each as t.case("name", function() ... end), "#
                            + #"with local t = require("kith.test")"#)
                }
            } catch {
                record(file: module.display, name: "runs", failure: error.description)
            }
        }
        output("\(passed) passed, \(failed) failed")
    }

    func record(file: String, name: String, failure: String?) {
        outcomes.append(Outcome(file: file, name: name, failure: failure))
        if let failure {
            output("FAIL \(file): \(name)\n     \(failure.replacingOccurrences(of: "\n", with: "\n     "))")
        } else {
            output("ok   \(file): \(name)")
        }
    }

    /// Rolls a case's transaction back once the case has run.
    private struct RollBack: Error {}

    func perform(_ operation: HostOperation, _ arguments: Arguments, _ call: RuleCall, session: RuleSession) throws -> [ScriptValue] {
        switch operation {
        case .testCase:
            let name = try arguments.text(0)
            guard arguments.values.count > 1, case .function(let function) = arguments.values[1] else {
                throw HostError.message("t.case needs a name and a function")
            }
            casesDefined += 1
            if let filter, !currentFile.contains(filter) && !name.contains(filter) { return [] }
            clock.set(clock.start)
            session.forgetLookups()
            call.refillBudget(caseBudget)
            defer { call.refillBudget(caseBudget) }  // the file goes on to its next case
            var failure: String?
            _ = try? engine.store.write(as: administrator, hooks: session) { transaction in
                session.enter(transaction) {
                    do {
                        _ = try call.invoke(function, budget: caseBudget)
                        for hook in session.takeAfterCommit() {
                            try session.invoke(hook.function, entity: hook.entity, context: hook.context)
                        }
                    } catch let error as RuleFailure {
                        failure = error.description
                    } catch let error as RecordError {
                        failure = [error.ruleLocation, error.description].compactMap { $0 }.joined(separator: ": ")
                    } catch {
                        failure = "\(error)"
                    }
                }
                throw RollBack()
            }
            record(file: currentFile, name: name, failure: failure)
            return []
        case .testClock:
            let text = try arguments.text(0)
            guard let date = Self.parse(text, timeZone: engine.store.timeZone) else {
                throw HostError.message("t.clock needs an ISO date or date-time such as \"2026-03-01T09:00:00\", not '\(text)'")
            }
            clock.set(date)
            return []
        case .testAs:
            let login = try arguments.text(0)
            guard let user = try session.transaction.user(login: login) else { throw HostError.message("t.as: there is no user '\(login)'") }
            guard arguments.values.count > 1, case .function(let function) = arguments.values[1] else {
                throw HostError.message("t.as needs a user name and a function")
            }
            return try session.enter(session.transaction.acting(as: user.actor)) { () throws(HostError) -> [ScriptValue] in
                do throws(RuleFailure) {
                    return try call.invoke(function)
                } catch {
                    throw HostError.failure(error)
                }
            }
        case .testTransition:
            let comment = arguments.values.count > 3 ? arguments.values[3].text : nil
            let record = try engine.transition(
                try arguments.entity(0, engine.schema).name, id: try arguments.id(1), try arguments.text(2), comment: comment,
                in: session.transaction)
            return [ScriptValues.record(record, schema: engine.schema)]
        case .testConvert:
            // `t.convert(name, id [, given])`: the records the conversion created, in order.
            var given: [String: [String: Value]] = [:]
            if arguments.values.count > 2, case .table(let byEntity) = arguments.values[2] {
                for (entity, values) in byEntity { given[entity] = ScriptValues.values(values) }
            }
            let created = try engine.convert(try arguments.text(0), id: try arguments.id(1), given: given, in: session.transaction)
            return [.list(created.map { ScriptValues.record($0, schema: engine.schema) })]
        case .testSetState:
            // A fixture: put a record in a state without a transition (its save hooks still run).
            let entity = try arguments.entity(0, engine.schema)
            guard let workflow = entity.workflow, let state = workflow.state(try arguments.text(2)) else {
                throw HostError.message("t.set_state: '\(entity.name)' has no state '\((try? arguments.text(2)) ?? "")'")
            }
            let transaction = session.transaction
            let record = try transaction.asEngine.update(
                entity.name, id: try arguments.id(1), ["state": .text(state.name)], action: "set-state")
            return [ScriptValues.record(record, schema: engine.schema)]
        case .testApprove, .testReject:
            let comment = arguments.values.count > 2 ? arguments.values[2].text : nil
            let record = try engine.decide(
                try arguments.entity(0, engine.schema).name, id: try arguments.id(1), approve: operation == .testApprove, comment: comment,
                in: session.transaction)
            return [ScriptValues.record(record, schema: engine.schema)]
        case .testRunSchedule:
            try engine.runSchedule(try arguments.text(0), in: session.transaction)
            return []
        case .testInbox:
            let login = try arguments.text(0)
            guard let user = try session.transaction.user(login: login) else { throw HostError.message("t.inbox: there is no user '\(login)'") }
            let now = engine.store.variables(for: .system).now
            return [
                .list(
                    try session.transaction.inbox(of: user.id, dueBy: now).map { message in
                        var fields: [String: ScriptValue] = ["text": .text(message.text)]
                        if let entity = message.entity { fields["entity"] = .text(entity) }
                        if let id = message.recordID { fields["id"] = .integer(id) }
                        if let due = message.dueAt { fields["due_at"] = .text(due) }
                        return .table(fields)
                    })
            ]
        case .testUser:
            let login = try arguments.text(0)
            let options = arguments.values.count > 1 ? arguments.values[1] : .null
            let transaction = session.transaction
            let id = try transaction.addUser(
                login: login, name: options["name"].text ?? login, email: options["email"].text,
                department: try transaction.departmentID(named: options["department"].text),
                manager: try transaction.userID(login: options["manager"].text), roles: (options["roles"].items ?? []).compactMap(\.text))
            return [.integer(id)]
        case .testDepartment:
            let options = arguments.values.count > 1 ? arguments.values[1] : .null
            let transaction = session.transaction
            let id = try transaction.addDepartment(
                name: try arguments.text(0), parent: try transaction.departmentID(named: options["parent"].text),
                head: try transaction.userID(login: options["head"].text))
            return [.integer(id)]
        default:
            throw HostError.message("kith.\(operation.rawValue) is not a test function")
        }
    }

    /// "2026-03-01", "2026-03-01T09:00:00" (workspace time) or with a zone ("...Z", "+08:00").
    static func parse(_ text: String, timeZone: TimeZone) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = timeZone
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            local.dateFormat = format
            if let date = local.date(from: text) { return date }
        }
        return nil
    }
}
