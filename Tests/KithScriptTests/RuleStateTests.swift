import Foundation
import KithSchema
import Testing

@testable import KithScript

/// A host that records calls and answers a few of them, for the runtime's own tests.
final class RecordingHost: RuleHost {
    var calls: [(HostOperation, [ScriptValue])] = []

    func perform(_ operation: HostOperation, _ arguments: [ScriptValue], _ call: RuleCall) throws(HostError) -> [ScriptValue] {
        calls.append((operation, arguments))
        switch operation {
        case .get: return [.table(["id": arguments.count > 1 ? arguments[1] : .null, "name": .text("ACME"), "limit": .decimal(units: 100000, scale: 2)])]
        case .reject:
            if arguments.count >= 2 { throw .rejection(field: arguments[0].text, message: arguments[1].text ?? "") }
            throw .rejection(field: nil, message: arguments.first?.text ?? "")
        case .log: return []
        case .testCase:
            guard case .function(let function) = arguments.last ?? .null else { throw .message("t.case needs a function") }
            do {
                _ = try call.invoke(function)
            } catch {
                throw .failure(error)
            }
            return []
        default: throw .message("\(operation.rawValue) is not available in this test")
        }
    }
}

@Suite struct RuleStateTests {
    static let limits = Workspace.Limits(luaInstructions: 200_000, luaMemoryMB: 16, hookDepth: 4)

    func state(_ sources: [String: String], testing: Bool = false) throws -> RuleState {
        try RuleState(library: ScriptLibrary(sources: sources), limits: Self.limits, testing: testing)
    }

    func call(_ state: RuleState, _ name: String, _ context: ScriptValue = .table([:]), host: RecordingHost = RecordingHost()) throws(RuleFailure)
        -> RuleState.Outcome
    {
        try state.invoke(FunctionReference(name)!, context: context, host: host, readsBack: true)
    }

    @Test func beforeSaveAssignmentsComeBack() throws {
        let rules = try state([
            "totals": """
            local M = {}
            function M.order(ctx)
              local r = ctx.record
              r.amount = r.price * r.quantity
              r.note = "was " .. tostring(ctx.old and ctx.old.amount) .. ", changed " .. tostring(ctx.changed("price"))
            end
            return M
            """
        ])
        let outcome = try call(
            rules, "totals.order",
            .table([
                "record": .table(["price": .decimal(units: 1250, scale: 2), "quantity": .integer(3)]),
                "old": .table(["amount": .decimal(units: 100, scale: 2)]), "changed": .list([.text("price")]),
            ]))
        #expect(outcome.changes["amount"] == .decimal(units: 3750, scale: 2))
        #expect(outcome.changes["note"] == .text("was 1.00, changed true"))
        #expect(outcome.changes["price"] == nil, "untouched fields are not reported")
    }

    @Test func decimalsAreExact() throws {
        let rules = try state([
            "d": """
            local M = {}
            function M.f()
              local a = kith.decimal("0.10") + kith.decimal("0.20")
              assert(a == kith.decimal("0.3"), "0.1 + 0.2 is 0.3")
              assert(a < 1 and a >= 0, "compares with integers")
              assert(tostring(kith.decimal("10") / 3) == "3.333333")
              assert(tostring(kith.decimal("2.5"):round(0)) == "2" and tostring(kith.decimal("3.5"):round(0)) == "4", "half even")
              assert(not pcall(function() return a + 0.5 end), "floats refused")
              return tostring(a * 2) .. "|" .. tostring(-a) .. "|" .. ("x" .. a)
            end
            return M
            """
        ])
        #expect(try call(rules, "d.f").result == .text("0.60|-0.30|x0.30"))
    }

    @Test func rejectionCarriesFieldMessageAndPlace() throws {
        let rules = try state(["r": "local M = {}\nfunction M.f()\n  kith.reject(\"amount\", \"too much\")\nend\nreturn M\n"])
        do {
            _ = try call(rules, "r.f")
            Issue.record("no rejection")
        } catch {
            #expect(error.kind == .rejected)
            #expect(error.field == "amount")
            #expect(error.message == "too much")
            #expect(error.location == "scripts/r.lua:3")
        }
    }

