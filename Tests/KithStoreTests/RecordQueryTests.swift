import Foundation
import GRDB
import KithSchema
import Testing

@testable import KithStore

@Suite struct RecordQueryTests {
    let test: TestStore
    var store: RecordStore { test.store }
    let alice = TestStore.alice

    init() throws {
        test = try TestStore()
        let rows: [[String: Value]] = [
            [
                "name": "Acme 华为 Trading", "tier": "gold", "credit": "5000", "employees": 120, "founded": "2001-05-01", "tags": "red,blue",
                "contacted_at": "2026-11-21T09:00:00+08:00",
            ],
            ["name": "Beta Logistics", "tier": "silver", "credit": "250.50", "employees": 8, "founded": "2015-03-10", "tags": "green"],
            [
                "name": "Gamma 上海贸易", "tier": "gold", "credit": "12000", "employees": 45, "founded": "2010-07-20",
                "contacted_at": "2026-11-22T08:00:00+08:00",
            ],
            ["name": "Delta", "tier": "bronze", "employees": 3, "notes": "likes 100% cotton_shirts"],
            ["name": "Epsilon", "tier": "silver", "credit": "0", "employees": 60, "founded": "2020-01-01"],
        ]
        for row in rows { _ = try store.create("account", row, as: TestStore.alice, access: .unrestricted) }
    }

    func names(_ query: RecordQuery, access: AccessFilter = .unrestricted) throws -> [String] {
        try store.query(query, as: alice, access: access).records.map { $0["name"].description }
    }

    func filtered(_ field: String, _ op: FilterOperator, _ values: [Value]) throws -> [String] {
        try names(RecordQuery(entity: "account", filter: .condition(field: field, op: op, values: values), sort: [.init("name")]))
    }

    @Test func everyOperatorFilters() throws {
        #expect(try filtered("tier", .eq, ["gold"]) == ["Acme 华为 Trading", "Gamma 上海贸易"])
        #expect(try filtered("tier", .ne, ["gold"]) == ["Beta Logistics", "Delta", "Epsilon"])
        #expect(try filtered("credit", .gt, ["250.5"]) == ["Acme 华为 Trading", "Gamma 上海贸易"])
        #expect(try filtered("credit", .gte, ["250.5"]) == ["Acme 华为 Trading", "Beta Logistics", "Gamma 上海贸易"])
        #expect(try filtered("employees", .lt, [8]) == ["Delta"])
        #expect(try filtered("employees", .lte, [8]) == ["Beta Logistics", "Delta"])
        #expect(try filtered("tier", .in, ["bronze", "silver"]) == ["Beta Logistics", "Delta", "Epsilon"])
        #expect(try filtered("tier", .notIn, ["gold", "silver"]) == ["Delta"])
        #expect(try filtered("name", .contains, ["上海"]) == ["Gamma 上海贸易"])
        #expect(try filtered("notes", .contains, ["100%"]) == ["Delta"])
        #expect(try filtered("notes", .contains, ["_s"]) == ["Delta"])
        #expect(try filtered("name", .startsWith, ["be"]) == ["Beta Logistics"])
        #expect(try filtered("credit", .empty, []) == ["Delta"])
        #expect(try filtered("founded", .notEmpty, []).count == 4)
        #expect(try filtered("founded", .between, ["2005-01-01", "2016-01-01"]) == ["Beta Logistics", "Gamma 上海贸易"])
        #expect(try filtered("tags", .contains, ["red"]) == ["Acme 华为 Trading"])
        #expect(try filtered("tags", .empty, []).count == 3)
        #expect(try filtered("contacted_at", .eq, ["2026-11-22"]) == ["Gamma 上海贸易"], "a bare date means that whole local day")
        #expect(try filtered("contacted_at", .lte, ["2026-11-21"]) == ["Acme 华为 Trading"])
        // A text longer than any stored one finds nothing (SQLite would refuse it as a LIKE pattern).
        let long = Value.text(String(repeating: "a", count: 60_000))
        #expect(try filtered("notes", .contains, [long]) == [] && filtered("name", .startsWith, [long]) == [])
        #expect(try names(RecordQuery(entity: "account", search: String(repeating: "a", count: 60_000))) == [])
    }

