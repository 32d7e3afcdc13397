import Foundation
import KithEngine
import KithStore
import Testing

/// Users and departments through the engine: passwords hashed, the first admin once.
@Suite struct DirectoryTests {
    @Test func passwordsAreHashedAndVerified() throws {
        let test = try TestEngine()
        try test.engine.addDepartment(name: "East China")
        let user = try test.engine.addUser(login: "li.lei", roles: ["sales_rep"], department: "East China", password: "correct horse")
        #expect(user.roles == ["sales_rep"])
        let stored = try test.engine.read(as: .system) { try $0.passwordHash(login: "li.lei") }
        #expect(stored?.hash.hasPrefix("$2") == true, "a bcrypt hash")
        #expect(stored?.hash.contains("correct horse") == false)
        #expect(try test.engine.signIn(login: "li.lei", password: "correct horse")?.id == user.id)
        #expect(try test.engine.signIn(login: "li.lei", password: "wrong") == nil)
        #expect(try test.engine.signIn(login: "nobody", password: "correct horse") == nil)
    }

    @Test func theFirstAdministratorIsCreatedOnce() throws {
        let test = try TestEngine()
        let password = try test.engine.createFirstAdministrator()
        #expect(password?.count == 16)
        #expect(try test.engine.signIn(login: "admin", password: password ?? "")?.roles == ["admin"])
        #expect(try test.engine.createFirstAdministrator() == nil)
    }

    @Test func unknownRolesDepartmentsAndManagersAreRefused() throws {
        let test = try TestEngine()
        #expect(throws: RecordError.self) { try test.engine.addUser(login: "a", roles: ["no_such_role"]) }
        #expect(throws: RecordError.self) { try test.engine.addUser(login: "b", roles: ["sales_rep"], department: "Nowhere") }
        #expect(throws: RecordError.self) { try test.engine.addUser(login: "c", roles: ["sales_rep"], manager: "ghost") }
        #expect(throws: RecordError.self) { try test.engine.addDepartment(name: "Sub", parent: "Nowhere") }
        try test.engine.addUser(login: "d", roles: ["sales_rep"])
        #expect(throws: RecordError.self) { try test.engine.addUser(login: "D", roles: ["sales_rep"]) }
    }
}

extension DirectoryTests {
    @Test func signInsFailuresAndDenialsAreLogged() throws {
        let test = try TestEngine()
        try test.engine.addUser(login: "li.lei", roles: ["sales_rep"], password: "pw-1234")
        let marketer = try test.engine.addUser(login: "mkt", roles: ["service"])
        _ = try test.engine.signIn(login: "li.lei", password: "pw-1234", source: "10.0.0.7")
        _ = try test.engine.signIn(login: "li.lei", password: "guess", source: "10.0.0.8")
        _ = try test.engine.signIn(login: "ghost", password: "guess", source: "10.0.0.9")
        let pooled = try test.engine.write(as: .system) { try $0.create("customer", ["name": "Pool Co"]) }
        #expect(throws: RecordError.self) { try test.engine.claim("customer", id: pooled.id, as: marketer) }
        let log = try test.engine.read(as: .system) { try $0.systemLog() }
        #expect(log.map(\.kind) == ["denied", "sign-in-failed", "sign-in-failed", "sign-in"])
        #expect(log[3].login == "li.lei" && log[3].source == "10.0.0.7")
        #expect(log[2].login == "li.lei" && log[2].userID != nil, "a wrong password names the user")
        #expect(log[1].login == "ghost" && log[1].userID == nil, "an unknown login is kept as typed")
        #expect(log[0].detail == "claim customer #\(pooled.id)" && log[0].login == "mkt")
    }
}

