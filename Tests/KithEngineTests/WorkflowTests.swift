import Foundation
import KithEngine
import KithSchema
import KithStore
import Testing

/// Workflows and approvals: transition rules, every approver kind, any/all, rejection,
/// withdrawal, missing approvers, owners skipped, locked states; conversions of the core.
@Suite struct WorkflowTests {
    static let module = """
        <module xmlns="urn:kith:1" name="claims" version="1">
          <entity name="claim" title="title" label="Claim" label-zh="报销单">
            <field name="title" type="text" required="true"/>
            <field name="plan" type="text" max="200"/>
            <field name="mode" type="text" max="10"/>
            <workflow initial="draft">
              <state name="draft"/>
              <state name="pending" locked="true"/>
              <state name="approved" locked="true"/>
              <state name="rejected"/>
              <transition name="submit" from="draft,rejected" to="pending" who="owner"/>
              <transition name="withdraw" from="pending" to="draft" who="owner"/>
              <transition name="close" from="approved" to="draft" roles="auditor" comment="required"/>
              <approval state="pending" approve="approved" reject="rejected" route="route.steps"/>
            </workflow>
          </entity>
          <role name="staff"><grant entity="*" read="own" create="yes" update="own"/></role>
          <role name="auditor"><grant entity="*" read="all" update="all"/></role>
          <role name="clerk"><grant entity="*" read="own"/></role>
        </module>
        """
    /// The route reads the steps from the record: `plan` = "rule,rule;rule" (steps by `;`),
    /// `mode` = the mode of every step.
    static let route = """
        local M = {}
        function M.steps(ctx)
          local steps = {}
          for step in string.gmatch(ctx.record.plan or "", "[^;]+") do
            local approvers = {}
            for rule in string.gmatch(step, "[^,]+") do approvers[#approvers + 1] = rule end
            steps[#steps + 1] = { approvers = approvers, mode = ctx.record.mode or "any" }
          end
          return steps
        end
        return M
        """

    /// HQ (head ceo) > Sales (head director): rep → lead → director; auditors in HQ and Branch.
    static func company() throws -> (TestEngine, [String: Actor]) {
        let test = try TestEngine(module: module, scripts: ["route": route])
        var people: [String: Actor] = [:]
        try test.engine.write(as: .system) { transaction in
            let hq = try transaction.addDepartment(name: "HQ")
            _ = try transaction.addDepartment(name: "Sales", parent: hq)
            _ = try transaction.addDepartment(name: "Branch", parent: hq)
        }
        people["ceo"] = try test.user("ceo", roles: ["auditor"], department: "HQ")
        people["director"] = try test.user("director", roles: ["staff"], department: "Sales")
        people["lead"] = try test.user("lead", roles: ["staff"], department: "Sales", manager: "director")
        people["rep"] = try test.user("rep", roles: ["staff"], department: "Sales", manager: "lead")
        people["auditor"] = try test.user("auditor", roles: ["auditor"], department: "HQ")
        people["far"] = try test.user("far", roles: ["auditor", "clerk"], department: "Branch")
        people["admin"] = try test.user("root", roles: [Role.administrator])
        try test.engine.write(as: .system) { transaction in
            let hq = try #require(try transaction.department(named: "HQ"))
            let sales = try #require(try transaction.department(named: "Sales"))
            try transaction.setDepartmentHead(hq.id, head: people["ceo"]?.userID)
            try transaction.setDepartmentHead(sales.id, head: people["director"]?.userID)
        }
        return (test, people)
    }

    /// A claim by `rep` with the plan, submitted.
    static func submitted(_ test: TestEngine, _ people: [String: Actor], plan: String, mode: String = "any") throws -> Int64 {
        let rep = try #require(people["rep"])
        return try test.engine.write(as: rep) { transaction in
            let claim = try transaction.create("claim", ["title": "Trip", "plan": .text(plan), "mode": .text(mode)])
            try test.engine.transition("claim", id: claim.id, "submit", in: transaction)
            return claim.id
        }
    }

    static func waiting(_ test: TestEngine, _ id: Int64) throws -> Set<Int64> {
        try test.engine.read(as: .system) { transaction in
            let round = try transaction.latestApprovalRound("claim", record: id)
            return Set(try transaction.approvals("claim", record: id, round: round).filter { $0.status == .pending }.compactMap(\.approverID))
        }
    }

    static func state(_ test: TestEngine, _ id: Int64) throws -> String {
        try test.engine.read(as: .system) { try $0.get("claim", id: id)?["state"].text ?? "" }
    }

    static func decide(_ test: TestEngine, _ actor: Actor?, _ id: Int64, approve: Bool = true, comment: String? = nil) throws {
        try test.engine.write(as: try #require(actor)) { transaction in
            _ = try test.engine.decide("claim", id: id, approve: approve, comment: comment, in: transaction)
        }
    }