    /// Duplicate rules skip texts the save refuses anyway: an over-long one made a LIKE pattern
    /// SQLite refused (a 500), one with a NUL a pattern cut short that matched every record.
    @Test func duplicatesIgnoreTextsNoRecordCanHold() throws {
        let candidates = { (name: String) throws -> Int in
            try self.store.read(as: self.alice) { try $0.likelyDuplicates("account", of: ["name": .text(name)]).count }
        }
        #expect(try candidates("Acme") == 1, "the similar rule works")
        #expect(try candidates(String(repeating: "x", count: 100_000)) == 0)
        #expect(try candidates("\u{0}x") == 0)
    }

    @Test func groupsCombineWithAndOr() throws {
        let filter = RecordFilter.all([
            .any([.condition(field: "tier", op: .eq, values: ["gold"]), .condition(field: "employees", op: .lt, values: [5])]),
            .condition(field: "credit", op: .notEmpty, values: []),
        ])
        #expect(try names(RecordQuery(entity: "account", filter: filter, sort: [.init("name")])) == ["Acme 华为 Trading", "Gamma 上海贸易"])
    }

    @Test func viewFiltersResolveTheirVariables() throws {
        let view = try #require(store.schema.entity("account")?.view("mine_recent"))
        let variables = store.variables(for: alice)
        #expect(variables.today == "2026-11-22")
        #expect(FilterVariables.shift("2026-03-01", days: -1) == "2026-02-28")
        // Offsets in days either way; a `+` sent unencoded in a URL arrives as a space. What is
        // not a variable stays as written, for the field's check to refuse.
        let resolved = ["$today", "$today+10d", "$today-22d", "$today 10d", "$today+10", "$todays", "$today+-1d", "$now-1d"].map {
            variables.resolve($0, op: .eq).first?.description ?? ""
        }
        #expect(resolved.prefix(7) == ["2026-11-22", "2026-12-02", "2026-10-31", "2026-12-02", "$today+10", "$todays", "$today+-1d"])
        #expect(resolved[7].hasPrefix("2026-11-21T"))
        let query = RecordQuery(entity: "account", filter: RecordFilter(view.filter, variables: variables), sort: [.init("name")])
        #expect(try names(query) == ["Acme 华为 Trading", "Beta Logistics", "Gamma 上海贸易"])
        let bob = Actor(userID: 8, departmentID: 3)
        #expect(
            try store.query(
                RecordQuery(entity: "account", filter: RecordFilter(view.filter, variables: store.variables(for: bob))), as: bob,
                access: .unrestricted
            ).records.isEmpty)
    }

    @Test func badFiltersAreRefusedClearly() {
        #expect(throws: KithStore.RecordError.self) { try filtered("nope", .eq, ["x"]) }
        #expect(throws: KithStore.RecordError.self) { try filtered("tier", .eq, ["platinum"]) }
        #expect(throws: KithStore.RecordError.self) { try filtered("credit", .between, ["1"]) }
        let hidden = AccessFilter(hiddenFields: ["credit"])
        #expect(throws: KithStore.RecordError.self) {
            try names(RecordQuery(entity: "account", filter: .condition(field: "credit", op: .gt, values: ["1"])), access: hidden)
        }
        #expect(throws: KithStore.RecordError.self) { try names(RecordQuery(entity: "account", sort: [.init("credit")]), access: hidden) }
    }

    @Test func sortsByAnyFieldAndByReferencedTitles() throws {
        #expect(try names(RecordQuery(entity: "account", sort: [.init("credit", descending: true)])).first == "Gamma 上海贸易")
        #expect(try names(RecordQuery(entity: "account", sort: [.init("credit")])).first == "Delta", "empty values first")
        let zeta = try store.create("account", ["name": "Zeta"], as: alice, access: .unrestricted)
        let aardvark = try store.create("account", ["name": "Aardvark"], as: alice, access: .unrestricted)
        _ = try store.create("person", ["name": "P1", "account": .integer(zeta.id)], as: alice, access: .unrestricted)
        _ = try store.create("person", ["name": "P2", "account": .integer(aardvark.id)], as: alice, access: .unrestricted)
        _ = try store.create("person", ["name": "P3"], as: alice, access: .unrestricted)
        #expect(try names(RecordQuery(entity: "person", sort: [.init("account")])) == ["P3", "P2", "P1"])
    }

    @Test func cursorPagingIsStableUnderInserts() throws {
        var seen: [String] = []
        var page = try store.query(
            RecordQuery(entity: "account", sort: [.init("tier"), .init("name")], limit: 2), as: alice, access: .unrestricted)
        seen += page.records.map { $0["name"].description }
        // New records sorting before and after the cursor do not shift the pages.
        _ = try store.create("account", ["name": "Aaa", "tier": "bronze"], as: alice, access: .unrestricted)
        _ = try store.create("account", ["name": "Zzz", "tier": "silver"], as: alice, access: .unrestricted)
        while let cursor = page.nextCursor {
            page = try store.query(
                RecordQuery(entity: "account", sort: [.init("tier"), .init("name")], limit: 2, after: cursor), as: alice,
                access: .unrestricted)
            seen += page.records.map { $0["name"].description }
        }
        #expect(Set(seen).count == seen.count, "no record twice")
        #expect(seen.prefix(2) == ["Delta", "Acme 华为 Trading"])
        #expect(seen.contains("Zzz") && !seen.contains("Aaa"))
        #expect(throws: KithStore.RecordError.self) {
            try store.query(RecordQuery(entity: "account", after: "garbage"), as: alice, access: .unrestricted)
        }
    }

    /// A page ordered by an indexed field is read in index order, for any reader's scope: no
    /// sort of the rows (or of runs of equal values) before the first row comes back.
    @Test func pagesOrderedByAnIndexedFieldNeedNoSort() throws {
        let own = AccessFilter(read: .init(sql: "r.owner = ?", arguments: [7]))
        for access in [AccessFilter.unrestricted, own] {
            for sort in [RecordQuery.Sort("name"), .init("name", descending: true)] {
                let plan = try store.read(as: alice) { transaction in
                    let select = try transaction.select(RecordQuery(entity: "account", sort: [sort], limit: 50), access: access)
                    return try Row.fetchAll(
                        transaction.db, sql: "EXPLAIN QUERY PLAN " + select.sql, arguments: StatementArguments(select.arguments)
                    )
                    .map { $0["detail"] as String }
                }
                #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(sort.field): \(plan)")
            }
        }
    }

    @Test func countsAreCappedAndSaySo() throws {
        #expect(try store.count("account", as: alice, access: .unrestricted) == RecordCount(value: 5, isCapped: false))
        #expect(try store.count("account", cap: 3, as: alice, access: .unrestricted) == RecordCount(value: 3, isCapped: true))
        let own = AccessFilter(read: .init(sql: "r.owner = ?", arguments: [99]))
        #expect(try store.count("account", as: alice, access: own).value == 0)
    }

    @Test func fullTextSearchFindsWordsInAnyLanguage() throws {
        #expect(try names(RecordQuery(entity: "account", search: "logistics")) == ["Beta Logistics"])
        #expect(try names(RecordQuery(entity: "account", search: "上海贸")) == ["Gamma 上海贸易"])
        #expect(try names(RecordQuery(entity: "account", search: "华为")) == ["Acme 华为 Trading"], "two characters: scanned")
        #expect(try names(RecordQuery(entity: "account", search: "cotton")) == ["Delta"])
        _ = try store.update("account", id: 2, ["name": "Beta Freight"], as: alice, access: .unrestricted)
        #expect(try names(RecordQuery(entity: "account", search: "logistics")).isEmpty, "the index follows updates")
        #expect(try names(RecordQuery(entity: "account", search: "\"quoted\" OR x")).isEmpty, "search text is never FTS syntax")
    }

    /// A rare text is looked up in the full-text index and its few records sorted; a common one,
    /// which the index would list whole before sorting, is matched row by row in the page's
    /// order. Both find the same records in the same order.
    @Test func commonAndRareSearchesFindTheSameWay() throws {
        let common = QueryCompiler.searchLookups + 5
        try store.write(as: alice) { transaction in
            for index in 0..<common { _ = try transaction.createID("account", ["name": .text(String(format: "Widget %05d", index))]) }
        }
        try store.catchUpSearch()  // the index's count decides the way
        func page(_ search: String) throws -> (sql: String, names: [String], total: Int) {
            let query = RecordQuery(entity: "account", search: search, sort: [.init("name", descending: true)], limit: 3)
            return try store.read(as: alice) { transaction in
                (
                    try transaction.select(query, access: .unrestricted).sql,
                    try transaction.query(query).records.map { $0["name"].description },
                    try transaction.count("account", search: search, cap: 100_000).value
                )
            }
        }
        let widely = try page("widget")
        #expect(!widely.sql.contains("MATCH") && widely.sql.contains("LIKE"), "\(widely.sql)")
        #expect(widely.names == (common - 3..<common).reversed().map { String(format: "Widget %05d", $0) } && widely.total == common)
        let rarely = try page("Widget 0000")
        #expect(rarely.sql.contains("MATCH") && rarely.sql.contains("ORDER BY +"), "\(rarely.sql)")
        #expect(rarely.names == ["Widget 00009", "Widget 00008", "Widget 00007"] && rarely.total == 10)

        // A search field's "contains" filter, the same way.
        func filtered(_ text: String) throws -> (sql: String, names: [String]) {
            let query = RecordQuery(
                entity: "account", filter: .condition(field: "name", op: .contains, values: [.text(text)]), sort: [.init("name")], limit: 2)
            return try store.read(as: alice) { transaction in
                (try transaction.select(query, access: .unrestricted).sql, try transaction.query(query).records.map { $0["name"].description })
            }
        }
        let everywhere = try filtered("idget")
        #expect(!everywhere.sql.contains("rowid FROM") && everywhere.names == ["Widget 00000", "Widget 00001"], "\(everywhere)")
        let rare = try filtered("dget 0001")
        #expect(rare.sql.contains("rowid FROM") && rare.names == ["Widget 00010", "Widget 00011"], "\(rare)")
        #expect(try filtered("dget_0001").names.isEmpty, "a wildcard in the text is a plain character")
    }

    @Test func aggregatesGroupByFieldsAndPeriods() throws {
        let byTier = try store.aggregate(
            AggregateQuery(entity: "account", groupField: "tier", aggregate: .sum, field: "credit"), as: alice, access: .unrestricted)
        #expect(byTier.map(\.group) == ["bronze", "gold", "silver"])
        #expect(byTier.map(\.value.description) == ["0.00", "17000.00", "250.50"])
        #expect(byTier.map(\.count) == [1, 2, 2])
        let average = try store.aggregate(
            AggregateQuery(entity: "account", aggregate: .avg, field: "credit"), as: alice, access: .unrestricted)
        #expect(average.first?.value.description == "4312.62", "17250.50 / 4 = 4312.625, rounded half-even; empty values do not count")
        let byYear = try store.aggregate(
            AggregateQuery(
                entity: "account", filter: .condition(field: "founded", op: .notEmpty, values: []), groupField: "founded", bucket: .year),
            as: alice, access: .unrestricted)
        #expect(byYear.map(\.group) == ["2001", "2010", "2015", "2020"])
        let byQuarter = try store.aggregate(
            AggregateQuery(entity: "account", groupField: "founded", bucket: .quarter), as: alice, access: .unrestricted)
        #expect(byQuarter.map(\.group.description).contains("2010-Q3"))
        let maxEmployees = try store.aggregate(
            AggregateQuery(entity: "account", aggregate: .max, field: "employees"), as: alice, access: .unrestricted)
        #expect(maxEmployees.first?.value == 120)
        let none = try store.aggregate(
            AggregateQuery(
                entity: "account", filter: .condition(field: "tier", op: .eq, values: ["gold"]), aggregate: .sum, field: "credit"),
            as: alice, access: AccessFilter(read: .nothing))
        #expect(none.first?.value.description == "0.00", "the sum of no records is 0")
    }

    @Test func aggregatesByReferenceCarryTitles() throws {
        _ = try store.create("person", ["name": "P1", "account": 1], as: alice, access: .unrestricted)
        _ = try store.create("person", ["name": "P2", "account": 1], as: alice, access: .unrestricted)
        let rows = try store.aggregate(AggregateQuery(entity: "person", groupField: "account"), as: alice, access: .unrestricted)
        #expect(rows.first?.label == "Acme 华为 Trading")
        #expect(rows.first?.count == 2)
    }
}

