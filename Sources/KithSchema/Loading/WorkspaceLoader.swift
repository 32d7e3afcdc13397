public import Foundation

/// A workspace with its schema loaded and checked.
public struct LoadedWorkspace: Sendable {
    public let workspace: Workspace
    public let schema: Schema
    /// Problems that do not stop loading.
    public let warnings: [SchemaDiagnostic]
    /// Every script file of the loaded scripts folders: relative path → file (later folders win).
    public let scripts: [String: URL]
}

/// Loads a workspace: reads `workspace.xml`, resolves modules and plugins against the
/// installation, parses and validates every module against the XSD, applies overlays in load
/// order and checks the result. Reports every problem it finds in one pass.
public struct WorkspaceLoader: Sendable {
    public let installation: Installation
    /// How paths appear in diagnostics: relative to this folder when inside it.
    public let displayBase: URL

    public init(installation: Installation, displayBase: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.installation = installation
        self.displayBase = displayBase.standardizedFileURL
    }

    /// Loads the workspace in `folder`; throws `SchemaDiagnostics` holding every error.
    public func load(workspaceAt folder: URL) throws(SchemaDiagnostics) -> LoadedWorkspace {
        var diagnostics: [SchemaDiagnostic] = []
        let grammar: MarkupGrammar
        do {
            grammar = try MarkupGrammar(path: installation.grammarFile.path)
        } catch {
            throw SchemaDiagnostics([error])
        }
        guard let workspace = readWorkspace(folder.standardizedFileURL, grammar: grammar, into: &diagnostics) else {
            throw SchemaDiagnostics(diagnostics)
        }
        var moduleFiles: [URL] = []
        var scriptFolders: [URL] = []
        for folder in workspace.moduleFolders { moduleFiles += xmlFiles(in: folder) }
        scriptFolders = workspace.scriptFolders
        return try finish(
            workspace: workspace, moduleFiles: moduleFiles, scriptFolders: scriptFolders, grammar: grammar,
            diagnostics: diagnostics)
    }

    /// Loads modules without a workspace file (tests, benchmarks, tools): the given module files in
    /// order, with the given scripts folders.
    public func load(moduleFiles: [URL], scriptFolders: [URL] = []) throws(SchemaDiagnostics) -> Schema {
        let grammar: MarkupGrammar
        do {
            grammar = try MarkupGrammar(path: installation.grammarFile.path)
        } catch {
            throw SchemaDiagnostics([error])
        }
        let workspace = Workspace(
            folder: displayBase, name: "modules", labels: Labels(), timeZone: TimeZone(identifier: "UTC") ?? .current,
            language: "en", uses: [], moduleFolders: [], scriptFolders: scriptFolders,
            databaseFile: displayBase.appendingPathComponent("data/kith.sqlite"), limits: Workspace.Limits())
        return try finish(
            workspace: workspace, moduleFiles: moduleFiles, scriptFolders: scriptFolders, grammar: grammar, diagnostics: []
        ).schema
    }

    private func finish(
        workspace: Workspace, moduleFiles: [URL], scriptFolders: [URL], grammar: MarkupGrammar,
        diagnostics initial: [SchemaDiagnostic]
    ) throws(SchemaDiagnostics) -> LoadedWorkspace {
        var diagnostics = initial
        var builder = SchemaBuilder()
        for file in moduleFiles {
            guard let root = parse(file, grammar: grammar, into: &diagnostics) else { continue }
            guard root.name == "module", root.namespace == MarkupParser.namespace else {
                diagnostics.append(
                    SchemaDiagnostic(
                        .invalidStructure, at: root.location, element: root.name,
                        "a module file must have <module xmlns=\"\(MarkupParser.namespace)\"> as its root, not <\(root.name)>"))
                continue
            }
            builder.apply(module: root)
        }
        var schema = builder.finish()
        diagnostics += builder.diagnostics

        let scripts = Self.scriptFiles(in: scriptFolders)
        schema.scriptFolders = scriptFolders.map(\.path)
        var checker = SchemaChecker(schema: schema, scripts: Set(scripts.keys))
        checker.unplacedFunctions = builder.unplacedFunctions
        diagnostics += checker.check()

        let order = Dictionary(
            (([workspace.file] + moduleFiles).map(display)).enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let sorted = Array(Set(diagnostics)).sorted {
            let left = (order[$0.location.file] ?? Int.max, $0.location.line, $0.location.column, $0.message)
            let right = (order[$1.location.file] ?? Int.max, $1.location.line, $1.location.column, $1.message)
            return left < right
        }
        let loaded = LoadedWorkspace(workspace: workspace, schema: schema, warnings: sorted, scripts: scripts)
        guard sorted.allSatisfy({ $0.severity != .error }) else { throw SchemaDiagnostics(sorted, partial: loaded) }
        return loaded
    }

    // MARK: - Files

    /// The path shown to the user for `url`.
    public func display(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let base = displayBase.path.hasSuffix("/") ? displayBase.path : displayBase.path + "/"
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    func parse(_ file: URL, grammar: MarkupGrammar, into diagnostics: inout [SchemaDiagnostic]) -> MarkupElement? {
        let name = display(file)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            diagnostics.append(
                SchemaDiagnostic(.unreadableFile, at: SourceLocation(file: name, line: 1, column: 1), "cannot read the file"))
            return nil
        }
        let result = MarkupParser.parse([UInt8](data), file: name, grammar: grammar)
        diagnostics += result.diagnostics
        return result.root
    }

    /// `.xml` files below `folder`, in path order; a single file stands for itself.
    func xmlFiles(in folder: URL) -> [URL] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { return [folder] }
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        let files = enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "xml" }
        return files.map(\.standardizedFileURL).sorted { $0.path < $1.path }
    }

    /// `.lua` files of the scripts folders by path relative to their folder (later folders win):
    /// the rules, or with `tests` only the rule tests of their `tests/` folders.
    public static func scriptFiles(in folders: [URL], tests: Bool = false) -> [String: URL] {
        var scripts: [String: URL] = [:]
        for folder in folders.map({ $0.resolvingSymlinksInPath() }) {
            guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { continue }
            let base = folder.standardizedFileURL.path + "/"
            for case let url as URL in enumerator where url.pathExtension == "lua" {
                let path = url.standardizedFileURL.path
                guard path.hasPrefix(base) else { continue }
                let relative = String(path.dropFirst(base.count))
                if relative.hasPrefix("tests/") != tests { continue }  // rule tests are not rules
                scripts[relative] = url.standardizedFileURL
            }
        }
        return scripts
    }
}