extension DirectoryTests {
    @Test func tokensWorkUntilRevokedAndEveryUseIsLogged() throws {
        let test = try TestEngine()
        let user = try test.engine.addUser(login: "api.client", roles: ["sales_rep"])
        let token = try test.engine.createToken(for: "api.client", name: "ERP sync")
        #expect(token.hasPrefix("kith_"))
        #expect(try test.engine.authenticate(token: token, source: "10.1.1.1")?.id == user.id)
        #expect(try test.engine.authenticate(token: token)?.id == user.id, "remembered, still valid")
        var wrong = token
        wrong.removeLast()
        wrong += token.hasSuffix("a") ? "b" : "a"
        #expect(try test.engine.authenticate(token: wrong) == nil)
        #expect(try test.engine.authenticate(token: "kith_999_x") == nil)
        #expect(try test.engine.authenticate(token: "not a token") == nil)
        let stored = try test.engine.read(as: .system) { try $0.token(id: Int64(token.split(separator: "_")[1])!) }
        #expect(stored?.secretHash.hasPrefix("$2") == true && stored?.secretHash.contains(token.split(separator: "_")[2]) == false)
        try test.engine.revokeToken(Int64(token.split(separator: "_")[1])!)
        #expect(try test.engine.authenticate(token: token) == nil)
        let log = try test.engine.read(as: .system) { try $0.systemLog() }
        #expect(log.filter { $0.kind == "token-used" }.count == 1)  // uses are logged once a minute per token
        #expect(log.contains { $0.kind == "token-used" && $0.source == "10.1.1.1" })
        #expect(throws: RecordError.self) { try test.engine.createToken(for: "nobody") }
    }

    @Test func roleChangesAndDisabledUsersAreLoggedAndEnforced() throws {
        let test = try TestEngine()
        let engine = test.engine
        try engine.addUser(login: "wang", roles: ["sales_rep"], password: "Wang-pass-1")
        let token = try engine.createToken(for: "wang")
        let changed = try engine.setRoles(login: "wang", roles: ["sales_manager"])
        #expect(changed.roles == ["sales_manager"])
        #expect(throws: RecordError.self) { try engine.setRoles(login: "wang", roles: ["astronaut"]) }
        try engine.setActive(login: "wang", active: false)
        #expect(try engine.signIn(login: "wang", password: "Wang-pass-1") == nil)
        #expect(try engine.authenticate(token: token) == nil)
        try engine.setActive(login: "wang", active: true)
        try engine.setPassword(login: "wang", password: "New-pass-22")
        #expect(try engine.signIn(login: "wang", password: "New-pass-22")?.login == "wang")
        let log = try engine.read(as: .system) { try $0.systemLog(limit: 20) }
        #expect(log.contains { $0.kind == "role-change" && $0.detail == "wang: sales_rep → sales_manager" })
        #expect(log.contains { $0.kind == "user-disabled" && $0.detail == "wang" })
        #expect(log.contains { $0.kind == "password-change" && !$0.detail.contains("New-pass") })
    }
}

extension DirectoryTests {
    /// Pages name users from the directory the store keeps between reads: every change to users or
    /// departments, also by another process on the same database, is seen by the next read.
    @Test func theKeptDirectoryFollowsEveryChange() throws {
        let test = try TestEngine()
        let before = try test.engine.read(as: .system) { try $0.directory() }
        #expect(before.users.contains { $0.login == "li.lei" } == false)

        try test.engine.addDepartment(name: "East China")
        try test.engine.addUser(login: "li.lei", roles: ["sales_rep"], department: "East China")
        var now = try test.engine.read(as: .system) { try $0.directory() }
        let user = try #require(now.users.first { $0.login == "li.lei" })
        #expect(now.departmentsByID[user.departmentID ?? 0]?.name == "East China")
        #expect(now.usersByID[user.id]?.isActive == true)

        try test.engine.setActive(login: "li.lei", active: false)
        now = try test.engine.read(as: .system) { try $0.directory() }
        #expect(now.usersByID[user.id]?.isActive == false)

        // Another process (the command line) makes the user the department's head.
        let other = try RecordStore.open(
            at: test.folder.appendingPathComponent("workspace/data/kith.sqlite").path, schema: test.engine.store.schema, timeZone: TestEngine.zone)
        try other.write(as: .system) { transaction in
            let department = try #require(try transaction.allDepartments().first { $0.name == "East China" })
            try transaction.setDepartmentHead(department.id, head: user.id)
        }
        try other.close()
        now = try test.engine.read(as: .system) { try $0.directory() }
        #expect(now.departmentsByID[user.departmentID ?? 0]?.headID == user.id)
    }
}

