import Foundation
import KithSchema
import Testing

@testable import KithStore

@Suite struct RecordTransferTests {
    let test: TestStore
    init() throws { test = try TestStore() }

    func csv(_ text: String) throws -> URL {
        let file = test.folder.appendingPathComponent("\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: file)
        return file
    }

    func importing(_ text: String, dryRun: Bool = false, skipInvalid: Bool = false) throws -> ImportReport {
        try RecordTransfer.importCSV(
            "account", from: try csv(text), into: test.store, dryRun: dryRun, skipInvalid: skipInvalid, as: TestStore.alice,
            access: .unrestricted)
    }

    var count: Int { (try? test.store.count("account", as: TestStore.alice, access: .unrestricted).value) ?? -1 }

    @Test func importsValidRowsThroughTheSameValidation() throws {
        let report = try importing("name,credit,tier,tags\nACME,\"1,200.50\",gold,\"red,blue\"\n北京科技,0,silver,\n")
        #expect(report.applied && report.imported == 2)
        let first = try #require(try test.store.get("account", id: 1, as: TestStore.alice, access: .unrestricted))
        #expect(first["credit"].description == "1200.50")
        #expect(first["tags"] == .list(["red", "blue"]))
        #expect(first["code"] == "A2026-001")
    }

    @Test func aBadRowRefusesTheWholeImport() throws {
        let report = try importing("name,employees\nGood,1\nBad,-4\n,3\nAlso good,2\n")
        #expect(!report.applied)
        #expect(report.problems.map(\.line) == [3, 4])
        #expect(report.problems[0].message.contains("employees: must be at least 0"))
        #expect(count == 0)
        #expect(
            try test.store.read(as: .system) { try Int.fetchOne($0.db, sql: "SELECT count(*) FROM kith_sequence") } == 0, "codes given back"
        )
    }

    @Test func skippingInvalidRowsStoresTheGoodOnes() throws {
        let report = try importing("name,employees\nGood,1\nBad,-4\nAlso good,2\n", skipInvalid: true)
        #expect(report.applied && report.imported == 2 && report.problems.count == 1)
        #expect(count == 2)
    }

    /// The phone rule (exact) is checked against stored records and earlier rows; the name rule
    /// (similar, a read of the whole table per row) is not.
    @Test func likelyDuplicatesAreBadRowsUnlessAllowed() throws {
        _ = try test.store.create("account", ["name": "Stored", "phone": "021-5555 0001"], as: TestStore.alice, access: .unrestricted)
        let rows = "name,phone\nNew one,02155550001\nOther,13800000001\nThird,138 0000 0001\nStored Co,\n"
        let report = try importing(rows, skipInvalid: true)
        #expect(report.problems.map(\.line) == [2, 4])
        #expect(report.problems[0].fields.map(\.field) == ["phone"])
        #expect(report.problems[0].fields.first?.reason == .likelyDuplicate(title: "Stored", id: 1, owner: nil))
        #expect(report.problems[1].fields.first?.reason == .likeEarlierLine(3))
        #expect(report.imported == 2 && count == 3)
        let allowed = try RecordTransfer.importCSV(
            "account", from: try csv(rows), into: test.store, dryRun: false, skipInvalid: false, allowDuplicates: true, as: TestStore.alice,
            access: .unrestricted)
        #expect(allowed.applied && allowed.imported == 4)
    }

    /// References are given as ids or titles (a set comma-separated), looked up among the
    /// records the importing user may read.
    @Test func referencesAreGivenByTitle() throws {
        let acme = try test.store.create("account", ["name": "Acme"], as: TestStore.alice, access: .unrestricted).id
        _ = try test.store.create("account", ["name": "Twin"], as: TestStore.alice, access: .unrestricted)
        _ = try test.store.create("account", ["name": "Twin"], as: TestStore.alice, access: .unrestricted)
        let rows = "name,account,friends\nAnn,Acme,\nBob,Acme Ltd #\(acme),\n,Nobody,\nDee,Twin,\nEve,\(acme),\"Ann, Bob\"\n"
        func run(_ readable: @escaping ReferenceTitles.ReadableRecords) throws -> ImportReport {
            try RecordTransfer.importCSV(
                "person", from: try csv(rows), into: test.store, dryRun: false, skipInvalid: true,
                as: TestStore.alice, access: .unrestricted, readable: readable)
        }
        let report = try run { _, _ in .unrestricted }
        #expect(report.problems.map(\.line) == [4, 5])
        // A line says every mistake, not only the reference not found: the missing name too.
        let reasons = report.problems.map { $0.fields.map(\.reason) }
        #expect(reasons == [[.noRecordTitled("Nobody"), .required], [.severalRecordsTitled("Twin")]])
        let people = try test.store.read(as: .system) { transaction in
            try transaction.query(RecordQuery(entity: "person", sort: [.init("id")], limit: 10), access: .unrestricted).records
        }
        #expect(people.map { $0["account"] } == [.integer(acme), .integer(acme), .integer(acme)])
        #expect(people.last?["friends"] == .list([.integer(people[0].id), .integer(people[1].id)]), "rows imported earlier are found")
        // Records the user may not read are not found by their titles.
        let hidden = try run { _, _ in AccessFilter(read: .init(sql: "0")) }
        #expect(hidden.problems.first?.fields.first?.reason == .noRecordTitled("Acme"))
    }

    @Test func dryRunsStoreNothing() throws {
        let report = try importing("name\nA\nB\n", dryRun: true)
        #expect(!report.applied && report.imported == 2)
        #expect(count == 0)
        // A row repeating an earlier row's unique value names that row, not an id nobody keeps.
        let twice = try importing("name,email\nC,c@example.com\nD,c@example.com\n", dryRun: true)
        #expect(twice.problems.map(\.line) == [3])
        let message = twice.problems.first?.message ?? ""
        #expect(message.contains("'c@example.com' is already used by line 2 of this file"), "\(twice.problems)")
        #expect(twice.problems.first?.fields.first?.code == "already_used")
    }

    @Test func headersMayBeLabelsAndUnknownOnesAreRefused() throws {
        #expect(try importing("Name,Credit\nX,5\n").applied)
        let report = try importing("name,colour\nX,red\n")
        #expect(report.problems.first?.description == "line 1: column 'colour' is not a field of account")
    }

    @Test func exportWritesEveryPageAsCSV() throws {
        for index in 0..<1500 {
            _ = try test.store.create("account", ["name": .text("A,\(index)")], as: TestStore.alice, access: .unrestricted)
        }
        let file = test.folder.appendingPathComponent("out.csv")
        let stream = try #require(OutputStream(toFileAtPath: file.path, append: false))
        stream.open()
        let written = try RecordTransfer.exportCSV(
            RecordQuery(entity: "account", sort: [.init("id")]), columns: ["id", "name", "tier"], from: test.store, to: stream,
            as: TestStore.alice,
            access: .unrestricted)
        stream.close()
        #expect(written == 1500)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1501)
        #expect(lines[0] == "id,name,tier")
        #expect(lines[1] == "1,\"A,0\",bronze")
        // What was exported imports again.
        let copy = try TestStore()
        let report = try RecordTransfer.importCSV(
            "account", from: file, into: copy.store, dryRun: true, skipInvalid: false, as: TestStore.engine, access: .unrestricted)
        #expect(report.problems.first?.description.contains("id") == true, "ids are assigned, not imported")
    }
}
