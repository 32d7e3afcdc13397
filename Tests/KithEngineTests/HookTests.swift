import Foundation
import KithEngine
import KithSchema
import KithScript
import KithStore
import Testing

/// Hooks around saves: what they may change, and that a failing rule leaves nothing behind.
@Suite struct HookTests {
    static let module = """
        <module xmlns="urn:kith:1" name="hooks" version="1">
          <entity name="invoice" label="Invoice">
            <field name="number" type="text" max="20" required="true"/>
            <field name="amount" type="money" required="true"/>
            <field name="tax" type="money" readonly="true"/>
            <field name="note" type="text" max="200"/>
            <hook event="before-save" function="billing.compute"/>
            <hook event="after-save" function="billing.audit"/>
            <hook event="before-delete" function="billing.keep_large"/>
            <hook event="after-commit" function="billing.announce"/>
          </entity>
          <entity name="audit_entry" label="Audit entry">
            <field name="text" type="text" max="200"/>
          </entity>
        </module>
        """

    static let billing = """
        local M = {}
        function M.compute(ctx)
          local invoice = ctx.record
          if invoice.note == "reject" then kith.reject("note", "notes may not say reject") end
          if invoice.note == "reject reversed" then kith.reject("notes may not say reject", "note") end
          invoice.tax = (invoice.amount * kith.decimal("0.13")):round(2)
          if invoice.note == "upper" then invoice.note = string.upper(invoice.number) end
        end
        function M.audit(ctx)
          local record = ctx.record
          kith.create("audit_entry", { text = ctx.event .. " " .. record.number })
          local admin = kith.users("admin")[1]
          if admin then kith.notify(admin.id, "saved " .. record.number, { record = record }) end
          if record.note == "fail after" then error("boom after the row was written") end
          if record.note == "loop after" then while true do end end
          if record.note == "reject after" then kith.reject("refused after writing") end
        end
        function M.keep_large(ctx)
          if ctx.record.amount > 1000 then kith.reject("invoices over 1000 are kept") end
        end
        function M.announce(ctx)
          kith.create("audit_entry", { text = "committed " .. ctx.record.number })
        end
        return M
        """

    static func engine() throws -> (TestEngine, Actor) {
        let test = try TestEngine(module: module, scripts: ["billing": billing])
        let admin = try test.user("admin", roles: ["admin"])
        return (test, admin)
    }

    func inboxCount(_ test: TestEngine, _ actor: Actor) throws -> Int {
        try test.engine.read(as: .system) { try $0.inbox(of: actor.userID!, dueBy: "9999").count }
    }

    @Test func beforeSaveChangesWhatIsSavedEvenReadOnlyFields() throws {
        let (test, admin) = try Self.engine()
        let invoice = try test.engine.write(as: admin) { try $0.create("invoice", ["number": "A-1", "amount": "100.00", "note": "upper"]) }
        #expect(invoice["tax"] == .decimal(try ExactDecimal("13.00")))
        #expect(invoice["note"] == "A-1")
        let changed = try test.engine.write(as: admin) { try $0.update("invoice", id: invoice.id, ["amount": "200.00"]) }
        #expect(changed["tax"] == .decimal(try ExactDecimal("26.00")))
        #expect(try test.count("audit_entry") == 4, "after-save twice and after-commit twice")
    }