extension RecordQueryTests {
    @Test func pagesCarryTheTitlesOfReferencedRecordsTheReaderMayRead() throws {
        _ = try store.create("person", ["name": "P1", "account": 3], as: alice, access: .unrestricted)
        _ = try store.create("person", ["name": "P2", "account": 1], as: alice, access: .unrestricted)
        var query = RecordQuery(entity: "person")
        #expect(try store.query(query, as: alice, access: .unrestricted).titles.isEmpty, "titles only when asked for")
        query.titles = ["account": .unrestricted]
        #expect(try store.query(query, as: alice, access: .unrestricted).titles["account"] == [3: "Gamma 上海贸易", 1: "Acme 华为 Trading"])
        query.titles = ["account": AccessFilter(read: AccessFilter.Condition(sql: "r.id = ?", arguments: [.integer(3)]))]
        #expect(try store.query(query, as: alice, access: .unrestricted).titles["account"] == [3: "Gamma 上海贸易"])
    }
}

extension RecordQueryTests {
    @Test func searchIndexFollowsWritesWithinOneTransaction() throws {
        try store.write(as: alice) { transaction in
            let created = try transaction.create("account", ["name": "Omega Widgets"])
            _ = try transaction.update("account", id: created.id, ["name": "Omega Gadgets"])
            let doomed = try transaction.create("account", ["name": "Doomed Widgets"])
            try transaction.delete("account", id: doomed.id)
        }
        #expect(try names(RecordQuery(entity: "account", search: "Gadgets")) == ["Omega Gadgets"])
        #expect(try names(RecordQuery(entity: "account", search: "Widgets")).isEmpty)
        #expect(try store.integrityCheck() == "ok")
        // FTS5 compares its index with the content table and fails on any difference.
        try store.checkSearchIndexes()
    }