    @Test func everyApproverKindResolvesFromTheDirectory() throws {
        let (test, people) = try Self.company()
        let expected: [(String, String)] = [
            ("manager", "lead"), ("manager:2", "director"), ("manager:3", "ceo"), ("department-head", "director"),
            ("user:ceo", "ceo"), ("user:\(people["far"]?.userID ?? 0)", "far"), ("lead", "lead"),
        ]
        for (rule, login) in expected {
            let id = try Self.submitted(test, people, plan: rule)
            #expect(try Self.waiting(test, id) == [people[login]?.userID ?? -1], "\(rule) should ask \(login)")
        }
        // role: asks those with the role in the record's department or above it (not Branch) ...
        let near = try Self.submitted(test, people, plan: "role:auditor")
        #expect(try Self.waiting(test, near) == Set([people["ceo"], people["auditor"]].compactMap { $0?.userID }))
        // ... and with nobody of the role there, everyone with it.
        let anywhere = try Self.submitted(test, people, plan: "role:clerk")
        #expect(try Self.waiting(test, anywhere) == [people["far"]?.userID ?? -1])
    }

    @Test func anyNeedsOneAllNeedsEveryone() throws {
        let (test, people) = try Self.company()
        let any = try Self.submitted(test, people, plan: "user:ceo,user:auditor", mode: "any")
        try Self.decide(test, people["auditor"], any)
        #expect(try Self.state(test, any) == "approved")
        #expect(throws: RecordError.self) { try Self.decide(test, people["ceo"], any) }

        let all = try Self.submitted(test, people, plan: "user:ceo,user:auditor", mode: "all")
        try Self.decide(test, people["auditor"], all)
        #expect(try Self.state(test, all) == "pending")
        #expect(try Self.waiting(test, all) == [people["ceo"]?.userID ?? -1])
        // Approving twice is a conflict that says so, not "not waiting for your approval".
        do {
            try Self.decide(test, people["auditor"], all)
            Issue.record("decided twice")
        } catch let error as RecordError {
            #expect(error.code == .wrongState && error.message.contains("already approved step 1"), "\(error)")
        }
        try Self.decide(test, people["ceo"], all, comment: "agreed")
        #expect(try Self.state(test, all) == "approved")

        // Steps run in order: the second is asked only after the first.
        let steps = try Self.submitted(test, people, plan: "manager;user:ceo")
        #expect(try Self.waiting(test, steps) == [people["lead"]?.userID ?? -1])
        try Self.decide(test, people["lead"], steps)
        #expect(try Self.waiting(test, steps) == [people["ceo"]?.userID ?? -1])
        try Self.decide(test, people["ceo"], steps)
        let trail = try test.engine.read(as: .system) { try $0.approvals("claim", record: steps) }
        #expect(trail.map(\.status) == [.approved, .approved])
        #expect(trail.allSatisfy { $0.decidedAt != nil && $0.decidedBy != nil })
    }

    @Test func rejectionWithdrawalAndLockedStates() throws {
        let (test, people) = try Self.company()
        let rep = try #require(people["rep"])
        let rejected = try Self.submitted(test, people, plan: "manager;user:ceo")
        // Locked while pending: the owner cannot edit it.
        #expect(throws: RecordError.self) { try test.engine.write(as: rep) { _ = try $0.update("claim", id: rejected, ["title": "Other"]) } }
        try Self.decide(test, people["lead"], rejected, approve: false, comment: "no receipts")
        #expect(try Self.state(test, rejected) == "rejected")
        let entries = try test.engine.read(as: .system) { try $0.approvals("claim", record: rejected) }
        #expect(entries.map(\.status) == [.rejected, .closed])
        #expect(entries.first?.comment == "no receipts")
        // Resubmitted: a new round.
        try test.engine.write(as: rep) { _ = try test.engine.transition("claim", id: rejected, "submit", in: $0) }
        #expect(try test.engine.read(as: .system) { try $0.latestApprovalRound("claim", record: rejected) } == 2)

        let withdrawn = try Self.submitted(test, people, plan: "manager")
        // Only the owner may withdraw.
        #expect(throws: RecordError.self) { try test.engine.write(as: try #require(people["lead"])) { _ = try test.engine.transition("claim", id: withdrawn, "withdraw", in: $0) } }
        try test.engine.write(as: rep) { _ = try test.engine.transition("claim", id: withdrawn, "withdraw", in: $0) }
        #expect(try Self.waiting(test, withdrawn).isEmpty)
        #expect(throws: RecordError.self) { try Self.decide(test, people["lead"], withdrawn) }

        // Roles and a required comment on "close".
        let approved = try Self.submitted(test, people, plan: "manager")
        try Self.decide(test, people["lead"], approved)
        #expect(throws: RecordError.self) { try test.engine.write(as: rep) { _ = try test.engine.transition("claim", id: approved, "close", comment: "x", in: $0) } }
        let auditor = try #require(people["auditor"])
        #expect(throws: RecordError.self) { try test.engine.write(as: auditor) { _ = try test.engine.transition("claim", id: approved, "close", in: $0) } }
        try test.engine.write(as: auditor) { _ = try test.engine.transition("claim", id: approved, "close", comment: "paid", in: $0) }
        #expect(try Self.state(test, approved) == "draft")
    }

