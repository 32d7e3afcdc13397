import Foundation
import KithSchema
public import KithStore

/// Sample data for any schema (`kith demo`): a department tree, a user per role with reporting
/// lines, and records of every entity with values fitting each field's type, choices and
/// references, in Chinese and English. Records a rule refuses are skipped. Then some records of
/// each workflow move along it, so that lists, reports and approval inboxes show every state, and
/// some are converted as their users would (the records made move along too). Last, every
/// schedule runs once, so that reminders and messages are there to see.
public struct DemoData {
    public struct Summary: Sendable {
        public var departments = 0
        public var users: [(login: String, roles: [String])] = []
        public var records: [String: Int] = [:]
        public var refused = 0
        /// Why the first record an entity's rules refused was refused, for entities left short.
        public var firstRefusal: [String: String] = [:]
        /// Transitions fired and approval steps decided.
        public var moves = 0
        /// Schedules run once at the end (reminders, messages, the public pool).
        public var scheduleRuns = 0
        public let password: String
    }

    let engine: Engine
    var random: SeededRandom
    /// The demo's users, and by entity those who may edit some of its records (a `user` field's
    /// people: a job's technician is someone who works on jobs).
    private var everyone: [DirectoryUser] = []
    private var editors: [String: [Int64]] = [:]

    public init(engine: Engine, seed: UInt64 = 2026) {
        self.engine = engine
        random = SeededRandom(seed: seed)
    }

    /// The password of every demo user: a demo workspace is for trying Kith, not for real data.
    public static let password = "kith-demo"

    public mutating func fill(records perEntity: Int) throws(RecordError) -> Summary {
        var summary = Summary(password: Self.password)
        let (staff, everyone) = try people(&summary)
        self.everyone = everyone
        let schema = engine.schema
        var created: [String: [Int64]] = [:]
        for entity in Self.ordered(schema) {
            var made = 0
            var attempts = 0
            // Records belong to users who may create them, when some may: the staff, or anyone
            // when every role reads everything.
            let candidates = staff.isEmpty ? everyone : staff
            let creators = candidates.filter { access(entity.name, for: $0)?.mayCreate == true }
            let owners = creators.isEmpty ? candidates : creators
            while made < perEntity && attempts < perEntity * 3 {
                attempts += 1
                let owner = owners.isEmpty ? nil : owners[random.next(owners.count)]
                let values = try self.values(entity, index: made + 1, owner: owner)
                var lines: [String: [[String: Value]]] = [:]
                for detail in schema.details(of: entity.name) {
                    var items: [[String: Value]] = []
                    for line in 0..<(1 + random.next(3)) {
                        items.append(try self.values(detail, index: line + 1, master: entity.name, owner: owner))
                    }
                    lines[detail.name] = items
                }
                do {
                    let id = try engine.write(as: owner?.actor ?? .system) { transaction in
                        try transaction.createID(entity.name, values, lines: lines)
                    }
                    created[entity.name, default: []].append(id)
                    made += 1
                } catch {
                    summary.refused += 1
                    if summary.firstRefusal[entity.name] == nil { summary.firstRefusal[entity.name] = "\(error)" }
                }
            }
            summary.records[entity.name] = made
            if made == perEntity { summary.firstRefusal[entity.name] = nil }
        }
        moveAlong(created, &summary)
        let converted = convertSome(created, &summary)
        moveAlong(converted, &summary)
        summary.scheduleRuns = engine.runEverySchedule().count
        try? engine.store.analyze()
        return summary
    }

    /// Seven in ten records of each workflow move, up to three steps each.
    private mutating func moveAlong(_ created: [String: [Int64]], _ summary: inout Summary) {
        for entity in engine.schema.entities where entity.workflow != nil {
            for id in created[entity.name] ?? [] where random.next(10) < 7 {
                for _ in 0..<(1 + random.next(3)) {
                    guard move(entity, id, people: everyone) else { break }
                    summary.moves += 1
                }
            }
        }
    }

    /// Half of the records each conversion may start from are converted (a lead qualified, an
    /// order's shipment made from its lines), by their owner or else the first user who may.
    /// Records that only a conversion makes right (a shipment whose lines are its order's) come
    /// this way where made up ones were refused. Returns the records made, by entity.
    private mutating func convertSome(_ created: [String: [Int64]], _ summary: inout Summary) -> [String: [Int64]] {
        var converted: [String: [Int64]] = [:]
        for conversion in engine.schema.conversions {
            let targets = conversion.creations.map(\.entity)
            let converters = everyone.filter { user in targets.allSatisfy { access($0, for: user)?.mayCreate == true } }
            for id in created[conversion.source] ?? [] where random.next(2) == 0 {
                guard let record = try? engine.read(as: .system, { try $0.get(conversion.source, id: id) }),
                    conversion.whenStates.isEmpty || conversion.whenStates.contains(record["state"].text ?? "")
                else { continue }
                let owner = record["owner"].integer
                for user in converters.filter({ $0.id == owner }) + converters.filter({ $0.id != owner }) {
                    guard let made = try? engine.write(as: user.actor, { try engine.convert(conversion.name, id: id, in: $0) }) else {
                        continue
                    }
                    for record in made {
                        converted[record.entity, default: []].append(record.id)
                        summary.records[record.entity, default: 0] += 1
                        summary.firstRefusal[record.entity] = nil
                    }
                    break
                }
            }
        }
        return converted
    }