    @Test func userCannotWriteTheReadOnlyFieldItself() throws {
        let (test, admin) = try Self.engine()
        #expect(throws: RecordError.self) {
            try test.engine.write(as: admin) { try $0.create("invoice", ["number": "A-2", "amount": "1.00", "tax": "0.00"]) }
        }
    }

    /// Also when the rule gave the field last (`kith.reject(message, field)`): only the second
    /// argument names a field, so the message still shows next to it.
    @Test(arguments: ["reject", "reject reversed"]) func rejectionReachesTheCallerWithItsField(_ note: String) throws {
        let (test, admin) = try Self.engine()
        do {
            try test.engine.write(as: admin) { try $0.create("invoice", ["number": "A-3", "amount": "1.00", "note": .text(note)]) }
            Issue.record("saved")
        } catch {
            #expect(error.code == .rejected)
            #expect(error.message == "notes may not say reject")
            #expect(error.problems == [FieldProblem(field: "note", message: "notes may not say reject", code: "rule")])
            #expect(error.ruleLocation == (note == "reject" ? "scripts/billing.lua:4" : "scripts/billing.lua:5"))
        }
        #expect(try test.count("invoice") == 0)
    }

    @Test(arguments: ["fail after", "loop after", "reject after"])
    func failingAfterSaveLeavesNoTrace(note: String) throws {
        let (test, admin) = try Self.engine()
        #expect(throws: RecordError.self) {
            try test.engine.write(as: admin) { try $0.create("invoice", ["number": "B-1", "amount": "5.00", "note": .text(note)]) }
        }
        #expect(try test.count("invoice") == 0, "no row")
        #expect(try test.count("audit_entry") == 0, "no row written by the hook")
        #expect(try inboxCount(test, admin) == 0, "no inbox message")
        let history = try test.engine.read(as: .system) { try $0.history("invoice", id: 1) }
        #expect(history.isEmpty, "no history")
        // and the next save works
        let saved = try test.engine.write(as: admin) { try $0.create("invoice", ["number": "B-2", "amount": "5.00"]) }
        #expect(saved.id > 0)
        #expect(try inboxCount(test, admin) == 1)
    }

    /// A before-save rule that sets a field to the value it already has (a total recomputed on an
    /// edit of something else) keeps it: it was stored as empty, because `nil` in a ternary was
    /// taken for the empty value.
    @Test func aRecomputedValueThatDidNotChangeIsKept() throws {
        let module = """
            <module xmlns="urn:kith:1" name="estate" version="1">
              <entity name="lease" title="id">
                <field name="rent" type="money"/>
                <field name="total" type="money" readonly="true"/>
                <field name="remarks" type="text"/>
                <hook event="before-save" function="leases.price"/>
              </entity>
            </module>
            """
        let script = "return { price = function(ctx) ctx.record.total = tostring(kith.decimal(ctx.record.rent or \"0\") * 12 / 1) end }"
        let test = try TestEngine(module: module, scripts: ["leases": script])
        let made = try test.engine.write(as: .system) { try $0.create("lease", ["rent": "1000"]) }
        #expect(made["total"].description == "12000.00")
        let edited = try test.engine.write(as: .system) { try $0.update("lease", id: made.id, ["remarks": "signed"]) }
        #expect(edited["total"].description == "12000.00")
        let history = try test.engine.read(as: .system) { try $0.history("lease", id: made.id) }
        #expect(history.map { $0.changes.keys.sorted() } == [["rent", "total"], ["remarks"]], "only the remarks changed")
    }

    /// `kith.remind` keeps the instant it is given, whatever its offset: a reminder for 09:30 in
    /// Shanghai is due at 01:30 UTC (it was kept as written, and compared as text with UTC times).
    @Test func remindersAreDueAtTheInstantTheyName() throws {
        let module = """
            <module xmlns="urn:kith:1" name="office" version="1">
              <entity name="note" title="id"><field name="text" type="text"/><hook event="after-save" function="notes.remind"/></entity>
            </module>
            """
        let script = """
            return { remind = function(ctx)
              kith.remind(ctx.user.id, "half past nine", "2026-11-22T09:30:00+08:00")
              kith.remind(ctx.user.id, "half past ten", "2026-11-22T10:30:00+08:00")
              kith.remind(ctx.user.id, "today", "2026-11-22")
              kith.remind(ctx.user.id, "local ten", "2026-11-22T10:00:00")
            end }
            """
        let test = try TestEngine(module: module, scripts: ["notes": script])
        let admin = try test.user("admin", roles: ["admin"])
        _ = try test.engine.write(as: admin) { try $0.create("note", ["text": "x"]) }
        // The clock: 2026-11-22T02:00:00Z, ten in the morning in Shanghai.
        let due = try test.engine.read(as: .system) { try $0.inbox(of: admin.userID!, dueBy: "2026-11-22T02:00:00.000Z") }
        #expect(Set(due.map(\.text)) == ["half past nine", "today", "local ten"])
        #expect(due.first { $0.text == "today" }?.dueAt == "2026-11-21T16:00:00.000Z")
    }

    /// A rule runs with its user's rights: its write to a record outside them fails, and says
    /// that this may be why (the record does exist: the user is not told so).
    @Test func writesOutsideTheUsersScopeSayWhyTheyMayFail() throws {
        let module = """
            <module xmlns="urn:kith:1" name="estate" version="1">
              <entity name="unit" title="number"><field name="number" type="text"/><field name="vacant" type="boolean"/></entity>
              <entity name="lease" title="id">
                <field name="unit_id" type="integer"/>
                <hook event="after-save" function="leases.occupy"/>
              </entity>
              <role name="agent"><grant entity="lease" read="own" create="yes"/></role>
            </module>
            """
        // (A reference field could not name the unit at all: a user's write may only name records they read.)
        let script = "return { occupy = function(ctx) kith.update(\"unit\", ctx.record.unit_id, { vacant = false }) end }"
        let test = try TestEngine(module: module, scripts: ["leases": script])
        let unit = try test.engine.write(as: .system) { try $0.create("unit", ["number": "A-1", "vacant": .boolean(true)]) }
        let agent = try test.user("agnes", roles: ["agent"])
        do {
            _ = try test.engine.write(as: agent) { try $0.create("lease", ["unit_id": .integer(unit.id)]) }
            Issue.record("saved")
        } catch {
            #expect(error.code == .rule)
            #expect(error.message.contains("unit #\(unit.id) does not exist or agnes may not read it (a rule runs with the rights"), "\(error)")
        }
        #expect(try test.count("lease") == 0)
    }

    @Test func faultsAreLoggedWithFileLineAndTraceback() throws {
        let (test, admin) = try Self.engine()
        do {
            try test.engine.write(as: admin) { try $0.create("invoice", ["number": "C-1", "amount": "5.00", "note": "fail after"]) }
        } catch {
            #expect(error.code == .rule)
            #expect(error.message.contains("boom after the row was written"))
            #expect(error.traceback?.contains("stack traceback") == true)
        }
        #expect(test.log.lines.contains { $0.contains("scripts/billing.lua:14") && $0.contains("stack traceback") })
        // and kept for the admin page's rules status; a refusal is not a fault
        let fault = try #require(test.engine.ruleFaults.latest.first)
        #expect(
            fault.entity == "invoice" && fault.location?.contains("scripts/billing.lua:14") == true && fault.message.contains("boom after"))
        #expect(throws: RecordError.self) {
            try test.engine.write(as: admin) { try $0.create("invoice", ["number": "C-2", "amount": "5.00", "note": "reject after"]) }
        }
        #expect(test.engine.ruleFaults.latest.count == 1)
    }

    @Test func beforeDeleteCanRefuse() throws {
        let (test, admin) = try Self.engine()
        let large = try test.engine.write(as: admin) { try $0.create("invoice", ["number": "D-1", "amount": "5000.00"]) }
        #expect(throws: RecordError.self) { try test.engine.write(as: admin) { try $0.delete("invoice", id: large.id) } }
        #expect(try test.count("invoice") == 1)
    }

    @Test func importsRunTheRulesAndReportRefusedRows() throws {
        let (test, admin) = try Self.engine()
        let file = test.folder.appendingPathComponent("invoices.csv")
        try Data("number,amount,note\nI-1,100.00,\nI-2,50.00,reject\nI-3,10.00,\n".utf8).write(to: file)
        let refused = try test.engine.importCSV("invoice", from: file, dryRun: false, skipInvalid: false, as: admin)
        #expect(!refused.applied)
        #expect(refused.problems.map(\.line) == [3])
        #expect(refused.problems.first?.message.contains("notes may not say reject") == true)
        #expect(try test.count("invoice") == 0)
        let report = try test.engine.importCSV("invoice", from: file, dryRun: false, skipInvalid: true, as: admin)
        #expect(report.imported == 2)
        let first = try test.engine.read(as: .system) { try $0.get("invoice", id: 1) ?? $0.get("invoice", id: 2) }
        #expect(first?["tax"] == .decimal(try ExactDecimal("13.00")))
        #expect(try test.count("audit_entry") == 4, "after-save for two rows, after-commit for two")
    }

    @Test func hooksDoNotRunOutsideTheEngine() throws {
        let (test, _) = try Self.engine()
        let plain = try test.engine.store.write(as: .system) { try $0.create("invoice", ["number": "E-1", "amount": "5.00"]) }
        #expect(plain["tax"] == .null)
    }
}

