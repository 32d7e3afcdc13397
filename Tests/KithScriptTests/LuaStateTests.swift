import Foundation
import KithSchema
import Testing

@testable import KithScript

@Suite struct LuaStateTests {
    @Test func runsTextChunksAndReturnsStrings() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        #expect(try state.run("return string.format('%d-%s', 6 * 7, 'ok')", chunkName: "t") == "42-ok")
    }

    @Test func sandboxHasNoFilesProcessesOrDebug() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        let absent = try state.run(
            "return tostring(io) .. tostring(debug) .. tostring(dofile) .. tostring(loadfile) .. tostring(os.execute) .. tostring(os.getenv) .. tostring(package)",
            chunkName: "t")
        #expect(absent == "nilnilnilnilnilnilnil")
        #expect(try state.run("return type(os.time()) .. type(os.date) .. type(os.clock)", chunkName: "t") == "numberfunctionfunction")
    }

    @Test func binaryChunksAreRefused() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        #expect(throws: LuaState.Failure.self) {
            try state.run("local f = assert(load(string.dump(function() return 1 end))) return f()", chunkName: "t")
        }
    }

    @Test func collectGarbageOnlyCounts() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        #expect(try state.run("return type(collectgarbage('count'))", chunkName: "t") == "number")
        #expect(throws: LuaState.Failure.self) { try state.run("collectgarbage('stop')", chunkName: "t") }
        #expect(throws: LuaState.Failure.self) { try state.run("collectgarbage()", chunkName: "t") }
    }

    @Test func textLoadStillWorks() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        #expect(try state.run("return tostring(load('return 40 + 2')())", chunkName: "t") == "42")
        #expect(try state.run("return load('return x', 'c', 't', { x = 'env' })()", chunkName: "t") == "env")
    }

    @Test func syntaxErrorsNameTheChunkAndLine() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        do {
            try state.compile("local x = 1\nlocal y = = 2\n", chunkName: "scripts/bad.lua")
            Issue.record("compiled")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.message.hasPrefix("scripts/bad.lua:2:"))
        }
    }

    @Test func instructionBudgetStopsEndlessLoops() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        do {
            try state.run("while true do end", chunkName: "loop", instructionBudget: 100_000)
            Issue.record("the loop finished")
        } catch {
            #expect(error.kind == .budget)
        }
        #expect(try state.run("return 'still usable'", chunkName: "t") == "still usable")
    }

    /// Everyday patterns run on texts of any length: the guard against runaway backtracking
    /// refuses only repetitions that can match the same characters.
    @Test func ordinaryPatternsAreNotRefused() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        let date = try state.run(
            "local y, m, d, h = ('2026-12-07T09:00:00+08:00'):match('^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)') return y .. m .. d .. h",
            chunkName: "t", instructionBudget: 1_000_000)
        #expect(date == "20261207" + "09")
        let words = try state.run(
            "local n = 0 for w in string.rep('alpha beta, ', 2000):gmatch('%a+') do n = n + 1 end return tostring(n)",
            chunkName: "t", instructionBudget: 5_000_000)
        #expect(words == "4000")
        let pair = try state.run("return ('  credit_limit = 200000  '):match('^%s*([%w_]+)%s*=%s*(.-)%s*$')", chunkName: "t")
        #expect(pair == "credit_limit")
        #expect(try state.run("return (('a-b-c'):gsub('%-', '+'))", chunkName: "t") == "a+b+c")
        // Repetitions that can match the same characters still are.
        #expect(throws: LuaState.Failure.self) {
            try state.run("return string.rep('a', 3000):match('^a*a*a*b')", chunkName: "t", instructionBudget: 1_000_000)
        }
    }

    @Test func memoryCapStopsRunawayAllocation() throws {
        let state = try LuaState(memoryLimit: 4 << 20)
        do {
            try state.run("local t = {} for i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end", chunkName: "hog")
            Issue.record("allocated past the cap")
        } catch {
            #expect(error.kind == .memory)
        }
        #expect(state.memoryUsed <= 4 << 20)
        #expect(try state.run("return 'recovered'", chunkName: "t") == "recovered")
    }

    @Test func runtimeErrorsCarryATraceback() throws {
        let state = try LuaState(memoryLimit: 8 << 20)
        do {
            try state.run("local function f() error('boom') end\nf()", chunkName: "scripts/x.lua")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .runtime)
            #expect(error.message.contains("scripts/x.lua:1: boom"))
            #expect(error.message.contains("stack traceback"))
        }
    }
}

@Suite struct ScriptSyntaxCheckTests {
    @Test func reportsScriptsThatDoNotCompileWithTheirLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-lua-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.lua")
        let bad = folder.appendingPathComponent("bad.lua")
        try Data("return { f = function(ctx) return 1 end }".utf8).write(to: good)
        try Data("local M = {}\n\nfunction M.f(ctx)\n  if ctx then\nend\nreturn M\n".utf8).write(to: bad)
        let problems = ScriptSyntaxCheck.problems(in: ["good.lua": good, "bad.lua": bad]) { $0.lastPathComponent }
        #expect(problems.count == 1)
        #expect(problems.first?.location.file == "bad.lua")
        #expect(problems.first?.location.line == 7)
        #expect(problems.first?.message.contains("'end' expected") == true)
    }

    @Test func theInstallationsScriptsAllCompile() throws {
        let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts")
        var files: [String: URL] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: scripts.path) where name.hasSuffix(".lua") {
            files[name] = scripts.appendingPathComponent(name)
        }
        #expect(files.count >= 10)
        #expect(ScriptSyntaxCheck.problems(in: files) { $0.path }.isEmpty)
    }
}
