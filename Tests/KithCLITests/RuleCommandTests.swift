import Foundation
import Testing

/// `kith check` on rules and `kith test`, as a user runs them.
@Suite struct RuleCommandTests {
    static func workspace() throws -> URL {
        let folder = try CheckCommandTests.temporaryFolder()
        let run = try CheckCommandTests.kith(["check"], in: folder)
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        return folder
    }

    @Test func checkReportsAMissingFunctionWhereTheSchemaNamesIt() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let module = """
            <module xmlns="urn:kith:1" name="extra" version="1">
              <entity name="visit" label="Visit">
                <field name="subject" type="text" max="100"/>
                <field name="customer" type="ref" entity="custmer"/>
                <hook event="before-save" function="visits.stamp"/>
                <hook event="after-save" function="visit.log"/>
              </entity>
            </module>
            """
        try Data(module.utf8).write(to: folder.appendingPathComponent("workspace/modules/extra.xml"))
        try Data("local M = {}\nfunction M.other() end\nreturn M\n".utf8).write(to: folder.appendingPathComponent("workspace/scripts/visits.lua"))
        // Another script that does not compile hides neither.
        try Data("local M = {\nreturn M\n".utf8).write(to: folder.appendingPathComponent("workspace/scripts/broken.lua"))
        let run = try CheckCommandTests.kith(["check"], in: folder)
        #expect(run.status == 1)
        // One pass: the schema's problems, the script's syntax and the missing function together.
        #expect(run.output.contains("workspace/scripts/broken.lua:2:1: Lua syntax error"), "\(run.output)")
        #expect(run.output.contains("extra.xml:4:5: field 'customer' refers to unknown entity 'custmer'"), "\(run.output)")
        #expect(run.output.contains("workspace/modules/extra.xml:5:5: "), "\(run.output)")
        #expect(run.output.contains("defines no function 'stamp'"), "\(run.output)")
        #expect(run.output.contains("no script 'visit.lua' exists") && !run.output.contains("defines no function 'log'"), "\(run.output)")
        #expect(run.output.hasSuffix("4 problems found\n"), "\(run.output)")
    }

    @Test func checkReportsAScriptThatFailsToLoad() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("local M = {}\nlocal x = nil .. 'a'\nreturn M\n".utf8).write(to: folder.appendingPathComponent("workspace/scripts/broken.lua"))
        let run = try CheckCommandTests.kith(["check"], in: folder)
        #expect(run.status == 1)
        #expect(run.output.contains("workspace/scripts/broken.lua:2:1: the script fails to load"), "\(run.output)")
    }

    @Test func testRunsTheCoreRuleTestsAndSummarizes() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CheckCommandTests.kith(["test"], in: folder)
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(run.output.contains("ok   scripts/tests/credit_test.lua: an order over the credit limit is refused with the numbers"))
        let summary = run.output.split(separator: "\n").last ?? ""
        #expect(summary.hasSuffix(" passed, 0 failed"), "\(summary)")
        // The tests run on a copy of the workspace's data: with the demo's records there, they still pass.
        let demo = try CheckCommandTests.kith(["demo"], in: folder)
        #expect(demo.status == 0, "\(demo.output)\(demo.errors)")
        let again = try CheckCommandTests.kith(["test"], in: folder)
        #expect(again.status == 0 && again.output.hasSuffix(String(summary) + "\n"), "\(again.output)")
        // A field removed from the schema but still in the database: the copy drops it, the real one keeps it.
        let local = folder.appendingPathComponent("workspace/modules/local.xml")
        let vat = #"<module xmlns="urn:kith:1" name="w.local" version="1"><extend entity="customer"><field name="vat" type="text"/>"#
            + "</extend></module>"
        try Data(vat.utf8).write(to: local)
        #expect(try CheckCommandTests.kith(["migrate"], in: folder).status == 0)
        try FileManager.default.removeItem(at: local)
        let changed = try CheckCommandTests.kith(["test"], in: folder)
        #expect(changed.status == 0 && changed.output.hasSuffix(String(summary) + "\n"), "\(changed.output)\(changed.errors)")
        #expect(try CheckCommandTests.kith(["migrate", "--dry-run"], in: folder).output.contains("drop field 'customer.vat'"))
    }

    @Test func failingCasesNameTheFileAndLineAndExitOne() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let test = """
            local t = require("kith.test")
            t.case("sums", function() t.eq(1 + 1, 2) end)
            t.case("wrong", function()
              local c = kith.create("customer", { name = "X" })
              t.eq(c.level, "vip")
            end)
            t.case("loops", function() while true do end end)
            t.case("rolled back", function() t.eq(kith.count("customer", {}), 0) end)
            """
        try Data(test.utf8).write(to: folder.appendingPathComponent("workspace/scripts/tests/mine_test.lua"))
        let run = try CheckCommandTests.kith(["test", "mine"], in: folder)
        #expect(run.status == 1)
        #expect(run.output.contains("ok   workspace/scripts/tests/mine_test.lua: sums"), "\(run.output)")
        #expect(run.output.contains("FAIL workspace/scripts/tests/mine_test.lua: wrong"), "\(run.output)")
        #expect(run.output.contains("workspace/scripts/tests/mine_test.lua:5: expected \"vip\", got \"normal\""), "\(run.output)")
        // A runaway loop stops its case (it hung the run), and the cases after it run.
        #expect(run.output.contains("FAIL workspace/scripts/tests/mine_test.lua: loops\n"), "\(run.output)")
        #expect(run.output.contains("the rule was stopped after 200000000 instructions (its instruction budget)"), "\(run.output)")
        #expect(run.output.contains("ok   workspace/scripts/tests/mine_test.lua: rolled back"), "\(run.output)")
        #expect(run.output.hasSuffix("2 passed, 2 failed\n"), "\(run.output)")

        // A file that defines no cases (a table of functions, as other test tools want) fails
        // instead of passing without a word; a filter that leaves the file out leaves it alone.
        try Data("return { test_sums = function() assert(1 + 1 == 2) end }".utf8)
            .write(to: folder.appendingPathComponent("workspace/scripts/tests/table_test.lua"))
        let table = try CheckCommandTests.kith(["test", "table"], in: folder)
        #expect(table.status == 1)
        #expect(table.output.contains("FAIL workspace/scripts/tests/table_test.lua: defines cases\n     the file defines no test cases"), "\(table.output)")
        #expect(try CheckCommandTests.kith(["test", "mine"], in: folder).output.hasSuffix("2 passed, 2 failed\n"))
    }
}