    /// Departments 总部 → 华东大区 → 上海分公司, 华南大区; a user per role: the widest roles at
    /// headquarters, department-wide roles heading the region, own-scope roles (two each) in the
    /// branch reporting to them, and they to the first user of the widest roles. Returns the users
    /// records are spread over, and all of them.
    private mutating func people(_ summary: inout Summary) throws(RecordError) -> (staff: [DirectoryUser], everyone: [DirectoryUser]) {
        let tree: [(String, String?)] = [("总部 Headquarters", nil), ("华东大区 East Region", "总部 Headquarters"),
                                         ("上海分公司 Shanghai Branch", "华东大区 East Region"), ("华南大区 South Region", "总部 Headquarters")]
        for (name, parent) in tree where try engine.read(as: .system, { try $0.department(named: name) }) == nil {
            _ = try engine.addDepartment(name: name, parent: parent)
            summary.departments += 1
        }
        var staff: [DirectoryUser] = []
        var everyone: [DirectoryUser] = []
        let roles = engine.schema.roles.filter { $0.name != Role.administrator }
        func widest(_ role: Role) -> Role.Scope { role.grants.map(\.read).filter { $0 != .no }.min() ?? .no }
        var managers: [String] = []
        var executives: [String] = []
        for role in roles.sorted(by: { widest($0) > widest($1) }) {
            let scope = widest(role)
            let logins = scope == .own ? [role.name + "1", role.name + "2"] : [role.name]
            for login in logins where try engine.read(as: .system, { try $0.user(login: login) }) == nil {
                let department =
                    switch scope {
                    case .all: "总部 Headquarters"
                    case .department: "华东大区 East Region"
                    default: "上海分公司 Shanghai Branch"
                    }
                // Own-scope users report to the region's head, who reports to the first user of
                // the widest roles (so that every approval by `manager` has someone to ask).
                let manager = scope == .own ? managers.first : scope == .department ? executives.first : nil
                // The role in both languages, as the demo's departments are named.
                let english = role.labels.text(for: "en", fallback: role.name.humanizedName)
                let chinese = role.labels.text(for: "zh", fallback: english)
                let name = Self.person(&random) + " (" + (chinese == english ? english : chinese + " " + english) + ")"
                let user = try engine.addUser(
                    login: login, name: name, email: "\(login)@example.com", roles: [role.name], department: department, manager: manager,
                    password: Self.password)
                if scope == .all { executives.append(login) }
                if scope == .department {
                    managers.append(login)
                    if let id = try engine.read(as: .system, { try $0.department(named: department)?.id }) {
                        try engine.write(as: .system) { try $0.setDepartmentHead(id, head: user.id) }
                    }
                }
                summary.users.append((login, [role.name]))
                everyone.append(user)
                if scope == .own || scope == .department { staff.append(user) }
            }
        }
        return (staff, everyone)
    }

    /// What `user` may do with `entity` (nil when it cannot be worked out).
    private func access(_ entity: String, for user: DirectoryUser) -> AccessFilter? {
        try? engine.read(as: user.actor) { try engine.access(entity, for: user, in: $0) }
    }

