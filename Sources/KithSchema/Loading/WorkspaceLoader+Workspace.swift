import Foundation

extension WorkspaceLoader {
    /// Reads `workspace.xml` and resolves its `use`, `modules` and `scripts` lines to folders.
    func readWorkspace(_ folder: URL, grammar: MarkupGrammar, into diagnostics: inout [SchemaDiagnostic]) -> Workspace? {
        let file = folder.appendingPathComponent("workspace.xml")
        guard FileManager.default.fileExists(atPath: file.path) else {
            diagnostics.append(
                SchemaDiagnostic(
                    .invalidWorkspace, at: SourceLocation(file: display(file), line: 1, column: 1),
                    "no workspace.xml in \(display(folder))"))
            return nil
        }
        guard let root = parse(file, grammar: grammar, into: &diagnostics) else { return nil }
        guard root.name == "workspace", root.namespace == MarkupParser.namespace else {
            diagnostics.append(
                SchemaDiagnostic(
                    .invalidStructure, at: root.location, element: root.name,
                    "workspace.xml must have <workspace xmlns=\"\(MarkupParser.namespace)\"> as its root, not <\(root.name)>"))
            return nil
        }
        var workspace = Workspace(
            folder: folder, name: root.attribute("name") ?? folder.lastPathComponent, labels: root.labels,
            timeZone: TimeZone(identifier: "UTC") ?? .current, language: root.attribute("language") ?? "en", uses: [],
            moduleFolders: [], scriptFolders: [], databaseFile: folder.appendingPathComponent("data/kith.sqlite"),
            limits: Workspace.Limits())
        if let zone = root.attribute("timezone") {
            if let timeZone = TimeZone(identifier: zone) {
                workspace.timeZone = timeZone
            } else {
                diagnostics.append(
                    SchemaDiagnostic(
                        .invalidValue, at: root.location(of: "timezone"), element: "workspace",
                        "unknown time zone '\(zone)'; use a name such as Asia/Shanghai or UTC",
                        suggestion: NameSuggestion.closest(to: zone, among: TimeZone.knownTimeZoneIdentifiers)))
            }
        }
        var installationScripts = false
        var localScripts: [URL] = []
        var localModules: [URL] = []
        for element in root.children {
            switch element.name {
            case "use":
                if let module = element.attribute("module") {
                    workspace.uses.append(.module(module))
                    installationScripts = true
                    if let found = resolveModule(module, at: element, into: &diagnostics) {
                        workspace.moduleFolders.append(found)
                    }
                } else if let plugin = element.attribute("plugin") {
                    workspace.uses.append(.plugin(plugin))
                    installationScripts = true
                    if let (modules, scripts) = resolvePlugin(plugin, at: element, grammar: grammar, into: &diagnostics) {
                        workspace.moduleFolders.append(modules)
                        workspace.scriptFolders.append(scripts)
                    }
                } else {
                    diagnostics.append(
                        SchemaDiagnostic(
                            .invalidStructure, at: element.location, element: "use", "<use> needs module=\"...\" or plugin=\"...\""))
                }
            case "modules", "scripts":
                let path = folder.appendingPathComponent(element.attribute("path") ?? "").standardizedFileURL
                var isFolder: ObjCBool = false
                if !FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) || !isFolder.boolValue {
                    diagnostics.append(
                        SchemaDiagnostic(
                            .invalidWorkspace, at: element.location(of: "path"), element: element.name,
                            "\(element.name) folder '\(display(path))' does not exist"))
                } else if element.name == "modules" {
                    localModules.append(path)
                } else {
                    localScripts.append(path)
                }
            case "database":
                workspace.databaseFile = folder.appendingPathComponent(element.attribute("path") ?? "data/kith.sqlite").standardizedFileURL
            case "limits":
                if let value = element.attribute("lua-instructions").flatMap(Int.init) { workspace.limits.luaInstructions = value }
                if let value = element.attribute("lua-memory-mb").flatMap(Int.init) { workspace.limits.luaMemoryMB = value }
                if let value = element.attribute("hook-depth").flatMap(Int.init) { workspace.limits.hookDepth = value }
                if let value = element.attribute("request-body-mb").flatMap(Int.init) { workspace.limits.requestBodyMB = value }
                if let value = element.attribute("schedule-instructions").flatMap(Int.init) { workspace.limits.scheduleInstructions = value }
            case "approvals":
                if let value = element.attribute("skip-owner") { workspace.approvalsSkipOwner = value == "true" || value == "1" }
            default:
                break
            }
        }
        // Installation scripts first, then plugins', then the workspace's own: later ones win.
        if installationScripts { workspace.scriptFolders.insert(installation.scriptsFolder, at: 0) }
        workspace.moduleFolders += localModules
        workspace.scriptFolders += localScripts
        return workspace
    }

    private func resolveModule(_ name: String, at element: MarkupElement, into diagnostics: inout [SchemaDiagnostic]) -> URL? {
        let folder = installation.schemasFolder.appendingPathComponent(name)
        let file = installation.schemasFolder.appendingPathComponent(name + ".xml")
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue { return folder }
        if FileManager.default.fileExists(atPath: file.path) { return file }
        diagnostics.append(
            SchemaDiagnostic(
                .invalidWorkspace, at: element.location(of: "module"), element: "use",
                "unknown module '\(name)': no \(display(folder))/ or \(display(file))",
                suggestion: NameSuggestion.closest(to: name, among: installation.availableModules())))
        return nil
    }

    private func resolvePlugin(
        _ name: String, at element: MarkupElement, grammar: MarkupGrammar, into diagnostics: inout [SchemaDiagnostic]
    ) -> (modules: URL, scripts: URL)? {
        let folder = installation.pluginsFolder.appendingPathComponent(name)
        let manifest = folder.appendingPathComponent("plugin.xml")
        guard FileManager.default.fileExists(atPath: manifest.path) else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: installation.pluginsFolder.path)) ?? []
            diagnostics.append(
                SchemaDiagnostic(
                    .invalidWorkspace, at: element.location(of: "plugin"), element: "use",
                    "unknown plugin '\(name)': no \(display(manifest))",
                    suggestion: NameSuggestion.closest(to: name, among: known)))
            return nil
        }
        guard let root = parse(manifest, grammar: grammar, into: &diagnostics) else { return nil }
        guard root.name == "plugin" else {
            diagnostics.append(
                SchemaDiagnostic(.invalidStructure, at: root.location, element: root.name, "plugin.xml must have <plugin> as its root"))
            return nil
        }
        let modules = root.children(named: "modules").first?.attribute("path") ?? "schemas"
        let scripts = root.children(named: "scripts").first?.attribute("path") ?? "scripts"
        return (folder.appendingPathComponent(modules).standardizedFileURL, folder.appendingPathComponent(scripts).standardizedFileURL)
    }
}
