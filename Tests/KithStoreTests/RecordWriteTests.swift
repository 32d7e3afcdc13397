import Foundation
import KithSchema
import Testing

@testable import KithStore

@Suite struct RecordWriteTests {
    let test: TestStore
    var store: RecordStore { test.store }
    let alice = TestStore.alice

    init() throws { test = try TestStore() }

    @Test func createsWithDefaultsStampsAndCodes() throws {
        let account = try store.create(
            "account", ["name": "ACME", "credit": "1234.5", "tags": "blue,Red,BLUE"], as: alice, access: .unrestricted)
        #expect(account.id == 1)
        #expect(account["code"] == "A2026-001")
        #expect(account["tier"] == "bronze")
        #expect(account["active"] == true)
        #expect(account["credit"] == .decimal(ExactDecimal(units: 123450, scale: 2)))
        #expect(account["credit"].description == "1234.50")
        #expect(account["tags"] == .list(["blue", "red"]), "choices in any letter case, each once")
        #expect(account["owner"] == 7)
        #expect(account["department"] == 3)
        #expect(account["created_by"] == 7)
        #expect(account["created_today"] == "2026-11-22")
        #expect(account["created_at"] == "2026-11-22T02:00:00.000Z")
        #expect(account["version"] == 1)
        let second = try store.create("account", ["name": "Beta"], as: alice, access: .unrestricted)
        #expect(second["code"] == "A2026-002")
    }

