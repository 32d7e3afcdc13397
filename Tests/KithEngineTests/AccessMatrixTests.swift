import Foundation
import KithEngine
import KithSchema
import KithStore
import Testing

/// The permission matrix: a generated company (a three-level department tree, 30 users with mixed
/// roles and managers, 5,000 records with random owners and shares). For every user and every
/// read path, what the engine returns equals what an oracle computes here from the rules of
/// schema-language.md; every write outside the user's scope is refused. (A share reaches a user
/// "whatever the scope", `no` included.)
@Suite struct AccessMatrixTests {
    struct Person {
        let id: Int64
        let login: String
        let department: Int64?
        let roles: [String]
    }

    struct Row {
        let id: Int64
        let owner: Int64?
        let department: Int64?
        let amount: Int64
        let name: String
    }

    struct Share {
        let record: Int64
        let user: Int64?
        let department: Int64?
        let canEdit: Bool
    }

    /// A deterministic generator, so a failure can be replayed.
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    final class Company {
        let test: TestEngine
        var departments: [Int64: Int64?] = [:]  // id → parent
        var people: [Person] = []
        var rows: [String: [Row]] = [:]
        var shares: [String: [Share]] = [:]

        init() throws {
            test = try TestEngine()
            var random = Random(state: 20_261_122)
            let engine = test.engine
            let root = try engine.addDepartment(name: "Group")
            departments[root.id] = .some(nil)
            var leaves: [Int64] = []
            for region in ["North", "South"] {
                let middle = try engine.addDepartment(name: region, parent: "Group")
                departments[middle.id] = root.id
                for branch in ["\(region) A", "\(region) B"] {
                    let leaf = try engine.addDepartment(name: branch, parent: region)
                    departments[leaf.id] = middle.id
                    leaves.append(leaf.id)
                }
            }
            let allDepartments = Array(departments.keys).sorted()
            let roleChoices = [["sales_rep"], ["sales_rep"], ["sales_rep"], ["sales_manager"], ["executive"], ["marketing"], ["service"],
                ["finance"], ["sales_rep", "marketing"], ["service", "sales_rep"]]
            for index in 0..<30 {
                let roles = roleChoices[random.next(roleChoices.count)]
                let department = index % 7 == 6 ? nil : (random.next(3) == 0 ? allDepartments[random.next(allDepartments.count)] : leaves[random.next(leaves.count)])
                let name = try department.flatMap { id in try engine.read(as: .system) { try $0.department(id: id)?.name } }
                let manager = people.isEmpty || random.next(2) == 0 ? nil : people[random.next(people.count)].login
                let user = try engine.addUser(login: "user\(index + 1)", roles: roles, department: name, manager: manager)
                people.append(Person(id: user.id, login: user.login, department: user.departmentID, roles: roles))
            }
            try engine.write(as: .system) { transaction in
                var customers: [Row] = []
                for index in 0..<2_500 {
                    let owner = random.next(10) == 0 ? nil : self.people[random.next(self.people.count)]
                    let name = "Customer \(index) " + (index % 5 == 0 ? "Alpha" : "Beta")
                    var values: [String: Value] = ["name": .text(name)]
                    values["owner"] = owner.map { .integer($0.id) } ?? .null
                    values["department"] = owner?.department.map(Value.integer) ?? .null
                    let id = try transaction.createID("customer", values)
                    customers.append(Row(id: id, owner: owner?.id, department: owner?.department, amount: 0, name: name))
                }
                self.rows["customer"] = customers
                var opportunities: [Row] = []
                for index in 0..<2_500 {
                    let owner = self.people[random.next(self.people.count)]
                    let amount = Int64(random.next(100_000))
                    let values: [String: Value] = [
                        "title": .text("Deal \(index)"), "customer": .integer(customers[random.next(customers.count)].id),
                        "amount": .integer(amount), "owner": .integer(owner.id), "department": owner.department.map(Value.integer) ?? .null,
                    ]
                    let id = try transaction.createID("opportunity", values)
                    opportunities.append(Row(id: id, owner: owner.id, department: owner.department, amount: amount, name: "Deal \(index)"))
                }
                self.rows["opportunity"] = opportunities
                for entity in ["customer", "opportunity"] {
                    for _ in 0..<200 {
                        let record = self.rows[entity]![random.next(self.rows[entity]!.count)].id
                        let toUser = random.next(2) == 0
                        let share = Share(
                            record: record, user: toUser ? self.people[random.next(self.people.count)].id : nil,
                            department: toUser ? nil : allDepartments[random.next(allDepartments.count)], canEdit: random.next(2) == 0)
                        try transaction.share(entity, record: record, user: share.user, department: share.department, canEdit: share.canEdit)
                        self.shares[entity, default: []].removeAll { $0.record == share.record && $0.user == share.user && $0.department == share.department }
                        self.shares[entity, default: []].append(share)
                    }
                }
            }
        }

        // MARK: The oracle

        func subtree(_ department: Int64) -> Set<Int64> {
            var found: Set<Int64> = [department]
            var changed = true
            while changed {
                changed = false
                for (id, parent) in departments where parent.map({ found.contains($0) }) == true && !found.contains(id) {
                    found.insert(id)
                    changed = true
                }
            }
            return found
        }

        func ancestors(_ department: Int64?) -> Set<Int64> {
            var chain: Set<Int64> = []
            var next = department
            while let id = next, !chain.contains(id) {
                chain.insert(id)
                next = departments[id] ?? nil
            }
            return chain
        }

        func grant(_ person: Person, _ entity: String) -> (read: Role.Scope, update: Role.Scope, claim: Bool) {
            var read = Role.Scope.no, update = Role.Scope.no, claim = false
            for name in person.roles {
                guard let role = test.engine.schema.role(name),
                    let grant = role.grants.first(where: { $0.entity == entity }) ?? role.grants.first(where: { $0.entity == "*" })
                else { continue }
                read = max(read, grant.read)
                update = max(update, grant.update)
                claim = claim || grant.claim
            }
            return (read, update, claim)
        }

        func inScope(_ scope: Role.Scope, _ row: Row, _ person: Person) -> Bool {
            switch scope {
            case .no: false
            case .all: true
            case .own: row.owner == person.id
            case .department:
                person.department.map { department in row.department.map { subtree(department).contains($0) } ?? false }
                    ?? (row.owner == person.id)
            }
        }

        func shared(_ entity: String, _ row: Row, _ person: Person, editing: Bool) -> Bool {
            let chain = ancestors(person.department)
            return (shares[entity] ?? []).contains { share in
                share.record == row.id && (!editing || share.canEdit)
                    && (share.user == person.id || share.department.map { chain.contains($0) } == true)
            }
        }

        func mayRead(_ entity: String, _ row: Row, _ person: Person) -> Bool {
            let grant = grant(person, entity)
            if grant.read == .all { return true }
            return inScope(grant.read, row, person) || shared(entity, row, person, editing: false)
                || (entity == "customer" && grant.claim && row.owner == nil)
        }

        func mayUpdate(_ entity: String, _ row: Row, _ person: Person) -> Bool {
            let grant = grant(person, entity)
            if grant.update == .all { return true }
            return inScope(grant.update, row, person) || shared(entity, row, person, editing: true)
        }
    }