/// Every field type crosses into Lua and back as the spec says.
@Suite struct ValueCrossingTests {
    static let module = """
        <module xmlns="urn:kith:1" name="values" version="1">
          <dictionary name="tag"><item value="vip"/><item value="new"/><item value="export"/></dictionary>
          <entity name="contact_card" label="Card">
            <field name="name" type="text" max="50"/>
            <field name="visits" type="integer"/>
            <field name="spent" type="money"/>
            <field name="ratio" type="decimal" scale="4"/>
            <field name="active" type="boolean"/>
            <field name="born" type="date"/>
            <field name="seen_at" type="datetime"/>
            <field name="tags" type="multienum" dictionary="tag"/>
            <field name="friends" type="multiref" entity="contact_card"/>
            <field name="summary" type="text" max="500"/>
            <hook event="before-save" function="values.describe"/>
          </entity>
        </module>
        """

    static let script = """
        local M = {}
        function M.describe(ctx)
          local r = ctx.record
          if r.name ~= "probe" then return end
          r.summary = table.concat({
            math.type(r.visits), tostring(r.spent), tostring(r.ratio), tostring(r.active), r.born, r.seen_at,
            #r.tags .. ":" .. table.concat(r.tags, "+"), #r.friends .. ":" .. math.type(r.friends[1]),
          }, "|")
          table.insert(r.tags, "export")
          r.visits = r.visits + 1
          r.spent = r.spent * 2
          r.ratio = 0.125
          r.active = not r.active
          r.born = kith.add_days(r.born, 1)
        end
        return M
        """