    @Test func reportsEveryProblemAtOnceAndSavesNothing() throws {
        do {
            _ = try store.create(
                "account",
                [
                    "credit": "-5", "rate": "120", "employees": "12.5", "email": "not-an-email", "phone": "call me",
                    "website": "ftp://x", "postcode": "12345", "tier": "platinum", "tags": "red,pink", "founded": "2026-02-30",
                    "contacted_at": "yesterday", "score": 3, "nope": 1, "weight": "1e3", "parent": 99, "manager": "x",
                ], as: alice, access: .unrestricted)
            Issue.record("saved")
        } catch {
            #expect(error.code == .invalid)
            let fields = Set(error.problems.map(\.field))
            #expect(
                fields == [
                    "name", "credit", "rate", "employees", "email", "phone", "website", "postcode", "tier", "tags", "founded",
                    "contacted_at", "score", "nope", "weight", "manager", "parent",
                ], "\(error.problems)")
            // A user field says it wants a user (a rule that passed a whole user table learns what to give).
            #expect(error.problems.first { $0.field == "manager" }?.message == "must be the id of a user", "\(error.problems)")
        }
        #expect(try store.read(as: alice) { try $0.get("account", id: 1) } == nil)
    }

    @Test func aRefusedRequiredValueIsOneProblemNotTwo() throws {
        do {
            _ = try store.create("account", ["name": .text(String(repeating: "x", count: 41))], as: alice, access: .unrestricted)
            Issue.record("saved")
        } catch {
            #expect(error.problems.map(\.field) == ["name"] && error.problems.first?.message.contains("at most 40") == true, "\(error.problems)")
        }
    }

    @Test func usersAndDepartmentsMustExist() throws {
        do {
            _ = try store.create("account", ["name": "Ghost Co", "manager": .integer(9_999)], as: alice, access: .unrestricted)
            Issue.record("saved")
        } catch {
            #expect(error.problems.map(\.description) == ["manager: refers to user #9999, which does not exist"])
        }
    }

    @Test func textLengthCountsCharactersNotBytes() throws {
        let name = String(repeating: "客", count: 40)
        #expect(throws: Never.self) { try store.create("account", ["name": .text(name)], as: alice, access: .unrestricted) }
        #expect(throws: RecordError.self) { try store.create("account", ["name": .text(name + "户")], as: alice, access: .unrestricted) }
    }

    @Test func referencesMustExist() throws {
        do {
            _ = try store.create("person", ["name": "Ann", "account": 42], as: alice, access: .unrestricted)
            Issue.record("saved")
        } catch {
            #expect(error.problems == [FieldProblem(field: "account", .missingRecord("account", id: 42))])
            #expect(error.problems.first?.message == "refers to account #42, which does not exist")
        }
    }

    @Test func uniqueValuesGiveAClearConflict() throws {
        _ = try store.create("account", ["name": "A", "email": "a@x.cn"], as: alice, access: .unrestricted)
        do {
            _ = try store.create("account", ["name": "B", "email": "a@x.cn"], as: alice, access: .unrestricted)
            Issue.record("saved")
        } catch {
            #expect(error.problems.first?.message == "'a@x.cn' is already used by account #1")
        }
    }

    @Test func readonlyFieldsAreForRulesAndTheEngineOnly() throws {
        let account = try store.create("account", ["name": "A"], as: alice, access: .unrestricted)
        #expect(throws: RecordError.self) { try store.update("account", id: account.id, ["score": 5], as: alice, access: .unrestricted) }
        let rule = Actor(userID: 7, departmentID: 3, origin: .rule)
        #expect(try store.update("account", id: account.id, ["score": 5], as: rule, access: .unrestricted)["score"] == 5)
    }

    @Test func staleVersionsAreRefusedAndNothingIsOverwritten() throws {
        let account = try store.create("account", ["name": "A"], as: alice, access: .unrestricted)
        _ = try store.update("account", id: account.id, ["name": "B"], expectedVersion: 1, as: alice, access: .unrestricted)
        do {
            _ = try store.update("account", id: account.id, ["name": "C"], expectedVersion: 1, as: alice, access: .unrestricted)
            Issue.record("overwrote")
        } catch {
            #expect(error.code == .stale)
            #expect(error.currentVersion == 2)
        }
        #expect(try store.get("account", id: account.id, as: alice, access: .unrestricted)?["name"] == "B")
    }

    @Test func linesAreSavedAndReplacedWithTheirMaster() throws {
        let account = try store.create("account", ["name": "A"], as: alice, access: .unrestricted)
        let invoice = try store.create(
            "invoice", ["account": .integer(account.id)],
            lines: ["invoice_line": [["item": "Desk", "price": "100", "quantity": "2"], ["item": "Chair", "price": "50.5"]]],
            as: alice, access: .unrestricted)
        #expect(invoice["code"] == "INV202611-0001")
        #expect(invoice["state"] == "draft")
        #expect(invoice.lines["invoice_line"]?.map(\.["item"]) == ["Desk", "Chair"])
        #expect(invoice.lines["invoice_line"]?.last?["quantity"].description == "1.00")
        let desk = try #require(invoice.lines["invoice_line"]?.first)
        let updated = try store.update(
            "invoice", id: invoice.id, [:],
            lines: ["invoice_line": [["id": .integer(desk.id), "quantity": "3"], ["item": "Lamp", "price": "9"]]],
            as: alice, access: .unrestricted)
        #expect(updated.lines["invoice_line"]?.map(\.["item"]) == ["Desk", "Lamp"])
        #expect(updated.lines["invoice_line"]?.first?["quantity"].description == "3.00")
        // The invoice's history says what happened to its lines: added, changed, removed.
        let chair = try #require(invoice.lines["invoice_line"]?.last?.id)
        let lamp = try #require(updated.lines["invoice_line"]?.last?.id)
        let history = try store.history("invoice", id: invoice.id, as: alice, access: .unrestricted)
        #expect(history.first?.changes["invoice_line#\(desk.id)"] == FieldChange(old: .null, new: .boolean(true)))
        let change = try #require(history.last?.changes)
        #expect(change["invoice_line#\(lamp)"] == FieldChange(old: .null, new: .boolean(true)))
        #expect(change["invoice_line#\(chair)"] == FieldChange(old: .boolean(true), new: .null))
        #expect(
            change["invoice_line#\(desk.id).quantity"]
                == FieldChange(old: .decimal(ExactDecimal(units: 200, scale: 2)), new: .decimal(ExactDecimal(units: 300, scale: 2))))
        #expect(LineChange(key: "invoice_line#12.quantity") != nil && LineChange(key: "quantity") == nil)
        // A bad line refuses the whole save.
        #expect(throws: RecordError.self) {
            try store.update("invoice", id: invoice.id, [:], lines: ["invoice_line": [["item": "X"]]], as: alice, access: .unrestricted)
        }
        #expect(try store.get("invoice", id: invoice.id, as: alice, access: .unrestricted)?.lines["invoice_line"]?.count == 2)
    }

    @Test func lockedStatesRefuseEdits() throws {
        let account = try store.create("account", ["name": "A"], as: alice, access: .unrestricted)
        let invoice = try store.create("invoice", ["account": .integer(account.id)], as: alice, access: .unrestricted)
        _ = try store.update("invoice", id: invoice.id, ["state": "sent"], as: TestStore.engine, access: .unrestricted)
        do {
            _ = try store.update("invoice", id: invoice.id, ["account": .integer(account.id)], as: alice, access: .unrestricted)
            _ = try store.update(
                "invoice", id: invoice.id, ["total": "1"], as: Actor(userID: 7, departmentID: 3, origin: .rule), access: .unrestricted)
            Issue.record("edited a locked record")
        } catch {
            #expect(error.code == .locked)
        }
    }

    @Test func deleteCascadesClearsAndRestricts() throws {
        let account = try store.create("account", ["name": "A"], as: alice, access: .unrestricted)
        let child = try store.create("account", ["name": "Child", "parent": .integer(account.id)], as: alice, access: .unrestricted)
        let person = try store.create("person", ["name": "Ann", "account": .integer(account.id)], as: alice, access: .unrestricted)
        let invoice = try store.create("invoice", ["account": .integer(account.id)], as: alice, access: .unrestricted)
        do {
            try store.delete("account", id: account.id, as: alice, access: .unrestricted)
            Issue.record("deleted despite the invoice")
        } catch {
            #expect(error.code == .referenced)
            #expect(error.message.contains("1 invoice record (#\(invoice.id)) refers to it through 'account'"))
        }
        try store.delete("invoice", id: invoice.id, as: alice, access: .unrestricted)
        try store.delete("account", id: account.id, as: alice, access: .unrestricted)
        #expect(try store.get("person", id: person.id, as: alice, access: .unrestricted) == nil, "cascade")
        #expect(try store.get("account", id: child.id, as: alice, access: .unrestricted)?["parent"] == .null, "set-null")
        let bin = try store.recycleBin(as: alice)
        #expect(bin.map(\.entity).sorted() == ["account", "invoice", "person"])
        // Restoring the account's batch brings the person back too.
        let batch = try #require(bin.first { $0.entity == "account" }?.batch)
        try store.restoreDeleted(batch: batch, as: alice)
        #expect(try store.get("account", id: account.id, as: alice, access: .unrestricted)?["name"] == "A")
        #expect(try store.get("person", id: person.id, as: alice, access: .unrestricted)?["account"] == .integer(account.id))
        #expect(try store.recycleBin(as: alice).map(\.entity) == ["invoice"])
    }

    @Test func historyRecordsEachFieldAndRestoresAVersion() throws {
        let account = try store.create("account", ["name": "A", "credit": "10"], as: alice, access: .unrestricted)
        _ = try store.update("account", id: account.id, ["name": "B", "credit": "20.5"], as: alice, access: .unrestricted)
        _ = try store.update("account", id: account.id, ["name": "C"], as: alice, access: .unrestricted)
        let history = try store.history("account", id: account.id, as: alice, access: .unrestricted)
        #expect(history.map(\.action) == ["create", "update", "update"])
        #expect(
            history[1].changes["credit"]
                == FieldChange(old: .decimal(ExactDecimal(units: 1000, scale: 2)), new: .decimal(ExactDecimal(units: 2050, scale: 2))))
        #expect(history[1].actor == 7)
        let restored = try store.restoreVersion("account", id: account.id, version: 1, as: alice, access: .unrestricted)
        #expect(restored["name"] == "A")
        #expect(restored["credit"].description == "10.00")
        #expect(restored.version == 4)
        #expect(try store.history("account", id: account.id, as: alice, access: .unrestricted).last?.action == "restore")
    }

    @Test func historyKeepsAnyTextExactly() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{07} 中文 🚀"
        let account = try store.create("account", ["name": "A", "notes": .text(tricky)], as: alice, access: .unrestricted)
        let history = try store.history("account", id: account.id, as: alice, access: .unrestricted)
        #expect(history.first?.changes["notes"]?.new == .text(tricky))
    }

    @Test func multirefLinksAreStoredInOrder() throws {
        let a = try store.create("person", ["name": "A"], as: alice, access: .unrestricted)
        let b = try store.create("person", ["name": "B"], as: alice, access: .unrestricted)
        let c = try store.create(
            "person", ["name": "C", "friends": .list([.integer(b.id), .integer(a.id)])], as: alice, access: .unrestricted)
        #expect(c["friends"] == .list([.integer(b.id), .integer(a.id)]))
        try store.delete("person", id: b.id, as: alice, access: .unrestricted)
        #expect(try store.get("person", id: c.id, as: alice, access: .unrestricted)?["friends"] == .list([.integer(a.id)]))
    }

    @Test func filesRespectTheirMaximumSize() throws {
        let small = try store.storeFile(name: "logo.png", contentType: "image/png", data: Data(count: 500), as: alice)
        let large = try store.storeFile(name: "big.png", contentType: "image/png", data: Data(count: 5000), as: alice)
        #expect(
            try store.create("account", ["name": "A", "logo": .integer(small)], as: alice, access: .unrestricted)["logo"] == .integer(small)
        )
        #expect(throws: RecordError.self) {
            try store.create("account", ["name": "B", "logo": .integer(large)], as: alice, access: .unrestricted)
        }
    }

    @Test func accessConditionsApplyToReadsAndWrites() throws {
        let mine = try store.create("account", ["name": "Mine"], as: alice, access: .unrestricted)
        let theirs = try store.create("account", ["name": "Theirs"], as: Actor(userID: 8, departmentID: 3), access: .unrestricted)
        let own = AccessFilter(
            read: .init(sql: "r.owner = ?", arguments: [7]), update: .init(sql: "r.owner = ?", arguments: [7]),
            delete: .init(sql: "r.owner = ?", arguments: [7]), hiddenFields: ["credit"])
        #expect(try store.get("account", id: mine.id, as: alice, access: own)?["name"] == "Mine")
        #expect(try store.get("account", id: mine.id, as: alice, access: own)?.values["credit"] == nil)
        #expect(try store.get("account", id: theirs.id, as: alice, access: own) == nil)
        do {
            _ = try store.update("account", id: theirs.id, ["name": "X"], as: alice, access: own)
            Issue.record("updated")
        } catch {
            #expect(error.code == .notFound)  // a record the actor may not read is not found: nobody learns it exists
        }
        #expect(throws: RecordError.self) { try store.update("account", id: mine.id, ["credit": "5"], as: alice, access: own) }
        // Even with the stored value: a guess that went through would tell the hidden value.
        #expect(throws: RecordError.self) { try store.update("account", id: mine.id, ["credit": .null], as: alice, access: own) }
        #expect(throws: RecordError.self) { try store.delete("account", id: theirs.id, as: alice, access: own) }
    }
}