    @Test func missingApproversAreReportedAndOwnersSkipped() throws {
        let (test, people) = try Self.company()
        let missing = try Self.submitted(test, people, plan: "role:treasurer")
        #expect(try Self.state(test, missing) == "pending")  // never passes silently
        let (inbox, log) = try test.engine.read(as: .system) { transaction in
            (try transaction.inbox(of: people["admin"]?.userID ?? 0, dueBy: "9999"), try transaction.systemLog(limit: 10))
        }
        #expect(inbox.contains { $0.text.contains("role:treasurer") && $0.recordID == missing })
        #expect(log.contains { $0.kind == "approval-missing" })
        #expect(throws: RecordError.self) { try Self.decide(test, people["ceo"], missing) }
        try Self.decide(test, people["admin"], missing, comment: "approved on behalf")
        #expect(try Self.state(test, missing) == "approved")

        // The owner among the approvers is skipped: alone, the step passes.
        let own = try Self.submitted(test, people, plan: "user:rep")
        #expect(try Self.state(test, own) == "approved")
        let shared = try Self.submitted(test, people, plan: "user:rep,user:ceo", mode: "all")
        #expect(try Self.waiting(test, shared) == [people["ceo"]?.userID ?? -1])
    }

    /// An approver who left or is away does not hold a record up: an administrator decides the
    /// step for all its approvers (会签 too), and the trail keeps both names.
    @Test func administratorsDecideStepsWaitingForOthers() throws {
        let (test, people) = try Self.company()
        let admin = try #require(people["admin"])
        let all = try Self.submitted(test, people, plan: "user:ceo,user:auditor", mode: "all")
        try Self.decide(test, admin, all, comment: "ceo away")
        #expect(try Self.state(test, all) == "approved")
        let trail = try test.engine.read(as: .system) { try $0.approvals("claim", record: all) }
        #expect(trail.map(\.status) == [.approved, .approved])
        #expect(Set(trail.compactMap(\.approverID)) == Set([people["ceo"], people["auditor"]].compactMap { $0?.userID }))
        #expect(trail.allSatisfy { $0.decidedBy == admin.userID && $0.comment == "ceo away" })

        // A rejection for the approver ends the round, as theirs would.
        let rejected = try Self.submitted(test, people, plan: "manager;user:ceo")
        try Self.decide(test, admin, rejected, approve: false, comment: "left the company")
        #expect(try Self.state(test, rejected) == "rejected")
        let entries = try test.engine.read(as: .system) { try $0.approvals("claim", record: rejected) }
        #expect(entries.map(\.status) == [.rejected, .closed])
        #expect(entries.first?.approverID == people["lead"]?.userID && entries.first?.decidedBy == admin.userID)

        // Others still may not decide for someone else.
        let waiting = try Self.submitted(test, people, plan: "manager")
        #expect(throws: RecordError.self) { try Self.decide(test, people["auditor"], waiting) }
        // An administrator's approvals list shows the steps waiting for users no longer active.
        let adminID = try #require(admin.userID), lead = try #require(people["lead"]?.userID)
        let listed = { () throws -> [Int64] in
            try test.engine.read(as: .system) { try $0.approvalsWaiting(for: adminID, administrator: true).map(\.record) }
        }
        #expect(try !listed().contains(waiting))
        try test.engine.write(as: .system) { try $0.setActive(lead, false) }
        #expect(try listed().contains(waiting))
        try Self.decide(test, admin, waiting)
        #expect(try Self.state(test, waiting) == "approved")
    }

