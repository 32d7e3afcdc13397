import Foundation
import KithEngine
import KithSchema
import KithScript
import KithStore
import Testing

/// The hostile-script corpus: every attack is contained, and the next save through the same
/// pool works with the other scripts untouched.
@Suite struct SandboxTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let module = """
        <module xmlns="urn:kith:1" name="sandbox" version="1">
          <entity name="ticket" label="Ticket">
            <field name="subject" type="text" max="100"/>
            <field name="checked" type="boolean"/>
            <field name="verified" type="text" max="200"/>
            <hook event="before-save" function="hostile.run"/>
            <hook event="before-save" function="victim.verify"/>
          </entity>
        </module>
        """

    static func engine() throws -> TestEngine {
        let scripts = try ["hostile", "victim"].reduce(into: [String: String]()) { scripts, name in
            scripts[name] = try String(contentsOf: fixtures.appendingPathComponent("\(name).lua"), encoding: .utf8)
        }
        return try TestEngine(module: module, scripts: scripts)
    }

    static var attacks: [String] {
        let text = (try? String(contentsOf: fixtures.appendingPathComponent("hostile.lua"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("attack(\""), let end = line.dropFirst(8).firstIndex(of: "\"") else { return nil }
            return String(line.dropFirst(8)[..<end])
        }
    }

    /// Attacks that end the call (not merely fail quietly), and what the error must say.
    static let expectedErrors: [String: String] = [
        "infinite_loop": "stopped after", "loop_in_pcall": "stopped after", "loop_in_coroutine": "stopped after",
        "coroutine_factory": "stopped after", "load_loop": "stopped after", "database_loop": "stopped after",
        "error_tostring_loop": "", "growing_table": "", "doubling_string": "", "memory_in_pcall": "",
        "pattern_find": "too complex", "pattern_gsub": "too complex", "pattern_match": "too complex",
        "pattern_loop": "stopped after",
        "recursive_saves": "levels deep", "deep_recursion": "", "kith_table": "read-only",
        "string_library": "read-only", "rawset_string": "read-only", "other_module": "read-only",
        "other_module_data": "read-only", "setmetatable_shared": "protected metatable", "binary_chunk": "binary",
        "require_outside": "not found", "require_absolute": "not found", "cyclic_argument": "nested too deeply", "finalizer_loop": "__gc",
    ]

    @discardableResult
    static func save(_ engine: Engine, _ subject: String) throws(RecordError) -> Record {
        try engine.write(as: .system) { try $0.create("ticket", ["subject": .text(subject)]) }
    }

    static func residentBytes() -> Int {
        let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ") ?? []
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * 4096
    }

    @Test func corpusHasEnoughAttacks() {
        #expect(Self.attacks.count >= 30)
    }

    @Test func everyAttackIsContainedAndTheNextSaveWorks() throws {
        let test = try Self.engine()
        let engine = test.engine
        let baseline = try Self.save(engine, "normal")
        #expect(baseline["verified"] == "safe|X|1|number")
        let poolBaseline = engine.rules.pool
        let residentBefore = Self.residentBytes()
        var saved = 1
        for attack in Self.attacks {
            do {
                try Self.save(engine, attack)
                saved += 1
                #expect(Self.expectedErrors[attack] == nil, "\(attack) was expected to fail")
            } catch {
                #expect([.rule, .rejected].contains(error.code), "\(attack): \(error)")
                if let expected = Self.expectedErrors[attack], !expected.isEmpty {
                    #expect(error.message.contains(expected), "\(attack): \(error.message)")
                }
            }
            let next = try Self.save(engine, "normal")
            saved += 1
            #expect(next["verified"] == "safe|X|1|number", "after \(attack)")
            #expect(next["checked"] == true, "after \(attack)")
            let pool = engine.rules.pool
            #expect(pool.states <= 4, "after \(attack)")
            #expect(pool.bytes <= max(poolBaseline.bytes, 1) * 4 + (8 << 20), "after \(attack): \(pool.bytes) bytes in the pool")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/kith-hostile-pwned"))
        #expect(Self.residentBytes() - residentBefore < 256 << 20, "the process's memory stays bounded")
        #expect(try test.count("ticket") == saved, "failed saves left no rows")
    }
}