    /// Updates of stored records reach the index when their transaction commits, from the terms
    /// the index held before it: a record changed twice, changed then deleted, or changed by a
    /// write that fails, and a search inside the transaction already finds the new text.
    @Test func searchIndexFollowsUpdatesOfStoredRecords() async throws {
        let ids = try store.read(as: alice) { transaction in
            try transaction.query(RecordQuery(entity: "account", sort: [.init("name")])).records.map(\.id)
        }  // Acme, Beta, Delta, Epsilon, Gamma
        let found = try store.write(as: alice) { transaction in
            _ = try transaction.update("account", id: ids[0], ["name": "Acme Robotics"])
            _ = try transaction.update("account", id: ids[0], ["name": "Acme Robotics Co", "notes": "cobots"])
            _ = try transaction.update("account", id: ids[1], ["name": "Beta Freight"])
            try transaction.delete("account", id: ids[1])
            _ = try transaction.update("account", id: ids[2], ["tier": "gold"])  // no searched field
            return try transaction.query(RecordQuery(entity: "account", search: "Robotics")).records.map { $0["name"].description }
        }
        #expect(found == ["Acme Robotics Co"], "a search in the transaction sees its own changes")
        // A write of a group commit that fails after changing a record gives its change back.
        _ = try? await store.perform(as: alice) { transaction in
            _ = try transaction.update("account", id: ids[3], ["name": "Epsilon Freight"])
            throw RecordError(.rejected, entity: "account", "refused after its update")
        }
        _ = try await store.perform(as: alice) { try $0.update("account", id: ids[4], ["notes": "silk and cotton"]) }
        #expect(try names(RecordQuery(entity: "account", search: "Robotics")) == ["Acme Robotics Co"])
        #expect(try names(RecordQuery(entity: "account", search: "Trading")).isEmpty, "Acme's old name is out")
        #expect(try names(RecordQuery(entity: "account", search: "Freight")).isEmpty)
        #expect(try names(RecordQuery(entity: "account", search: "Epsilon")) == ["Epsilon"])
        #expect(try names(RecordQuery(entity: "account", search: "cotton")).sorted() == ["Delta", "Gamma 上海贸易"])
        try store.checkSearchIndexes()
    }