    /// One step of a record along its workflow, as its users would take it: an approval step
    /// decided by one of its approvers (mostly approved), or else a transition that does not go
    /// back to the start, each fired by the first user who may (the owner first), seldom one that
    /// ends the workflow early (a cancellation). Guards and rules apply; false when nothing moved.
    private mutating func move(_ entity: Entity, _ id: Int64, people: [DirectoryUser]) -> Bool {
        guard let workflow = entity.workflow, let record = try? engine.read(as: .system, { try $0.get(entity.name, id: id) }) else {
            return false
        }
        let state = record["state"].text ?? ""
        if workflow.approval(in: state) != nil {
            let approvers = people.filter { user in
                (try? engine.read(as: user.actor) { try engine.awaitsDecision(entity.name, id: id, from: user, in: $0) }) == true
            }
            guard !approvers.isEmpty else { return false }
            let approver = approvers[random.next(approvers.count)]
            let approve = random.next(5) > 0
            let comment = approve ? "同意 Approved" : "请补充说明 Please explain the figures"
            let decided = try? engine.write(as: approver.actor) {
                try engine.decide(entity.name, id: id, approve: approve, comment: comment, in: $0)
            }
            return decided != nil
        }
        let owner = people.first { $0.id == record["owner"].integer }
        var choices: [(user: DirectoryUser, transition: Workflow.Transition)] = []
        for user in [owner].compactMap({ $0 }) + people {
            for transition in engine.availableTransitions(entity, record: record, for: user)
            where transition.to != workflow.initialState && !choices.contains(where: { $0.transition.name == transition.name }) {
                choices.append((user, transition))
            }
        }
        let onward = choices.filter { workflow.state($0.transition.to)?.isFinal != true }
        if !onward.isEmpty && random.next(5) > 0 { choices = onward }
        guard !choices.isEmpty else { return false }
        let (user, transition) = choices[random.next(choices.count)]
        let moved = try? engine.write(as: user.actor) {
            try engine.transition(entity.name, id: id, transition.name, comment: "演示 Demo", in: $0)
        }
        return moved != nil
    }

    /// Entities with the ones they must refer to first; line items come with their masters.
    static func ordered(_ schema: Schema) -> [Entity] {
        var done: [String] = []
        var remaining = schema.entities.filter { $0.detailOf == nil }
        while !remaining.isEmpty {
            let ready = remaining.filter { entity in
                entity.fields.allSatisfy { field in
                    !(field.isRequired && field.type == .ref) || field.target == entity.name || done.contains(field.target ?? "")
                }
            }
            let next = ready.first ?? remaining[0]
            done.append(next.name)
            remaining.removeAll { $0.name == next.name }
        }
        return done.compactMap { schema.entity($0) }
    }

    /// `owner`: who saves the record; references point to records they may read.
    private mutating func values(_ entity: Entity, index: Int, master: String? = nil, owner: DirectoryUser?) throws(RecordError)
        -> [String: Value]
    {
        var values: [String: Value] = [:]
        for field in entity.fields where !field.isReadonly && !field.isHidden && field.type != .autonumber && field.type != .file {
            if field.type == .ref && field.target == master { continue }
            if field.type == .boolean, let standard = field.defaultValue {
                // A switch: records turn one that starts off on over their life (an article
                // published), and seldom turn off one that starts on (a product still sold).
                let flipped = standard == "false" ? random.next(2) == 0 : random.next(5) == 0
                values[field.name] = .boolean((standard == "true") != flipped)
                continue
            }
            if !field.isRequired && field.defaultValue != nil { continue }
            if !field.isRequired && random.next(10) < 3 { continue }
            if let value = try value(field, entity: entity, index: index, owner: owner) { values[field.name] = value }
        }
        return values
    }