extension DirectoryTests {
    /// Departments are renamed and moved in the tree (never under themselves), and a manager's
    /// department scope follows the tree as it is now.
    @Test func departmentsAreRenamedAndMovedAndScopesFollow() throws {
        let test = try TestEngine()
        try test.engine.addDepartment(name: "HQ")
        try test.engine.addDepartment(name: "East", parent: "HQ")
        try test.engine.addDepartment(name: "Shanghai")
        let boss = try test.engine.addUser(login: "boss", roles: ["sales_manager"], department: "East")
        let rep = try test.engine.addUser(login: "rep", roles: ["sales_rep"], department: "Shanghai")
        let customer = try test.engine.write(as: rep.actor) { try $0.create("customer", ["name": "Pudong Trading"]) }
        let visible = { try test.engine.read(as: boss.actor) { try $0.get("customer", id: customer.id, access: try test.engine.access("customer", for: boss, in: $0)) } }
        #expect(try visible() == nil, "Shanghai is not under East yet")

        let moved = try test.engine.updateDepartment("Shanghai", name: "Shanghai Branch", parent: "East", head: "rep", by: boss)
        #expect(moved.name == "Shanghai Branch" && moved.headID == rep.id)
        #expect(try visible() != nil, "now it is")
        #expect(try test.engine.read(as: .system) { try $0.user(id: rep.id)?.departmentID } == moved.id, "its people stay in it")

        // Not under itself or below itself; not a name another department has; not an unknown one.
        #expect(throws: RecordError.self) { try test.engine.updateDepartment("HQ", name: "HQ", parent: "Shanghai Branch", head: nil) }
        #expect(throws: RecordError.self) { try test.engine.updateDepartment("HQ", name: "HQ", parent: "HQ", head: nil) }
        #expect(throws: RecordError.self) { try test.engine.updateDepartment("East", name: "HQ", parent: nil, head: nil) }
        #expect(throws: RecordError.self) { try test.engine.updateDepartment("Nowhere", name: "X", parent: nil, head: nil) }
        #expect(throws: RecordError.self) { try test.engine.updateDepartment("East", name: " ", parent: nil, head: nil) }

        let log = try test.engine.read(as: .system) { try $0.systemLog() }
        #expect(log.first?.kind == "department-changed" && log.first?.detail == "Shanghai → Shanghai Branch" && log.first?.login == "boss")
    }
}

/// `kith demo` on a business nobody coded for: a field's samples where the schema gives them,
/// else its labels and a number; never another business's words.
@Suite struct DemoDataTests {
    @Test func demoValuesComeFromTheSchema() throws {
        let module = """
            <module xmlns="urn:kith:1" name="fleet" version="1">
              <entity name="machine" label="Machine" title="serial">
                <field name="serial" type="text" required="true" unique="true" max="30" label="Serial no." label-zh="序列号"/>
                <field name="model" type="text" required="true" sample="Excavator E20|Loader L7" label="Model"/>
                <field name="remarks" type="textarea" required="true" label="Remarks"/>
              </entity>
              <role name="dispatcher"><grant entity="*" read="own" create="yes" update="own"/></role>
            </module>
            """
        let test = try TestEngine(module: module, scripts: [:])
        var demo = DemoData(engine: test.engine)
        let summary = try demo.fill(records: 4)
        #expect(summary.records["machine"] == 4 && summary.refused == 0)
        let machines = try test.engine.read(as: .system) { try $0.query(RecordQuery(entity: "machine")).records }
        for machine in machines {
            #expect(machine["serial"].description.hasPrefix("序列号 Serial no. "), "\(machine["serial"])")
            #expect(["Excavator E20", "Loader L7"].contains(machine["model"].description), "\(machine["model"])")
            #expect(machine["remarks"].description.hasPrefix("Remarks "), "\(machine["remarks"])")
        }
    }

