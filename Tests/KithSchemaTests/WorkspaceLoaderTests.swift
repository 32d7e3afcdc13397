import Foundation
import KithSchema
import Testing

/// Workspaces resolved against an installation: modules, packs, plugins, local modules and scripts.
@Suite struct WorkspaceLoaderTests {
    /// A fresh folder under the temporary directory, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func demoWorkspaceLoadsTheCore() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try WorkspaceTemplate.createDemo(at: folder)
        let loaded = try WorkspaceLoader(installation: Paths.installation).load(workspaceAt: folder)
        #expect(loaded.workspace.timeZone.identifier == "Asia/Shanghai")
        #expect(loaded.workspace.language == "zh")
        #expect(loaded.workspace.uses == [.module("core")])
        #expect(loaded.workspace.limits.luaInstructions == 5_000_000)
        #expect(loaded.workspace.databaseFile.path == folder.appendingPathComponent("data/kith.sqlite").path)
        #expect(loaded.schema.entities.count >= 25)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    @Test(arguments: ["membership", "distribution"])
    func industryPacksLoadOnTheCore(_ pack: String) throws {
        let folder = Paths.repository.appendingPathComponent("examples/\(pack)")
        let loaded = try WorkspaceLoader(installation: Paths.installation).load(workspaceAt: folder)
        #expect(loaded.workspace.uses == [.module("core"), .module("industries/\(pack)")])
        #expect(loaded.schema.modules.last?.name == "industry.\(pack)")
    }