extension RuleCommandTests {
    @Test(arguments: ["examples/membership", "examples/distribution"])
    func packWorkspacesPassTheirRuleTests(_ workspace: String) throws {
        let run = try CheckCommandTests.kith(["test", "--workspace", workspace])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(run.output.contains("ok   \(workspace)/scripts/tests/"), "\(run.output)")
        #expect(run.output.hasSuffix(" passed, 0 failed\n"), "\(run.output)")
    }
}

/// `kith user add` and `kith department add`, and the first admin.
@Suite struct DirectoryCommandTests {
    @Test func usersAndDepartmentsFromTheCommandLineReachRuleTests() throws {
        let folder = try CheckCommandTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try CheckCommandTests.kith(["department", "add", "East China"], in: folder)
        #expect(first.status == 0, "\(first.output)\(first.errors)")
        #expect(first.errors.contains("created the first admin user 'admin'; initial password: "))
        let second = try CheckCommandTests.kith(["user", "add", "wang.fang", "--role", "sales_manager", "--department", "East China"], in: folder)
        #expect(second.status == 0, "\(second.output)\(second.errors)")
        #expect(!second.errors.contains("initial password"), "shown once")
        let third = try CheckCommandTests.kith(
            ["user", "add", "zhao.lei", "--role", "sales_rep", "--department", "East China", "--manager", "wang.fang"], in: folder)
        #expect(third.output.contains("created user zhao.lei"), "\(third.output)\(third.errors)")
        #expect(try CheckCommandTests.kith(["user", "add", "x", "--role", "nope"], in: folder).status == 1)
        #expect(try CheckCommandTests.kith(["user", "add", "y"], in: folder).status == 2)
        let test = """
            local t = require("kith.test")
            t.case("the team", function()
              t.eq(kith.manager_of(kith.users("sales_rep")[1].id), kith.users("sales_manager")[1].id)
              t.as("zhao.lei", function() t.eq(kith.create("customer", { name = "Team Co" }).owner, kith.users("sales_rep")[1].id) end)
            end)
            """
        try Data(test.utf8).write(to: folder.appendingPathComponent("workspace/scripts/tests/team_test.lua"))
        let run = try CheckCommandTests.kith(["test", "team"], in: folder)
        #expect(run.status == 0, "\(run.output)\(run.errors)")

        #expect(run.output.hasSuffix("1 passed, 0 failed\n"), "\(run.output)")
        let token = try CheckCommandTests.kith(["token", "create", "zhao.lei"], in: folder)
        #expect(token.status == 0 && token.output.hasPrefix("kith_"), "\(token.output)\(token.errors)")
        #expect(try CheckCommandTests.kith(["token", "create", "ghost"], in: folder).status == 1)

        // The life of an account: roles changed, records handed over, disabled.
        let roles = try CheckCommandTests.kith(["user", "roles", "zhao.lei", "--role", "sales_rep", "--role", "marketing"], in: folder)
        #expect(roles.output.contains("zhao.lei: roles sales_rep, marketing"), "\(roles.output)\(roles.errors)")
        let csv = folder.appendingPathComponent("customers.csv")
        try Data("name,owner\nHanded Over Co,3\n".utf8).write(to: csv)  // zhao.lei is user #3
        #expect(try CheckCommandTests.kith(["import", "customer", csv.path], in: folder).status == 0)
        let moved = try CheckCommandTests.kith(["user", "transfer", "zhao.lei", "--to", "wang.fang"], in: folder)
        #expect(moved.output.contains("1 records moved from zhao.lei to wang.fang"), "\(moved.output)\(moved.errors)")
        #expect(try CheckCommandTests.kith(["user", "transfer", "nobody", "--to", "wang.fang"], in: folder).status == 1)
        #expect(try CheckCommandTests.kith(["user", "disable", "zhao.lei"], in: folder).output.contains("zhao.lei: disabled"))

        // Departments renamed and moved: what is not given stays.
        #expect(try CheckCommandTests.kith(["department", "add", "Shanghai", "--head", "wang.fang"], in: folder).status == 0)
        let renamed = try CheckCommandTests.kith(["department", "edit", "Shanghai", "--name", "Shanghai Branch", "--parent", "East China"], in: folder)
        #expect(renamed.status == 0 && renamed.output.contains("department Shanghai Branch"), "\(renamed.output)\(renamed.errors)")
        let looped = try CheckCommandTests.kith(["department", "edit", "East China", "--parent", "Shanghai Branch"], in: folder)
        #expect(looped.status == 1 && looped.errors.contains("under itself"), "\(looped.errors)")
        #expect(try CheckCommandTests.kith(["department", "edit", "Shanghai Branch", "--top", "--parent", "East China"], in: folder).status == 2)
        #expect(try CheckCommandTests.kith(["department", "edit", "Nowhere", "--name", "X"], in: folder).status == 1)
        let check = """
            local t = require("kith.test")
            t.case("the tree", function()
              t.eq(#kith.users("Shanghai Branch"), 0)
              t.eq(kith.users("East China")[1].name, "wang.fang")
            end)
            """
        try Data(check.utf8).write(to: folder.appendingPathComponent("workspace/scripts/tests/tree_test.lua"))
        let tree = try CheckCommandTests.kith(["test", "tree"], in: folder)
        #expect(tree.status == 0, "\(tree.output)\(tree.errors)")
    }
}
