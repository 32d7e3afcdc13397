import Foundation
import KithEngine
import KithStore
import Testing

/// A workspace reloaded while it is served: a new module's entity and a new field appear in the
/// pages and the API without a restart; a broken module or a destructive change is refused with
/// its problems on the admin page, and the schema in force keeps serving.
@Suite(.serialized) struct WorkspaceReloadTests {
    static let assets = """
        <?xml version="1.0" encoding="UTF-8"?>
        <module xmlns="urn:kith:1" name="assets" version="1" label="Assets">
          <entity name="asset" label="Asset" plural="Assets" title="tag" menu="desk">
            <field name="tag" type="text" required="true" max="30" label="Asset tag"/>
            <field name="bought_on" type="date" label="Bought on"/>
          </entity>
        </module>
        """

    @Test func aReloadedWorkspaceServesItsNewSchemaAndRefusesABrokenOne() async throws {
        let server = try await LiveServer(modules: ["desk": RouteTests.module], scripts: ["desk": RouteTests.script])
        defer { Task { await server.stop() } }
        let admin = try server.user("root", roles: ["admin"], password: "Root-pass-1")
        let agent = try server.user("agent", roles: ["agent"], password: "Agent-pass-1")
        let session = try await PageTests.signIn(server, "root", "Root-pass-1")
        let agentSession = try await PageTests.signIn(server, "agent", "Agent-pass-1")
        let ticket = try await server.request("POST", "/api/v1/ticket", token: agent, json: #"{"code": "T-1", "subject": "Printer jams"}"#)
        #expect(ticket.status == 201)
        #expect(try await server.request("GET", "/api/v1/asset", token: admin).status == 404)
        let before = server.engine
        let overview = try await server.request("GET", "/admin", cookies: session)
        #expect(overview.body.contains(#"action="/admin/workspace/reload""#) && overview.body.contains("desk v1"))
        let csrf = PageTests.csrf(in: overview.body)

        // Only an administrator, with the form's token, may reload.
        #expect(try await server.request("POST", "/admin/workspace/reload", form: [("_csrf", "forged")], cookies: session).status == 403)
        let agentPage = try await server.request("GET", "/e/ticket", cookies: agentSession)
        let agentCSRF = PageTests.csrf(in: agentPage.body)
        #expect(try await server.request("POST", "/admin/workspace/reload", form: [("_csrf", agentCSRF)], cookies: agentSession).status == 403)
        #expect(server.engine === before)

        // A new module and a new field: in force after the reload, with their columns and table.
        let modules = server.workspace.files.appendingPathComponent("modules")
        try Data(Self.assets.utf8).write(to: modules.appendingPathComponent("assets.xml"))
        let withPriority = RouteTests.module.replacingOccurrences(
            of: #"<field name="hours""#, with: #"<field name="priority" type="text" max="10" label="Priority"/><field name="hours""#)
        try Data(withPriority.utf8).write(to: modules.appendingPathComponent("desk.xml"))
        let reloaded = try await server.request("POST", "/admin/workspace/reload", form: [("_csrf", csrf)], cookies: session)
        #expect(reloaded.status == 302 && reloaded.header("location") == "/admin#workspace")
        #expect(server.engine !== before)
        let report = try await server.request("GET", "/admin", cookies: session).body
        #expect(report.contains("Reloaded") && report.contains("Database changes") && report.contains("assets v1"))
        #expect(report.contains("asset") && report.contains("priority"))
        // What kith check warns of shows with it: the desk menu nobody declares.
        #expect(report.contains("Warnings") && report.contains("in menu &#39;desk&#39;, which no &lt;menu&gt; declares"), "\(report)")
        #expect(server.workspace.served.lastReload?.warnings.count == 1)

        let asset = try await server.request("POST", "/api/v1/asset", token: admin, json: #"{"tag": "LAP-0042", "bought_on": "2026-03-01"}"#)
        #expect(asset.status == 201 && asset.object["tag"] as? String == "LAP-0042")
        let prioritized = try await server.request("POST", "/api/v1/ticket", token: agent, json: #"{"code": "T-2", "subject": "Paper", "priority": "high"}"#)
        #expect(prioritized.status == 201 && prioritized.object["priority"] as? String == "high")
        // Sessions and earlier records carry over; the old engine still answers requests under way.
        #expect(try await server.request("GET", "/api/v1/ticket?sort=code", token: agent).object["total"] as? Int == 2)
        let list = try await server.request("GET", "/e/asset", cookies: session)
        #expect(list.status == 200 && list.body.contains("LAP-0042") && list.body.contains("Asset tag"))
        #expect(try await server.request("GET", "/", cookies: agentSession).status == 200)
        #expect(try before.read(as: .system) { try $0.count("ticket").value } == 2)
        let openAPI = try await server.request("GET", "/api/openapi.json").body
        #expect(openAPI.contains("/api/v1/asset"))

        // A broken module: refused with its file and line, and the schema in force keeps serving.
        let inForce = server.engine
        let broken = Self.assets.replacingOccurrences(of: #"type="date""#, with: #"type="colour""#)
        try Data(broken.utf8).write(to: modules.appendingPathComponent("assets.xml"))
        #expect(try await server.request("POST", "/admin/workspace/reload", form: [("_csrf", csrf)], cookies: session).status == 302)
        #expect(server.engine === inForce)
        var refused = try await server.request("GET", "/admin", cookies: session).body
        #expect(refused.contains("Reload refused") && refused.contains("modules/assets.xml:5:"), "\(refused)")
        #expect(try await server.request("GET", "/api/v1/asset", token: admin).status == 200)

        // A hook naming a function no script defines: refused as `kith check` would.
        try Data(Self.assets.utf8).write(to: modules.appendingPathComponent("assets.xml"))
        let hooked = withPriority.replacingOccurrences(of: "desk.check_hours", with: "desk.check_minutes")
        try Data(hooked.utf8).write(to: modules.appendingPathComponent("desk.xml"))
        #expect(try await server.request("POST", "/admin/workspace/reload", form: [("_csrf", csrf)], cookies: session).status == 302)
        #expect(server.engine === inForce)
        refused = try await server.request("GET", "/admin", cookies: session).body
        #expect(refused.contains("Reload refused") && refused.contains("defines no function &#39;check_minutes&#39;"), "\(refused)")
        try Data(withPriority.utf8).write(to: modules.appendingPathComponent("desk.xml"))

        // Removing an entity would drop its stored records: refused too.
        try FileManager.default.removeItem(at: modules.appendingPathComponent("assets.xml"))
        #expect(try await server.request("POST", "/admin/workspace/reload", form: [("_csrf", csrf)], cookies: session).status == 302)
        #expect(server.engine === inForce)
        refused = try await server.request("GET", "/admin", cookies: session).body
        #expect(refused.contains("Reload refused") && refused.contains("kith migrate"))
        #expect(try await server.request("GET", "/api/v1/asset/1", token: admin).status == 200)

        // The same through the API, for a deployment script: 422 with the problems, then 200.
        #expect(try await server.request("POST", "/api/workspace/reload").status == 401)
        #expect(try await server.request("POST", "/api/workspace/reload", token: agent).status == 403)
        let apiRefused = try await server.request("POST", "/api/workspace/reload", token: admin)
        #expect(apiRefused.status == 422 && apiRefused.object["reloaded"] as? Bool == false)
        #expect((apiRefused.object["problems"] as? [String])?.contains { $0.contains("kith migrate") } == true, "\(apiRefused.body)")
        #expect(server.engine === inForce)
        try Data(Self.assets.utf8).write(to: modules.appendingPathComponent("assets.xml"))
        let apiReloaded = try await server.request("POST", "/api/workspace/reload", token: admin)
        #expect(apiReloaded.status == 200 && apiReloaded.object["reloaded"] as? Bool == true, "\(apiReloaded.body)")
        #expect((apiReloaded.object["warnings"] as? [String])?.first?.contains("menu 'desk'") == true)
        #expect(server.engine !== inForce)

        // Every reload is in the system log, with who asked.
        let events = try server.engine.read(as: .system) { try $0.systemLog(limit: 20) }
        #expect(events.filter { $0.kind == "workspace-reloaded" && $0.login == "root" }.count == 2)
        #expect(events.filter { $0.kind == "workspace-reload-refused" }.count == 4)
    }
}