    @Test func runtimeErrorsNameFileLineAndTraceback() throws {
        let rules = try state(["e": "local M = {}\nfunction M.f()\n  local x = nil\n  return x.y\nend\nreturn M\n"])
        do {
            _ = try call(rules, "e.f")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .runtime)
            #expect(error.location == "scripts/e.lua:4")
            #expect(error.traceback?.contains("stack traceback") == true)
        }
    }

    @Test func budgetStopsLoopsEvenInsidePcall() throws {
        let rules = try state([
            "l": """
            local M = {}
            function M.f() while true do pcall(function() while true do end end) end end
            function M.g() return 1 end
            return M
            """
        ])
        #expect(throws: RuleFailure.self) { try call(rules, "l.f") }
        do { _ = try call(rules, "l.f") } catch { #expect(error.kind == .budget) }
        #expect(rules.isSpent)
    }

    @Test func missingFunctionIsReported() throws {
        let rules = try state(["m": "return {}"])
        do {
            _ = try call(rules, "m.nothing")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .missing)
        }
        #expect(!rules.defines(FunctionReference("m.nothing")!))
    }

    @Test func hostCallsReceiveArgumentsAndReturnTables() throws {
        let rules = try state(["h": "return { f = function() local c = kith.get('customer', 7) return c.name .. ' ' .. tostring(c.limit) end }"])
        let host = RecordingHost()
        #expect(try call(rules, "h.f", host: host).result == .text("ACME 1000.00"))
        #expect(host.calls.first?.0 == .get)
        #expect(host.calls.first?.1 == [.text("customer"), .integer(7)])
    }
}

@Suite struct RuleValueTests {
    @Test func nestedListsOfTablesRoundTrip() throws {
        let rules = try RuleState(
            library: ScriptLibrary(sources: ["n": "return { f = function(ctx) local s = '' for _, l in ipairs(ctx.lines.order_line) do s = s .. type(l) .. tostring(l.quantity) end return s end }"]),
            limits: RuleStateTests.limits)
        let outcome = try rules.invoke(
            FunctionReference("n.f")!,
            context: .table(["lines": .table(["order_line": .list([.table(["quantity": .integer(2)]), .table(["quantity": .integer(3)])])])]),
            host: RecordingHost())
        #expect(outcome.result == .text("table2table3"))
    }
}

/// The record, old values, lines and user reach Lua only when a rule reads them.
@Suite struct LazyContextTests {
    static let script = """
        local M = {}
        function M.ignore(ctx) return ctx.event end
        function M.replace(ctx) ctx.record = { name = "new", price = ctx.old.price } end
        function M.user(ctx) return ctx.user.name .. ":" .. tostring(rawget(ctx, "record")) end
        function M.locked(ctx) return getmetatable(ctx) end
        function M.iterate(ctx) local n = 0 for _ in pairs(ctx.record) do n = n + 1 end return n end
        return M
        """

    func call(_ name: String) throws -> RuleState.Outcome {
        let rules = try RuleState(library: ScriptLibrary(sources: ["lazy": Self.script]), limits: RuleStateTests.limits)
        let context = ScriptValue.table([
            "event": .text("before-save"), "record": .table(["name": .text("old"), "price": .integer(3)]),
            "old": .table(["name": .text("old"), "price": .integer(3)]), "user": .table(["name": .text("li")]),
        ])
        return try rules.invoke(FunctionReference("lazy.\(name)")!, context: context, host: RecordingHost(), readsBack: true)
    }

    @Test func untouchedRecordMeansNoChanges() throws {
        let outcome = try call("ignore")
        #expect(outcome.result == .text("before-save"))
        #expect(outcome.changes.isEmpty && outcome.removed.isEmpty && outcome.lines == .null)
    }

    @Test func aReplacedRecordIsComparedWithTheOriginal() throws {
        let outcome = try call("replace")
        #expect(outcome.changes == ["name": .text("new")])
        #expect(outcome.removed.isEmpty)
    }

    @Test func otherPartsLoadOnReadOnly() throws {
        #expect(try call("user").result == .text("li:nil"))
        #expect(try call("iterate").result == .integer(2))
        #expect(try call("locked").result == .text("context"))
    }
}