    @Test func everyUserSeesExactlyWhatTheRulesAllowOnEveryReadPath() throws {
        let company = try Company()
        let engine = company.test.engine
        var differences: [String] = []
        for person in company.people {
            let actor = Actor(userID: person.id, departmentID: person.department)
            try engine.read(as: actor) { transaction in
                let user = try transaction.user(id: person.id)
                for entity in ["customer", "opportunity"] {
                    let access = try AccessPolicy.access(entity, for: user, in: transaction).filter
                    let rows = company.rows[entity] ?? []
                    let expected = Set(rows.filter { company.mayRead(entity, $0, person) }.map(\.id))
                    // list pages
                    var seen: Set<Int64> = []
                    var after: String?
                    repeat {
                        let page = try transaction.query(RecordQuery(entity: entity, limit: 500, after: after), access: access)
                        seen.formUnion(page.records.map(\.id))
                        after = page.nextCursor
                    } while after != nil
                    if seen != expected { differences.append("user \(person.id) \(person.roles) list \(entity): \(seen.count) vs \(expected.count)") }
                    // count and sum
                    let count = try transaction.aggregate(AggregateQuery(entity: entity, aggregate: .count), access: access).first?.count ?? 0
                    if count != expected.count { differences.append("user \(person.id) count \(entity): \(count) vs \(expected.count)") }
                    if entity == "opportunity" {
                        let sum = try transaction.aggregate(AggregateQuery(entity: entity, aggregate: .sum, field: "amount"), access: access)
                            .first?.value.decimal?.rescaled(to: 0)?.units ?? 0
                        let oracle = rows.filter { expected.contains($0.id) }.reduce(0) { $0 + $1.amount }
                        if sum != oracle { differences.append("user \(person.id) sum: \(sum) vs \(oracle)") }
                    }
                    // get by id, a sample of each kind
                    for row in rows.prefix(150) {
                        let got = try transaction.get(entity, id: row.id, access: access) != nil
                        if got != expected.contains(row.id) { differences.append("user \(person.id) get \(entity) #\(row.id): \(got)") }
                    }
                    // full-text search
                    if entity == "customer" {
                        let found = try transaction.query(RecordQuery(entity: entity, search: "Alpha", limit: 1000), access: access).records
                        let oracle = Set(rows.filter { expected.contains($0.id) && $0.name.hasSuffix("Alpha") }.map(\.id))
                        if Set(found.map(\.id)) != oracle { differences.append("user \(person.id) search: \(found.count) vs \(oracle.count)") }
                    }
                }
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(20))")
    }

    @Test func everyForbiddenWriteIsRefused() throws {
        let company = try Company()
        let engine = company.test.engine
        var differences: [String] = []
        for person in company.people {
            let actor = Actor(userID: person.id, departmentID: person.department)
            let rows = Array((company.rows["opportunity"] ?? []).prefix(60))
            for row in rows {
                let allowed = company.mayUpdate("opportunity", row, person)
                var succeeded = false
                do {
                    try engine.store.write(as: actor) { transaction in
                        let access = try AccessPolicy.access("opportunity", for: try transaction.user(id: person.id), in: transaction).filter
                        _ = try transaction.update("opportunity", id: row.id, ["next_step": "call back"], access: access)
                        throw CancellationError()  // keep the data as generated
                    }
                } catch let error as RecordError where error.code == .forbidden || error.code == .notFound {
                    succeeded = false
                } catch {
                    succeeded = true
                }
                if succeeded != allowed { differences.append("user \(person.id) \(person.roles) update #\(row.id): \(succeeded) vs \(allowed)") }
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(20))")
    }
}

/// Field access from the roles: `none` hides, `read` protects.
@Suite struct FieldAccessTests {
    @Test func hiddenAndReadOnlyFields() throws {
        let test = try TestEngine()
        let marketer = try test.engine.addUser(login: "mkt", roles: ["marketing"])
        let rep = try test.engine.addUser(login: "rep", roles: ["sales_rep"])
        let customer = try test.engine.write(as: rep.actor) {
            try $0.create("customer", ["name": "Hidden Co", "owner": .integer(rep.id)])
        }
        try test.engine.write(as: .system) { _ = try $0.update("customer", id: customer.id, ["credit_limit": "5000.00"]) }
        try test.engine.read(as: marketer.actor) { transaction in
            let access = try AccessPolicy.access("customer", for: marketer, in: transaction)
            #expect(access.filter.hiddenFields.contains("credit_limit"))
            #expect(access.mayExport)
            let record = try transaction.get("customer", id: customer.id, access: access.filter)
            #expect(record != nil && record?.values["credit_limit"] == nil)
            let page = try transaction.query(RecordQuery(entity: "customer"), access: access.filter)
            #expect(page.records.allSatisfy { $0.values["credit_limit"] == nil })
            #expect(throws: RecordError.self) {
                try transaction.query(
                    RecordQuery(entity: "customer", filter: .condition(field: "credit_limit", op: .gt, values: [0])), access: access.filter)
            }
            #expect(throws: RecordError.self) {
                try transaction.query(RecordQuery(entity: "customer", sort: [.init("credit_limit")]), access: access.filter)
            }
        }
        #expect(throws: RecordError.self) {
            try test.engine.store.write(as: rep.actor) { transaction in
                let access = try AccessPolicy.access("customer", for: rep, in: transaction)
                #expect(access.filter.readonlyFields.contains("credit_limit"))
                _ = try transaction.update("customer", id: customer.id, ["credit_limit": "9999.00"], access: access.filter)
            }
        }
    }
}