    @Test func fieldsCrossAsTheirLuaTypesAndComeBack() throws {
        let test = try TestEngine(module: Self.module, scripts: ["values": Self.script])
        let friend = try test.engine.write(as: .system) { try $0.create("contact_card", ["name": "friend"]) }
        let probe = try test.engine.write(as: .system) { transaction in
            try transaction.create(
                "contact_card",
                [
                    "name": "probe", "visits": 41, "spent": "12.5", "ratio": "0.3333", "active": true, "born": "1990-02-28",
                    "seen_at": "2026-03-01T02:00:00.000Z", "tags": .list(["vip", "new"]), "friends": .list([.integer(friend.id)]),
                ])
        }
        #expect(probe["summary"] == "integer|12.50|0.3333|true|1990-02-28|2026-03-01T02:00:00.000Z|2:vip+new|1:integer")
        #expect(probe["tags"] == .list(["vip", "new", "export"]))
        #expect(probe["visits"] == 42)
        #expect(probe["spent"] == .decimal(try ExactDecimal("25.00")))
        #expect(probe["ratio"] == .decimal(try ExactDecimal("0.1250")))
        #expect(probe["active"] == false)
        #expect(probe["born"] == "1990-03-01")
    }
}

/// Scripts reload when their files change; a broken change is refused and the old version stays.
@Suite struct ReloadTests {
    @Test func changedScriptsReloadAndBrokenOnesAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("greeting.lua")
        try Data("return { hello = function() return 'one' end }".utf8).write(to: file)
        let rules = RuleRuntime(folders: [folder], limits: TestEngine.limits)
        let host = NoHost()
        func hello() throws -> ScriptValue {
            let state = try rules.acquire()
            defer { rules.release(state) }
            return try state.invoke(FunctionReference("greeting.hello")!, context: .table([:]), host: host).result
        }
        #expect(try hello() == .text("one"))

        try Data("return { hello = function() return 'two' end }".utf8).write(to: file)
        #expect(rules.reload().isEmpty)
        #expect(try hello() == .text("two"))

        try Data("return { hello = function() return 'three' end end".utf8).write(to: file)
        let problems = rules.reload()
        #expect(problems.count == 1)
        #expect(problems.first?.location?.hasSuffix("greeting.lua:1") == true, "\(problems)")
        #expect(try hello() == .text("two"), "the previous version stays in force")

        try Data("error('fails while loading')\nreturn {}".utf8).write(to: file)
        #expect(rules.reload().first?.message.contains("fails while loading") == true)
        #expect(try hello() == .text("two"))
    }
}

final class NoHost: RuleHost {
    func perform(_ operation: HostOperation, _ arguments: [ScriptValue], _ call: RuleCall) throws(HostError) -> [ScriptValue] {
        throw .message("no host")
    }
}