    @Test func duplicateRulesFindLikelyDuplicates() throws {
        func found(_ entity: String, _ values: [String: Value], excluding: Int64? = nil) throws -> [[String]] {
            try store.read(as: alice) { try $0.likelyDuplicates(entity, of: values, excluding: excluding) }.map(\.fields)
        }
        func names(_ values: [String: Value]) throws -> [String] {
            try store.read(as: alice) { transaction in
                try transaction.likelyDuplicates("account", of: values).map {
                    try transaction.get("account", id: $0.id, access: .unrestricted)?["name"].description ?? ""
                }
            }
        }
        // similar: case, spaces and punctuation ignored, and one name inside the other.
        #expect(try names(["name": "beta-logistics"]) == ["Beta Logistics"])
        #expect(try names(["name": "Gamma 上海"]) == ["Gamma 上海贸易"])
        #expect(try names(["name": "Acme 华为 Trading Co., Ltd."]) == ["Acme 华为 Trading"])
        #expect(try names(["name": "Zeta"]).isEmpty)
        #expect(try names(["name": "%"]).isEmpty)  // LIKE's wildcards are plain characters
        // Phones compare by digits whatever the punctuation; a record is not its own duplicate.
        let phoned = try store.create("account", ["name": "Omega", "phone": "+86 21-6123 4567"], as: alice, access: .unrestricted)
        #expect(try found("account", ["name": "Other", "phone": "8621 61234567"]) == [["phone"]])
        #expect(try found("account", ["name": "Omega", "phone": "862161234567"]) == [["name", "phone"]])
        #expect(try found("account", ["name": "Omega", "phone": "862161234567"], excluding: phoned.id).isEmpty)
        // Two fields: both must match; a rule whose fields are not all given does not apply.
        let beta = try store.query(RecordQuery(entity: "account", search: "Beta"), as: alice, access: .unrestricted).records[0].id
        _ = try store.create("person", ["name": "Li Lei", "account": .integer(beta)], as: alice, access: .unrestricted)
        #expect(try found("person", ["name": "Li Lei", "account": .integer(beta)]) == [["name", "account"]])
        #expect(try found("person", ["name": "Li Lei", "account": .integer(beta + 1)]).isEmpty)
        #expect(try found("person", ["name": "Li Lei"]).isEmpty)
    }

