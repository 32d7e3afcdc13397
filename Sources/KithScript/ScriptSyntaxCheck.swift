public import Foundation
public import KithSchema

/// Compiles every rule script of a loaded workspace and reports those that do not compile,
/// as `file:line:col` diagnostics like the schema's.
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
}