/// A script that fails to load breaks only its own rules.
@Suite struct BrokenScriptTests {
    @Test func otherModulesKeepWorking() throws {
        let module = """
            <module xmlns="urn:kith:1" name="broken" version="1">
              <entity name="good_thing" label="Good"><field name="name" type="text" max="20"/><field name="note" type="text" max="20"/>
                <hook event="before-save" function="good.stamp"/></entity>
              <entity name="bad_thing" label="Bad"><field name="name" type="text" max="20"/>
                <hook event="before-save" function="bad.stamp"/></entity>
            </module>
            """
        let test = try TestEngine(
            module: module,
            scripts: [
                "good": "return { stamp = function(ctx) ctx.record.note = 'stamped' end }",
                "bad": "local x = nil .. 'boom'\nreturn { stamp = function() end }",
            ])
        let good = try test.engine.write(as: .system) { try $0.create("good_thing", ["name": "a"]) }
        #expect(good["note"] == "stamped")
        do {
            try test.engine.write(as: .system) { _ = try $0.create("bad_thing", ["name": "b"]) }
            Issue.record("saved")
        } catch {
            #expect(error.code == .rule)
            #expect(error.ruleLocation == "scripts/bad.lua:1", "\(error)")
        }
    }
}

/// A master's before-save hook sees its line items as `ctx.lines.DETAIL` and, as the API sends
/// them, as `ctx.record.DETAIL`: the same table, changed in place or replaced.
@Suite struct LineItemHookTests {
    static let module = """
        <module xmlns="urn:kith:1" name="rental" version="1">
          <entity name="rental" label="Rental">
            <field name="discount" type="percent" default="0"/>
            <field name="total" type="money" readonly="true"/>
            <field name="note" type="text" max="40"/>
            <hook event="before-save" function="rental.total"/>
          </entity>
          <schedule name="copy" cron="0 0 1 1 *" function="rental.copy"/>
          <entity name="rental_line" label="Rental line" detail-of="rental">
            <field name="item" type="text" max="40" required="true"/>
            <field name="days" type="integer" min="1" required="true"/>
            <field name="rate" type="money"/>
          </entity>
        </module>
        """

    static let script = """
        local M = {}
        function M.total(ctx)
          local r = ctx.record
          if r.note == "replace" then
            r.rental_line = { { item = "swapped", days = 1, rate = kith.decimal("5") } }
          end
          local sum = kith.decimal("0")
          for _, line in ipairs(r.rental_line) do
            if line.rate == nil then line.rate = kith.decimal("100") end
            sum = sum + line.rate * line.days
          end
          r.total = sum * (100 - r.discount) / 100
          r.note = (r.note or "") .. " " .. tostring(#ctx.lines.rental_line)
        end
        -- Lines inside the values, as the API sends them; read back with kith.get and given back.
        function M.copy(ctx)
          local made = kith.create("rental", { note = "copy", rental_line = { { item = "crane", days = 2, rate = "100" }, { item = "van", days = 1, rate = "50" } } })
          local read = kith.get("rental", made.id)
          assert(#read.rental_line == 2 and read.rental_line[2].item == "van", "kith.get returns the lines")
          kith.update("rental", made.id, { rental_line = { read.rental_line[1] } })
        end
        return M
        """

    @Test func hooksSeeAndChangeLinesThroughTheRecord() throws {
        let test = try TestEngine(module: Self.module, scripts: ["rental": Self.script])
        let lines: [String: [[String: Value]]] = [
            "rental_line": [["item": "crane", "days": .integer(4)], ["item": "lift", "days": .integer(2), "rate": "250"]]
        ]
        let created = try test.engine.write(as: .system) { try $0.create("rental", ["discount": "10"], lines: lines) }
        #expect(created["total"] == .decimal(ExactDecimal(units: 81_000, scale: 2)))
        #expect(created["note"] == .text(" 2"))
        #expect(created.lines["rental_line"]?.first?["rate"] == .decimal(ExactDecimal(units: 10_000, scale: 2)))
        #expect(created.lines["rental_line"]?.first?["rental"] == .integer(created.id))  // the ref the loader added

        // An update without lines: the hook sees the stored ones.
        let updated = try test.engine.write(as: .system) { try $0.update("rental", id: created.id, ["discount": "0"]) }
        #expect(updated["total"] == .decimal(ExactDecimal(units: 90_000, scale: 2)))
        // Lines replaced through the record are saved as lines, not as a field.
        let replaced = try test.engine.write(as: .system) { try $0.update("rental", id: created.id, ["note": "replace"]) }
        #expect(replaced["total"] == .decimal(ExactDecimal(units: 500, scale: 2)))
        #expect(replaced.lines["rental_line"]?.map { $0["item"] } == [.text("swapped")])
    }