    /// A new record's duplicate check seeks an index per rule (phones by their digits, exact
    /// texts and references as stored) instead of reading the whole table; only `similar` scans.
    @Test func duplicateChecksSeekTheirRulesIndexes() throws {
        let plans = try store.read(as: alice) { transaction in
            let lookups =
                try transaction.duplicateLookups("account", of: ["name": "Omega", "phone": "+86 21-6123 4567"])
                + transaction.duplicateLookups("person", of: ["name": "Li Lei", "account": 1])
            return try lookups.map { lookup in
                let rows = try Row.fetchAll(
                    transaction.db, sql: "EXPLAIN QUERY PLAN " + lookup.sql, arguments: StatementArguments(lookup.arguments))
                return (lookup.rule.fields, rows.map { $0["detail"] as String }.joined(separator: "; "))
            }
        }
        #expect(plans.map(\.0) == [["name"], ["phone"], ["name", "account"]])
        #expect(plans[0].1.contains("SCAN"), "a similar name is matched by containment: \(plans[0].1)")
        #expect(plans[1].1.contains("USING INDEX dx_account__phone"), "\(plans[1].1)")
        #expect(plans[2].1.contains("USING INDEX dx_person__name__account"), "\(plans[2].1)")
    }

    /// A typed text is compared as the rule's index expression sees a stored one: the same
    /// punctuation removed, only ASCII letters in lower case (as SQLite's `lower`).
    @Test func normalizedTextsAreTheIndexExpressions() throws {
        let expression = "lower(" + StorageLayout.stripped("?", StorageLayout.punctuation) + ")"
        for text in ["ACME Co., Ltd.", "  Ça-va (Ünïcode) ", "北京·科技（集团）　有限公司", "O'Brien & Sons / \"Q\"", "e\u{301}.É_Z", ""] {
            let stored = try store.read(as: alice) { try String.fetchOne($0.db, sql: "SELECT " + expression, arguments: [text]) }
            #expect(RecordTransaction.normalized(text) == stored, "\(text)")
        }
    }