    /// A text with a `pattern` gets a text the pattern accepts, so the records pointing to it are
    /// made too; an entity whose records are refused anyway is reported with the reason.
    @Test func patternedTextsMatchTheirPatterns() throws {
        let module = #"""
            <module xmlns="urn:kith:1" name="estate" version="1">
              <entity name="unit" title="number" ownership="none">
                <field name="number" type="text" required="true" unique="true" max="20" pattern="[A-Z]{1,3}-[0-9]{2,4}"/>
                <field name="code" type="text" pattern="(?:RM|BL)_\d{3}[a-c]?|X\.[^0-9]+"/>
              </entity>
              <entity name="lease" title="id">
                <field name="unit" type="ref" entity="unit" required="true"/>
                <field name="tag" type="text" required="true" pattern="(?=x)x+"/>
              </entity>
              <role name="agent"><grant entity="*" read="own" create="yes" update="own"/></role>
            </module>
            """#
        let test = try TestEngine(module: module, scripts: [:])
        var demo = DemoData(engine: test.engine)
        let summary = try demo.fill(records: 6)
        #expect(summary.records["unit"] == 6 && summary.firstRefusal["unit"] == nil)
        let units = try test.engine.read(as: .system) { try $0.query(RecordQuery(entity: "unit")).records }
        for unit in units {
            #expect(unit["number"].description.wholeMatch(of: /[A-Z]{1,3}-[0-9]{2,4}/) != nil, "\(unit["number"])")
            if case .text(let code) = unit["code"] {
                #expect(code.wholeMatch(of: /(?:RM|BL)_\d{3}[a-c]?|X\.[^0-9]+/) != nil, "\(code)")
            }
        }
        // A look-ahead is beyond the sampler: no lease is made, and the summary says why.
        #expect(summary.records["lease"] == 0)
        #expect(summary.firstRefusal["lease"]?.contains("tag") == true, "\(summary.firstRefusal)")
    }

    /// Records belong to users who may create them, and move along their workflows as their
    /// users would: transitions by those who may fire them, approvals decided by their approvers.
    @Test func recordsMoveAlongTheirWorkflows() throws {
        let module = #"""
            <module xmlns="urn:kith:1" name="claims" version="1">
              <entity name="claim" title="subject">
                <field name="subject" type="text" required="true"/>
                <field name="handler" type="user"/>
                <workflow initial="draft">
                  <state name="draft"/><state name="pending" locked="true"/><state name="paid" final="true"/>
                  <state name="rejected"/><state name="dropped" final="true"/>
                  <transition name="submit" from="draft,rejected" to="pending" who="owner"/>
                  <transition name="drop" from="draft" to="dropped" who="owner"/>
                  <approval state="pending" approve="paid" reject="rejected" route="claims.route"/>
                </workflow>
              </entity>
              <entity name="note" title="text"><field name="text" type="text" required="true"/></entity>
              <role name="clerk"><grant entity="claim" read="own" create="yes" update="own"/><grant entity="note" read="own"/></role>
              <role name="boss"><grant entity="*" read="department" update="department" create="yes"/></role>
              <role name="auditor"><grant entity="*" read="all"/></role>
            </module>
            """#
        let route = "local M = {} function M.route(ctx) return { { approvers = { \"manager\" }, mode = \"any\" } } end return M"
        let test = try TestEngine(module: module, scripts: ["claims": route])
        var demo = DemoData(engine: test.engine)
        let summary = try demo.fill(records: 30)
        #expect(summary.moves > 0)
        let claims = try test.engine.read(as: .system) { try $0.query(RecordQuery(entity: "claim", limit: 100)).records }
        let states = Set(claims.compactMap(\.["state"].text))
        #expect(states.isSuperset(of: ["draft", "pending", "paid"]), "\(states)")
        let auditor = try test.engine.read(as: .system) { try $0.users(withRole: "auditor") }.first?.id
        #expect(auditor != nil)
        // The auditor may create nothing: owns nothing, handles nothing.
        #expect(!claims.contains { $0["owner"].integer == auditor || $0["handler"].integer == auditor })
        let paid = claims.first { $0["state"] == "paid" }?.id ?? 0
        let decided = try test.engine.read(as: .system) { try $0.approvals("claim", record: paid) }
        #expect(decided.contains { $0.status == .approved && $0.approverID != nil }, "\(decided)")
    }

    /// Some records are converted as their users would, and records that only a conversion makes
    /// right (a rule refuses made-up ones) come about that way.
    @Test func someRecordsAreConvertedAsTheirUsersWould() throws {
        let module = """
            <module xmlns="urn:kith:1" name="desk" version="1">
              <entity name="request" title="title">
                <field name="title" type="text" required="true"/>
                <workflow initial="open">
                  <state name="open"/><state name="accepted"/><state name="closed" final="true"/>
                  <transition name="accept" from="open" to="accepted"/>
                  <transition name="close" from="open,accepted" to="closed"/>
                </workflow>
              </entity>
              <entity name="job" title="title">
                <field name="title" type="text" required="true"/>
                <field name="request" type="ref" entity="request"/>
                <hook event="before-save" function="jobs.check"/>
              </entity>
              <convert name="make_job" from="request" label="Make a job" when="open,accepted">
                <create entity="job" map="title:title" back-ref="request"/>
              </convert>
              <role name="clerk"><grant entity="*" read="all" create="yes" update="all"/></role>
            </module>
            """
        let rule = """
            local M = {}
            function M.check(ctx)
              local request = ctx.record.request and kith.get("request", ctx.record.request)
              if not request or request.title ~= ctx.record.title then kith.reject("a job is made from its request") end
            end
            return M
            """
        let test = try TestEngine(module: module, scripts: ["jobs": rule])
        var demo = DemoData(engine: test.engine)
        let summary = try demo.fill(records: 20)
        let jobs = try test.engine.read(as: .system) { try $0.query(RecordQuery(entity: "job", limit: 100)).records }
        #expect(!jobs.isEmpty)
        #expect(summary.records["job"] == jobs.count)
        #expect(summary.firstRefusal["job"] == nil, "a conversion filled what made-up records could not")
        for job in jobs {
            let request = try test.engine.read(as: .system) { try $0.get("request", id: job["request"].integer ?? 0) }
            #expect(request?["title"] == job["title"])
        }
    }

    /// Every schedule runs once at the end, as the scheduler would, so that reminders and
    /// messages are there to see; each run is recorded.
    @Test func everyScheduleRunsOnce() throws {
        let module = """
            <module xmlns="urn:kith:1" name="desk" version="1">
              <entity name="ticket" title="title"><field name="title" type="text" required="true"/></entity>
              <schedule name="nightly" cron="0 2 * * *" function="desk.nightly" label="Nightly"/>
              <role name="clerk"><grant entity="*" read="all" create="yes" update="all"/></role>
            </module>
            """
        let rule = """
            local M = {}
            function M.nightly(ctx)
              for _, ticket in ipairs(kith.find("ticket", {}, { limit = 3 })) do
                kith.remind(ticket.owner, "Look at " .. ticket.title, kith.now(), { record = ticket })
              end
            end
            return M
            """
        let test = try TestEngine(module: module, scripts: ["desk": rule])
        var demo = DemoData(engine: test.engine)
        let summary = try demo.fill(records: 5)
        #expect(summary.scheduleRuns == 1)
        let runs = try test.engine.read(as: .system) { try $0.scheduleRuns("nightly", limit: 5) }
        #expect(runs.count == 1 && runs.first?.outcome == "ok", "\(runs)")
        let reminded = try test.engine.read(as: .system) { transaction in
            try transaction.users(withRole: "clerk").flatMap { try transaction.inbox(of: $0.id, dueBy: RecordStore.timestamp(Date())) }
        }
        #expect(reminded.filter { $0.text.hasPrefix("Look at") }.count == 3, "\(reminded)")
    }

    /// A workspace whose roles all read everything still gives its records owners.
    @Test func recordsHaveOwnersWhenEveryRoleReadsAll() throws {
        let module = """
            <module xmlns="urn:kith:1" name="club" version="1">
              <entity name="member" title="name"><field name="name" type="text" required="true"/></entity>
              <role name="staff"><grant entity="member" read="all" create="yes" update="own"/></role>
            </module>
            """
        let test = try TestEngine(module: module, scripts: [:])
        var demo = DemoData(engine: test.engine)
        _ = try demo.fill(records: 5)
        let members = try test.engine.read(as: .system) { try $0.query(RecordQuery(entity: "member")).records }
        #expect(members.count == 5 && members.allSatisfy { $0["owner"].integer != nil })
    }
}