    /// A line value of the wrong kind is the user's mistake, named by its field, not a failure of
    /// the rule that would have summed it.
    @Test func badLineValuesAreReportedBeforeRulesReadThem() throws {
        let test = try TestEngine(module: Self.module, scripts: ["rental": Self.script])
        let saves: [(String, (RecordTransaction) throws -> Void)] = [
            ("rental_line[1].rate", { _ = try $0.create("rental", [:], lines: ["rental_line": [["item": "crane", "days": .integer(2), "rate": "abc"]]]) }),
            (
                "rental_line[1].days",
                { transaction in
                    let made = try transaction.create("rental", [:])
                    _ = try transaction.update("rental", id: made.id, [:], lines: ["rental_line": [["item": "crane", "days": "two"]]])
                }
            ),
        ]
        for (field, save) in saves {
            let error = #expect(throws: RecordError.self) { try test.engine.write(as: .system, save) }
            #expect(error?.code == .invalid, "\(String(describing: error))")
            #expect(error?.problems.map(\.field) == [field])
        }
    }

    @Test func rulesWriteAndReadLinesInsideTheRecord() throws {
        let test = try TestEngine(module: Self.module, scripts: ["rental": Self.script])
        try test.engine.runSchedule("copy")
        let copy = try test.engine.read(as: .system) { transaction in
            try transaction.query(RecordQuery(entity: "rental", filter: .condition(field: "note", op: .startsWith, values: ["copy"])))
                .records.first
                .flatMap { try transaction.get("rental", id: $0.id) }
        }
        #expect(copy?.lines["rental_line"]?.map { $0["item"] } == [.text("crane")], "the line read back was kept, the other removed")
        #expect(copy?["total"] == .decimal(ExactDecimal(units: 20_000, scale: 2)))
    }
}

/// `kith.duplicates`: a rule finds the stored records a new one would look like, by the entity's
/// duplicate rules, and links to one instead of creating another.
@Suite struct DuplicateLookupTests {
    static let module = """
        <module xmlns="urn:kith:1" name="intake" version="1">
          <entity name="client" label="Client">
            <field name="name" type="text" max="100" required="true"/>
            <field name="phone" type="phone"/>
            <duplicate fields="name" match="normalized"/>
            <duplicate fields="phone" match="exact"/>
          </entity>
          <entity name="enquiry" label="Enquiry">
            <field name="company" type="text" max="100" required="true"/>
            <field name="phone" type="phone"/>
            <field name="client" type="ref" entity="client"/>
            <field name="matched" type="text" max="100"/>
            <hook event="before-save" function="intake.link"/>
          </entity>
        </module>
        """

    static let intake = """
        local M = {}
        function M.link(ctx)
          local enquiry = ctx.record
          if enquiry.company == "bad field" then kith.duplicates("client", { nickname = "x" }) end
          if enquiry.client ~= nil then return end
          local found = kith.duplicates("client", { name = enquiry.company, phone = enquiry.phone })
          if #found > 0 then
            enquiry.client = found[1].id
            enquiry.matched = found[1].name .. ": " .. table.concat(found[1].duplicate_fields, ",")
          else
            enquiry.client = kith.create("client", { name = enquiry.company, phone = enquiry.phone }).id
          end
        end
        return M
        """

    @Test func rulesFindLikelyDuplicatesAndLinkToThem() throws {
        let test = try TestEngine(module: Self.module, scripts: ["intake": Self.intake])
        let admin = try test.user("admin", roles: ["admin"])
        let stored = try test.engine.write(as: admin) {
            try $0.create("client", ["name": "Hengtong Machinery Co.", "phone": "021-5555 1234"])
        }
        let byName = try test.engine.write(as: admin) { try $0.create("enquiry", ["company": "hengtong machinery co"]) }
        #expect(byName["client"] == .integer(stored.id))
        #expect(byName["matched"] == "Hengtong Machinery Co.: name")
        let byPhone = try test.engine.write(as: admin) { try $0.create("enquiry", ["company": "Other Ltd", "phone": "(021) 55551234"]) }
        #expect(byPhone["client"] == .integer(stored.id))
        #expect(byPhone["matched"] == "Hengtong Machinery Co.: phone")
        let new = try test.engine.write(as: admin) { try $0.create("enquiry", ["company": "Newco"]) }
        #expect(new["client"] != .integer(stored.id) && new["client"] != .null)
        #expect(try test.count("client") == 2)
        do {
            _ = try test.engine.write(as: admin) { try $0.create("enquiry", ["company": "bad field"]) }
            Issue.record("an unknown field was accepted")
        } catch {
            #expect("\(error)".contains("kith.duplicates: 'client' has no field 'nickname'"), "\(error)")
        }
    }
}