    @Test func theCoreConversionChainsKeepLinesAndTotals() throws {
        let test = try TestEngine()
        let engine = test.engine
        try test.user("boss", roles: ["sales_manager"], department: "East")
        let rep = try test.user("rep", roles: ["sales_rep"], department: "East", manager: "boss")
        let finance = try test.user("cfo", roles: ["finance"])
        let executive = try test.user("ceo", roles: ["executive"])
        let boss = try test.user("boss")

        // Lead → customer, contact and opportunity, linked; the lead is converted.
        let created = try engine.write(as: rep) { transaction -> [Record] in
            let lead = try transaction.create(
                "lead", ["company": "Hengtong Machinery", "contact_name": "Wang Fang", "mobile": "13800000000", "topic": "Forklifts"])
            return try engine.convert("qualify", id: lead.id, in: transaction)
        }
        #expect(created.map(\.entity) == ["customer", "contact", "opportunity"])
        let customer = created[0]
        #expect(created[1]["customer"].integer == customer.id)
        #expect(created[2]["customer"].integer == customer.id)
        #expect(created[2]["title"].text == "Forklifts")

        // A quote with three lines → contract → order with the same three lines; totals exact.
        let lines: [[String: Value]] = [
            ["description": "Forklift", "quantity": "2", "price": "85000.00"],
            ["description": "Battery", "quantity": "3", "price": "12999.99"],
            ["description": "Training", "quantity": "1", "price": "0.01"],
        ]
        let contract = try engine.write(as: rep) { transaction -> Record in
            let quote = try transaction.create("quote", ["title": "Warehouse", "customer": .integer(customer.id)], lines: ["quote_line": lines])
            #expect(quote["total"].decimal?.description == "208999.98")
            try engine.transition("quote", id: quote.id, "submit", in: transaction)  // no discount: approved at once
            return try engine.convert("make_contract", id: quote.id, in: transaction)[0]
        }
        #expect(contract["amount"].decimal?.description == "208999.98")
        try engine.write(as: rep) { _ = try engine.transition("contract", id: contract.id, "submit", in: $0) }
        try engine.write(as: boss) { _ = try engine.decide("contract", id: contract.id, approve: true, in: $0) }
        try engine.write(as: finance) { _ = try engine.decide("contract", id: contract.id, approve: true, in: $0) }
        try engine.write(as: executive) { _ = try engine.decide("contract", id: contract.id, approve: true, in: $0) }
        let order = try engine.write(as: rep) { transaction -> Record in
            try engine.transition("contract", id: contract.id, "sign", in: transaction)
            return try engine.convert("contract_order", id: contract.id, in: transaction)[0]
        }
        let stored = try #require(try engine.read(as: .system) { try $0.get("order", id: order.id) })
        let orderLines = stored.lines["order_line"] ?? []
        #expect(orderLines.map { $0["description"].text ?? "" } == ["Forklift", "Battery", "Training"])
        #expect(orderLines.map { $0["amount"].decimal?.description ?? "" } == ["170000.00", "38999.97", "0.01"])
        #expect(stored["amount"].decimal?.description == "208999.98")
        #expect(stored["contract"].integer == contract.id)

        // Everything or nothing: a conversion that fails leaves no record behind.
        let before = try test.count("customer")
        #expect(throws: RecordError.self) {
            try engine.write(as: rep) { transaction in
                let lead = try transaction.create("lead", ["company": "Half Done Ltd."])
                _ = try engine.convert("qualify", id: lead.id, given: ["contact": ["email": "not an email"]], in: transaction)
            }
        }
        #expect(try test.count("customer") == before)
    }
}

extension WorkflowTests {
    /// What the engine writes to an inbox is in the reader's language: their own, else the workspace's.
    @Test func approvalMessagesAreInTheReadersLanguage() throws {
        let (test, people) = try Self.company()
        let rep = try #require(people["rep"]?.userID)
        try test.engine.write(as: .system) { try $0.setLanguage(rep, "zh") }
        let id = try Self.submitted(test, people, plan: "manager")
        try Self.decide(test, people["lead"], id, approve: false, comment: "no receipts")
        let texts = { (user: Int64?) in try test.engine.read(as: .system) { try $0.inbox(of: user ?? 0, dueBy: "9999").map(\.text) } }
        let lead = try texts(people["lead"]?.userID)
        let owner = try texts(rep)
        #expect(lead == ["Approval needed: Claim Trip"], "the workspace's language (English here): \(lead)")
        #expect(owner == ["已驳回：报销单 Trip — no receipts"], "\(owner)")
        // Read in another language later (the reader changed theirs), each shows in that one.
        let read = { (user: Int64?, language: String) in
            try test.engine.read(as: .system) { try $0.inbox(of: user ?? 0, dueBy: "9999", language: language).map(\.text) }
        }
        #expect(try read(rep, "en") == ["Rejected: Claim Trip — no receipts"])
        #expect(try read(people["lead"]?.userID, "zh") == ["待审批：报销单 Trip"])
        // A rule's message has one text, whatever the language.
        try test.engine.write(as: .system) { try $0.postMessage(to: rep, text: "Call Hengtong") }
        #expect(try read(rep, "en").first == "Call Hengtong")
    }
}