    private mutating func value(_ field: Field, entity: Entity, index: Int, owner: DirectoryUser?) throws(RecordError) -> Value? {
        let schema = engine.schema
        let unique = field.isUnique ? " \(index)-\(random.next(100_000))" : ""
        switch field.type {
        case .text:
            let name = field.name
            var text: String
            if !field.samples.isEmpty {
                text = field.samples[random.next(field.samples.count)] + (entity.titleField == name ? " \(index)" : "")
            } else if let pattern = field.pattern {
                // A made-up text would not match: a text the pattern accepts, unique or not.
                return PatternSample.make(pattern, random: &random).map(Value.text)
            } else if entity.titleField == name && name == "name" {
                // A person's name where the field says so (姓名), else a company's: other kinds of
                // names come from the field's `sample` values.
                text = field.labels.text(for: "zh", fallback: "") == "姓名" ? Self.person(&random) : Self.company(&random)
            } else if name.hasSuffix("_name") || name.contains("person") || name.contains("signatory") || name == "name" {
                text = Self.person(&random)
            } else if name.contains("address") {
                text = ["上海市浦东新区张江路 88 号", "北京市朝阳区建国路 1 号", "广州市天河区体育西路 10 号", "杭州市西湖区文三路 200 号"][random.next(4)]
            } else {
                // The field's label in Chinese and English (as the schema gives them), and a number.
                text = Self.label(field) + (unique.isEmpty ? " \(index)" : "")
            }
            text += unique
            return .text(String(text.prefix(field.maxLength ?? 255)))
        case .textarea:
            return .text(field.samples.isEmpty ? Self.label(field) + " \(index)" : field.samples[random.next(field.samples.count)])
        case .email: return .text("contact\(index)\(random.next(10_000))@example.com")
        case .phone: return .text("13\(random.next(10))\(String(format: "%08d", random.next(100_000_000)))")
        case .url: return .text("https://example.com/\(index)")
        case .integer:
            // A line's quantities are small: a few of each item, not a hundred.
            let low = field.min.flatMap { Int($0) } ?? 1
            let high = min(field.max.flatMap { Int($0) } ?? (entity.detailOf == nil ? 100 : 20), low + 1000)
            return .integer(Int64(low + random.next(max(1, high - low + 1))))
        case .percent:
            let low = field.min.flatMap { Double($0) } ?? 0
            let high = min(field.max.flatMap { Double($0) } ?? 30, low + 100)
            return .text(String(format: "%.2f", low + Double(random.next(1_000_000)) / 1_000_000 * (high - low)))
        case .decimal, .money:
            // Amounts as a small business has them: from about 50 to 50,000, as many in each
            // order of magnitude (prices, expenses, budgets); a line's other numbers (quantities,
            // weights) from 1 to 20.
            let low = field.min.flatMap { Double($0) } ?? 0
            let high = field.max.flatMap { Double($0) } ?? .infinity
            let line = field.type == .decimal && entity.detailOf != nil
            let from = max(low, line ? 1 : 50)
            let to = min(high, line ? from + 19 : from * 1_000)
            let amount = from >= to ? from : from * pow(to / from, Double(random.next(1_000_000)) / 1_000_000)
            return .text(String(format: "%.2f", min(max(amount, low), high)))
        case .boolean: return .boolean(random.next(2) == 0)
        case .date:
            return .text(FilterVariables.shift(engine.store.variables(for: .system).today, days: random.next(240) - 180))
        case .datetime:
            let day = FilterVariables.shift(engine.store.variables(for: .system).today, days: random.next(60) - 30)
            return .text(day + "T0\(random.next(10)):30:00Z")
        case .enum:
            let choices = schema.choices(of: field)
            return choices.isEmpty ? nil : .text(choices[random.next(choices.count)])
        case .multienum:
            let choices = schema.choices(of: field)
            return choices.isEmpty ? nil : .list([.text(choices[random.next(choices.count)])])
        case .ref:
            guard let target = field.target, let id = try pick(target, for: owner) else { return nil }
            return .integer(id)
        case .multiref:
            guard let target = field.target, let id = try pick(target, for: owner) else { return nil }
            return .list([.integer(id)])
        case .user:
            let edited = entity.detailOf ?? entity.name  // a line's people are its master's
            if editors[edited] == nil {
                editors[edited] = everyone.filter { access(edited, for: $0)?.updatesNothing == false }.map(\.id)
            }
            var users = editors[edited] ?? []
            if users.isEmpty {
                users = try engine.read(as: .system) { try $0.users(withRole: engine.schema.roles.first?.name ?? "") }.map(\.id)
            }
            return users.isEmpty ? nil : .integer(users[random.next(users.count)])
        case .autonumber, .file, .department: return nil
        }
    }

    /// A random record of `entity` that `owner` may read (among the most recent thousand).
    private mutating func pick(_ entity: String, for owner: DirectoryUser?) throws(RecordError) -> Int64? {
        let page = try engine.read(as: owner?.actor ?? .system) { transaction in
            let access =
                try owner.map { user throws(RecordError) in try engine.access(entity, for: user, in: transaction) } ?? .unrestricted
            return try transaction.query(RecordQuery(entity: entity, limit: 1000), access: access)
        }
        return page.rows.count == 0 ? nil : page.rows.id(random.next(page.rows.count))
    }

    /// A field's label in Chinese and English, as far as the schema gives them: "序列号 Serial no.".
    static func label(_ field: Field) -> String {
        let zh = field.labels.text(for: "zh", fallback: "")
        let en = field.labels.text(for: "en", fallback: field.name.humanizedName)
        return zh.isEmpty || zh == en ? en : zh + " " + en
    }

    static func company(_ random: inout SeededRandom) -> String {
        let prefixes = ["金鼎", "恒通", "宏达", "远航", "新世纪", "东方", "瑞丰", "百盛", "中联", "华信", "天成", "博远"]
        let trades = ["科技", "贸易", "机械", "食品", "医药", "电子", "物流", "建材"]
        let english = ["Jinding", "Hengtong", "Hongda", "Yuanhang", "New Century", "Orient", "Ruifeng", "Baisheng", "Zhonglian", "Huaxin",
                       "Tiancheng", "Boyuan"]
        let pick = random.next(prefixes.count)
        let trade = random.next(trades.count)
        return "\(prefixes[pick])\(trades[trade])有限公司 \(english[pick]) Co."
    }

    static func person(_ random: inout SeededRandom) -> String {
        let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
        let given = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军", "晓明", "文华"]
        return surnames[random.next(surnames.count)] + given[random.next(given.count)]
    }
}

/// A small deterministic generator (SplitMix64), so demo data is the same on every machine.
public struct SeededRandom {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return bound <= 0 ? 0 : Int(z % UInt64(bound))
    }
}