    @Test func localModulesExtendTheCoreAndLocalScriptsWin() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write(
            """
            <workspace xmlns="urn:kith:1" name="acme" timezone="UTC" language="en">
              <use module="core"/>
              <modules path="modules"/>
              <scripts path="scripts"/>
              <limits lua-instructions="1000" lua-memory-mb="8" hook-depth="3"/>
            </workspace>
            """, to: folder.appendingPathComponent("workspace.xml"))
        try Self.write(
            """
            <module xmlns="urn:kith:1" name="acme.local" version="1">
              <extend entity="customer">
                <field name="vat_number" type="text" max="20"/>
                <hook event="after-save" function="acme.after_customer"/>
              </extend>
            </module>
            """, to: folder.appendingPathComponent("modules/acme.xml"))
        try Self.write("return { after_customer = function(ctx) end }", to: folder.appendingPathComponent("scripts/acme.lua"))
        try Self.write("return {}", to: folder.appendingPathComponent("scripts/credit.lua"))
        let loaded = try WorkspaceLoader(installation: Paths.installation).load(workspaceAt: folder)
        #expect(loaded.schema.entity("customer")?.field("vat_number") != nil)
        #expect(loaded.workspace.limits == Workspace.Limits(luaInstructions: 1000, luaMemoryMB: 8, hookDepth: 3, requestBodyMB: 32))
        #expect(loaded.scripts["credit.lua"]?.path == folder.appendingPathComponent("scripts/credit.lua").path)
    }

    /// A menu entities name but nobody declares is named in English in both languages'
    /// navigation: the check says so once, where the first entity names it.
    @Test func undeclaredMenusAreWarnedOfOnce() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write(
            """
            <workspace xmlns="urn:kith:1" name="acme" timezone="UTC" language="zh">
              <modules path="modules"/>
            </workspace>
            """, to: folder.appendingPathComponent("workspace.xml"))
        try Self.write(
            """
            <module xmlns="urn:kith:1" name="acme.local" version="1">
              <menu name="office" label="Office" label-zh="办公"/>
              <entity name="memo" menu="office"><field name="title" type="text"/></entity>
              <entity name="work_order" menu="field_ops"><field name="title" type="text"/></entity>
              <entity name="visit" menu="field_ops"><field name="title" type="text"/></entity>
            </module>
            """, to: folder.appendingPathComponent("modules/acme.xml"))
        let loaded = try WorkspaceLoader(installation: Paths.installation).load(workspaceAt: folder)
        #expect(loaded.warnings.count == 1, "\(loaded.warnings)")
        let warning = loaded.warnings.first?.description ?? ""
        #expect(warning.contains("modules/acme.xml:4:"), "\(warning)")
        #expect(warning.contains("entity 'work_order' is in menu 'field_ops', which no <menu> declares"), "\(warning)")
        #expect(warning.contains("'Field ops' in every language"), "\(warning)")
    }

    @Test func unknownModulesAndFoldersAreReportedWithSuggestions() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write(
            """
            <workspace xmlns="urn:kith:1" name="acme" timezone="Europe/Pariss">
              <use module="cor"/>
              <use plugin="inventroy"/>
              <modules path="nowhere"/>
            </workspace>
            """, to: folder.appendingPathComponent("workspace.xml"))
        let loader = WorkspaceLoader(installation: Paths.installation, displayBase: folder)
        #expect {
            try loader.load(workspaceAt: folder)
        } throws: { error in
            let lines = (error as? SchemaDiagnostics)?.diagnostics.map(\.description) ?? []
            return lines.count == 4
                && lines[0].hasPrefix("workspace.xml:1:43: unknown time zone 'Europe/Pariss'")
                && lines[0].hasSuffix("(did you mean 'Europe/Paris'?)")
                && lines[1].hasPrefix("workspace.xml:2:8: unknown module 'cor'") && lines[1].hasSuffix("(did you mean 'core'?)")
                && lines[2].hasPrefix("workspace.xml:3:8: unknown plugin 'inventroy'")
                && lines[3] == "workspace.xml:4:12: modules folder 'nowhere' does not exist"
        }
    }

    @Test func missingWorkspaceFileIsAnError() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: SchemaDiagnostics.self) {
            try WorkspaceLoader(installation: Paths.installation).load(workspaceAt: folder)
        }
    }

    @Test func pluginsBringTheirModulesAndScripts() throws {
        // An installation with the real schemas and scripts and one plugin of its own.
        let installation = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: installation) }
        let manager = FileManager.default
        try manager.createSymbolicLink(
            at: installation.appendingPathComponent("schemas"), withDestinationURL: Paths.repository.appendingPathComponent("schemas"))
        try manager.createSymbolicLink(
            at: installation.appendingPathComponent("scripts"), withDestinationURL: Paths.repository.appendingPathComponent("scripts"))
        let plugin = installation.appendingPathComponent("plugins/inventory")
        try Self.write(
            #"<plugin xmlns="urn:kith:1" name="inventory" version="1" label="Inventory" label-zh="库存"/>"#,
            to: plugin.appendingPathComponent("plugin.xml"))
        try Self.write(
            """
            <module xmlns="urn:kith:1" name="plugin.inventory" version="1">
              <entity name="warehouse" ownership="none">
                <field name="name" type="text" required="true"/>
                <hook event="before-save" function="stock.check"/>
              </entity>
            </module>
            """, to: plugin.appendingPathComponent("schemas/inventory.xml"))
        try Self.write("return { check = function(ctx) end }", to: plugin.appendingPathComponent("scripts/stock.lua"))
        let workspace = try Self.temporaryFolder()
        defer { try? manager.removeItem(at: workspace) }
        try Self.write(
            #"<workspace xmlns="urn:kith:1" name="w"><use module="core"/><use plugin="inventory"/></workspace>"#,
            to: workspace.appendingPathComponent("workspace.xml"))
        let loaded = try WorkspaceLoader(installation: Installation(root: installation)).load(workspaceAt: workspace)
        #expect(loaded.schema.entity("warehouse") != nil)
        #expect(loaded.scripts["stock.lua"] != nil)
        #expect(loaded.workspace.uses == [.module("core"), .plugin("inventory")])
    }

    @Test func installationIsFoundFromKithHomeOrTheCurrentFolder() {
        let fromHome = Installation.locate(
            environment: ["KITH_HOME": Paths.repository.path], currentDirectory: URL(fileURLWithPath: "/"), executable: nil)
        #expect(fromHome?.root.path == Paths.repository.path)
        let nested = Paths.repository.appendingPathComponent("schemas/core")
        #expect(Installation.locate(environment: [:], currentDirectory: nested, executable: nil)?.root.path == Paths.repository.path)
        #expect(Installation.locate(environment: [:], currentDirectory: URL(fileURLWithPath: "/"), executable: nil) == nil)
    }
}