    /// Counts made on an unchanged database are reused; any commit, from this store or another
    /// connection to the file (as another process would), is seen by the next count.
    @Test func countsFollowEveryCommit() throws {
        func count(_ access: AccessFilter = .unrestricted, cap: Int = 10_000) throws -> RecordCount {
            try store.read(as: alice) {
                try $0.count("account", filter: .condition(field: "tier", op: .eq, values: ["gold"]), cap: cap, access: access)
            }
        }
        #expect(try count().value == 2)
        #expect(try count().value == 2)
        let own = AccessFilter(read: .init(sql: "r.owner = ?", arguments: [99]))
        #expect(try count(own).value == 0, "another user's filter is another count")
        _ = try store.create("account", ["name": "Zeta", "tier": "gold"], as: alice, access: .unrestricted)
        #expect(try count().value == 3)
        let other = try RecordStore.open(at: test.path, schema: store.schema, timeZone: TestStore.zone)
        _ = try other.create("account", ["name": "Eta", "tier": "gold"], as: alice, access: .unrestricted)
        #expect(try count().value == 4)
        #expect(try count(cap: 3) == RecordCount(value: 3, isCapped: true))
        try store.write(as: alice) { transaction in
            _ = try transaction.create("account", ["name": "Theta", "tier": "gold"], access: .unrestricted)
            #expect(try transaction.count("account", filter: .condition(field: "tier", op: .eq, values: ["gold"])).value == 5)
        }
        #expect(try count().value == 5)
    }

    @Test func pageCursorsCarryAnyKeyValue() {
        let values: [DatabaseValue] = [
            .null, 42.databaseValue, Int64.min.databaseValue, 2.5.databaseValue, "plain".databaseValue,
            "quote \" backslash \\ newline \n tab \t 上海 🚚 \u{1}".databaseValue,
        ]
        let cursor = RecordTransaction.encodeCursor(values)
        #expect(!cursor.contains("+") && !cursor.contains("/") && !cursor.contains("="))
        #expect(RecordTransaction.decodeCursor(cursor) == values)
        #expect(RecordTransaction.decodeCursor("not a cursor") == nil)
        for length in 0...11 {  // every padding case, against Foundation's encoder
            let bytes = Array(Array("Kith 上海 ~?>".utf8).prefix(length))
            let expected = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(RecordTransaction.base64URL(bytes) == expected)
        }
    }
}
