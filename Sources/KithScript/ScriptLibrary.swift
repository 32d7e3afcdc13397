public import Foundation
public import KithSchema

/// The rule scripts in force: each module's source, as last read and compiled successfully.
public struct ScriptLibrary: Sendable {
    public struct Module: Sendable {
        /// The module's path without `.lua`, as `require` and `file.function` name it: "credit", "sales/credit".
        public let path: String
        /// The file as shown in messages: "scripts/credit.lua".
        public let display: String
        public let text: String
        public let file: URL?
        /// Modification date and size when read: a change triggers a reload.
        let stamp: FileStamp?
        /// A rule test (`tests/*_test.lua`), loaded only by `kith test`.
        public var isTest: Bool { path.hasPrefix("tests/") }
    }

    struct FileStamp: Equatable, Sendable {
        let modified: Date
        let size: Int

        init?(_ file: URL) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
                let modified = attributes[.modificationDate] as? Date, let size = attributes[.size] as? Int
            else { return nil }
            self.modified = modified
            self.size = size
        }
    }

    public private(set) var modules: [Module]
    /// Increases with every accepted change.
    public private(set) var version: Int

    public init(modules: [Module], version: Int = 1) {
        self.modules = modules.sorted { $0.path < $1.path }
        self.version = version
    }

    public init(sources: [String: String]) {
        self.init(modules: sources.map { Module(path: $0.key, display: "scripts/\($0.key).lua", text: $0.value, file: nil, stamp: nil) })
    }

    public func module(_ path: String) -> Module? { modules.first { $0.path == path } }

    /// The scripts (and with `tests`, the rule tests) of the folders; files that cannot be read
    /// or compiled are reported and left out.
    public static func read(
        folders: [URL], tests: Bool = false, display: (URL) -> String
    ) -> (library: ScriptLibrary, problems: [RuleFailure]) {
        var files = WorkspaceLoader.scriptFiles(in: folders)
        if tests { files.merge(WorkspaceLoader.scriptFiles(in: folders, tests: true)) { $1 } }
        var modules: [Module] = []
        var problems: [RuleFailure] = []
        let checker = try? LuaState(memoryLimit: 0)
        for (relative, file) in files.sorted(by: { $0.key < $1.key }) {
            switch readModule(relative, file, display: display, checker: checker) {
            case .success(let module): modules.append(module)
            case .failure(let failure): problems.append(failure)
            }
        }
        return (ScriptLibrary(modules: modules), problems)
    }

    static func readModule(_ relative: String, _ file: URL, display: (URL) -> String, checker: LuaState?) -> Result<Module, RuleFailure> {
        let shown = display(file)
        let stamp = FileStamp(file)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return .failure(RuleFailure(kind: .syntax, message: "cannot read the script", location: shown))
        }
        let text = String(decoding: data, as: UTF8.self)
        do {
            try checker?.compile(text, chunkName: shown)
        } catch {
            return .failure(RuleFailure.fromLua(error.message, kind: .syntax))
        }
        let path = String(relative.dropLast(4))
        return .success(Module(path: path, display: shown, text: text, file: file, stamp: stamp))
    }

    /// The library after re-reading the folders: changed files that compile replace their
    /// previous version; those that do not are reported and the previous version stays.
    func reread(folders: [URL], tests: Bool, display: (URL) -> String) -> (library: ScriptLibrary, problems: [RuleFailure], changed: Bool) {
        var files = WorkspaceLoader.scriptFiles(in: folders)
        if tests { files.merge(WorkspaceLoader.scriptFiles(in: folders, tests: true)) { $1 } }
        let current = Dictionary(modules.map { ($0.path, $0) }, uniquingKeysWith: { $1 })
        var modules: [Module] = []
        var problems: [RuleFailure] = []
        var changed = Set(current.keys) != Set(files.keys.map { String($0.dropLast(4)) })
        let checker = try? LuaState(memoryLimit: 0)
        for (relative, file) in files.sorted(by: { $0.key < $1.key }) {
            let path = String(relative.dropLast(4))
            if let known = current[path], known.file == file, let stamp = known.stamp, stamp == FileStamp(file) {
                modules.append(known)
                continue
            }
            switch Self.readModule(relative, file, display: display, checker: checker) {
            case .success(let module):
                if module.text != current[path]?.text { changed = true }
                modules.append(module)
            case .failure(let failure):
                problems.append(failure)
                if let known = current[path] { modules.append(known) }
            }
        }
        return (ScriptLibrary(modules: modules, version: changed ? version + 1 : version), problems, changed)
    }
}