extension RecordWriteTests {
    @Test func autonumbersRestartEachYearOrMonthAsDeclared() throws {
        let shanghai = TestStore.zone
        let schema = store.schema
        func opened(at time: String) throws -> RecordStore {
            let formatter = ISO8601DateFormatter()
            return try RecordStore.open(at: test.path, schema: schema, timeZone: shanghai, clock: .fixed(formatter.date(from: time)!))
        }
        let december = try opened(at: "2026-12-31T15:30:00Z")  // 23:30 in Shanghai
        let account = try december.create("account", ["name": "A"], as: alice, access: .unrestricted)
        #expect(account["code"] == "A2026-001")
        let invoice = try december.create("invoice", ["account": .integer(account.id)], as: alice, access: .unrestricted)
        #expect(invoice["code"] == "INV202612-0001")
        let january = try opened(at: "2026-12-31T16:30:00Z")  // already 2027-01-01 in Shanghai
        #expect(try january.create("account", ["name": "B"], as: alice, access: .unrestricted)["code"] == "A2027-001")
        #expect(
            try january.create("invoice", ["account": .integer(account.id)], as: alice, access: .unrestricted)["code"] == "INV202701-0001")
        #expect(try january.create("account", ["name": "C"], as: alice, access: .unrestricted)["code"] == "A2027-002")
    }
}
