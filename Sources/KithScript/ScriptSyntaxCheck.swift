public import Foundation
public import KithSchema

/// `kith check` for the rules: every script of a loaded workspace compiles, every module loads,
/// and every function the schema names (hooks, guards, approval routes, schedules) exists. Problems
/// read like the schema's: `file:line:col: message`.
public enum ScriptSyntaxCheck {
    /// Problems of the scripts in `scripts` (relative path → file); `display` turns a file into the path shown.
    public static func problems(in scripts: [String: URL], display: (URL) -> String) -> [SchemaDiagnostic] {
        guard let state = try? LuaState(memoryLimit: 0) else { return [] }
        var problems: [SchemaDiagnostic] = []
        for (_, file) in scripts.sorted(by: { $0.key < $1.key }) {
            let name = display(file)
            guard let data = FileManager.default.contents(atPath: file.path) else {
                problems.append(
                    SchemaDiagnostic(.unreadableFile, at: SourceLocation(file: name, line: 1, column: 1), "cannot read the script"))
                continue
            }
            do {
                try state.compile(String(decoding: data, as: UTF8.self), chunkName: name)
            } catch {
                problems.append(diagnostic(for: error.message, file: name))
            }
        }
        return problems
    }

    /// Everything above, then the modules loaded in a rules state and the schema's functions looked
    /// up: in every script that compiles, even when another does not, so one pass reports both.
    public static func problems(in loaded: LoadedWorkspace, display: @escaping @Sendable (URL) -> String) -> [SchemaDiagnostic] {
        var problems = problems(in: loaded.scripts, display: display)
        let uncompiled = Set(problems.map(\.location.file))
        let runtime = RuleRuntime(folders: loaded.workspace.scriptFolders, limits: loaded.workspace.limits, display: display)
        let state: RuleState
        do {
            state = try RuleState(library: runtime.library, limits: loaded.workspace.limits, strict: uncompiled.isEmpty)
        } catch {
            return problems + [loadProblem(error)]
        }
        var failed = uncompiled
        for failure in state.loadFailures {
            let problem = loadProblem(failure)
            guard !uncompiled.contains(problem.location.file) else { continue }
            failed.insert(problem.location.file)
            problems.append(problem)
        }
        // A function of a script that does not exist is the schema's problem, reported with it.
        for (function, location) in functions(of: loaded.schema) {
            guard let module = state.library.module(function.module), !failed.contains(module.display), !state.defines(function) else {
                continue
            }
            problems.append(
                SchemaDiagnostic(
                    .unknownReference, at: location, "\(module.display) defines no function '\(function.function)' (named as \(function))"))
        }
        return problems
    }

    private static func loadProblem(_ error: RuleFailure) -> SchemaDiagnostic {
        let (file, line) = split(error.location ?? "scripts")
        return SchemaDiagnostic(
            .invalidScript, at: SourceLocation(file: file, line: line, column: 1), "the script fails to load: \(error.message)")
    }

    /// Every Lua function the schema names, with where it names it.
    static func functions(of schema: Schema) -> [(FunctionReference, SourceLocation)] {
        var functions: [(FunctionReference, SourceLocation)] = []
        for entity in schema.entities {
            functions += entity.hooks.map { ($0.function, $0.location) }
            if let workflow = entity.workflow {
                functions += workflow.transitions.compactMap { transition in transition.guardFunction.map { ($0, transition.location) } }
                functions += workflow.approvals.map { ($0.route, $0.location) }
            }
        }
        functions += schema.schedules.map { ($0.function, $0.location) }
        return functions
    }

    /// `scripts/credit.lua:12: unexpected symbol near 'x'` → a diagnostic at line 12.
    static func diagnostic(for message: String, file: String) -> SchemaDiagnostic {
        var line = 1
        var text = message
        if message.hasPrefix(file + ":") {
            let rest = message.dropFirst(file.count + 1)
            if let colon = rest.firstIndex(of: ":"), let number = Int(rest[..<colon]) {
                line = number
                text = String(rest[rest.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
        }
        return SchemaDiagnostic(.invalidScript, at: SourceLocation(file: file, line: line, column: 1), "Lua syntax error: \(text)")
    }

    private static func split(_ location: String) -> (String, Int) {
        guard let colon = location.lastIndex(of: ":"), let line = Int(location[location.index(after: colon)...]) else { return (location, 1) }
        return (String(location[..<colon]), line)
    }
}