/// The public pool and transfers.
@Suite struct OwnershipTests {
    @Test func sixteenUsersClaimingTheSameRecordOneWins() async throws {
        let test = try TestEngine()
        var reps: [DirectoryUser] = []
        for index in 0..<16 { reps.append(try test.engine.addUser(login: "rep\(index)", roles: ["sales_rep"])) }
        let pooled = try test.engine.write(as: .system) { try $0.create("customer", ["name": "Pool Co", "owner": .null]) }
        let engine = test.engine
        let wins = await withTaskGroup(of: Bool.self) { group in
            for rep in reps {
                group.addTask { (try? engine.claim("customer", id: pooled.id, as: rep)) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        let owner = try engine.read(as: .system) { try $0.get("customer", id: pooled.id)?["owner"] }
        #expect(reps.contains { .integer($0.id) == owner })
        let history = try engine.read(as: .system) { try $0.history("customer", id: pooled.id) }
        #expect(history.filter { $0.action == "claim" }.count == 1)
    }

    @Test func aLeavingRepsRecordsMoveWithHistory() throws {
        let test = try TestEngine()
        try test.engine.addDepartment(name: "East")
        let leaving = try test.engine.addUser(login: "leaving", roles: ["sales_rep"])
        let taking = try test.engine.addUser(login: "taking", roles: ["sales_rep"], department: "East")
        let ids = try test.engine.write(as: leaving.actor) { transaction in
            let customer = try transaction.create("customer", ["name": "Kept Co"])
            let opportunity = try transaction.create("opportunity", ["title": "Kept deal", "customer": .integer(customer.id)])
            return [customer.id, opportunity.id]
        }
        #expect(try test.engine.transferAll(from: leaving, to: taking, as: .system) == 2)
        let customer = try test.engine.read(as: .system) { try $0.get("customer", id: ids[0]) }
        #expect(customer?["owner"] == .integer(taking.id))
        #expect(customer?["department"] == taking.departmentID.map(Value.integer))
        let history = try test.engine.read(as: .system) { try $0.history("opportunity", id: ids[1]) }
        #expect(history.contains { $0.action == "transfer" })
        #expect(throws: RecordError.self) { try test.engine.claim("customer", id: ids[0], as: leaving) }
    }
}

extension FieldAccessTests {
    @Test func exportsFollowTheUsersAccessAndAreLogged() throws {
        let test = try TestEngine()
        let marketer = try test.engine.addUser(login: "mkt", roles: ["marketing"])
        let rep = try test.engine.addUser(login: "rep", roles: ["sales_rep"])
        try test.engine.write(as: rep.actor) { transaction in
            _ = try transaction.create("customer", ["name": "Export Co", "owner": .integer(rep.id)])
        }
        let output = OutputStream.toMemory()
        output.open()
        #expect(try test.engine.exportCSV(RecordQuery(entity: "customer"), to: output, as: marketer) == 1)
        let data = output.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        let header = String(decoding: data, as: UTF8.self).split(separator: "\n").first ?? ""
        #expect(header.contains("name") && !header.contains("credit_limit"), "\(header)")
        #expect(throws: RecordError.self) { try test.engine.exportCSV(RecordQuery(entity: "customer"), to: OutputStream.toMemory(), as: rep) }
        let log = try test.engine.read(as: .system) { try $0.systemLog() }
        #expect(log.map(\.kind).prefix(2) == ["denied", "export"])
    }

    @Test func rulesOnAUsersBehalfDoNotSeeHiddenFields() throws {
        let module = """
            <module xmlns="urn:kith:1" name="peek" version="1">
              <entity name="peek_note" label="Peek"><field name="text" type="text" max="200"/>
                <hook event="before-save" function="peek.look"/></entity>
              <role name="peeker" label="Peeker">
                <grant entity="peek_note" read="all" create="yes"/>
                <grant entity="customer_like" read="all"/>
              </role>
              <entity name="customer_like" label="Customer-like">
                <field name="name" type="text" max="50"/><field name="secret" type="text" max="50"/>
              </entity>
              <extend-role name="peeker"><field entity="customer_like" name="secret" access="none"/></extend-role>
            </module>
            """
        let test = try TestEngine(
            module: module,
            scripts: ["peek": "return { look = function(ctx) local c = kith.find('customer_like', {})[1]; ctx.record.text = tostring(c.name) .. '/' .. tostring(c.secret) end }"])
        try test.engine.write(as: .system) { _ = try $0.create("customer_like", ["name": "Visible", "secret": "hidden"]) }
        let peeker = try test.engine.addUser(login: "peeker", roles: ["peeker"])
        let note = try test.engine.write(as: peeker.actor) { try $0.create("peek_note", ["text": "x"]) }
        #expect(note["text"] == "Visible/nil")
    }
}
