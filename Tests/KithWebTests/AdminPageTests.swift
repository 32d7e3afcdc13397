import Foundation
import KithEngine
import KithStore
import Testing

/// The admin pages change the directory: users, roles, departments, passwords, tokens; each change logged.
@Suite(.serialized) struct AdminPageTests {
    @Test func administratorsManageUsersDepartmentsAndTokens() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("root", roles: ["admin"], department: "HQ", password: "Root-pass-1")
        _ = try server.user("rep", roles: ["sales_rep"], department: "HQ", password: "Rep-pass-1")
        let session = try await PageTests.signIn(server, "root", "Root-pass-1")
        let overview = try await server.request("GET", "/admin", cookies: session)
        #expect(overview.status == 200 && overview.body.contains(#"action="/admin/users""#) && overview.body.contains("Dictionaries"))
        #expect(overview.body.contains("Loaded scripts") && overview.body.contains("Latest rule faults"))
        // Roles read by their labels; the form still posts their names.
        #expect(overview.body.contains("<td>Sales representative</td>"))
        #expect(overview.body.contains(#"value="sales_rep"> Sales representative</label>"#))
        let csrf = PageTests.csrf(in: overview.body)

        // A department under HQ, then a user in it with a role and a manager.
        #expect(try await server.request("POST", "/admin/departments", form: [("_csrf", csrf), ("name", "East <Branch>"), ("parent", "HQ")], cookies: session).status == 302)
        let added = try await server.request(
            "POST", "/admin/users",
            form: [("_csrf", csrf), ("login", "wang.fang"), ("name", "Wang Fang"), ("password", "Wang-pass-1"), ("department", "East <Branch>"), ("language", "en"), ("phone", "138 0000 1111"),
                   ("manager", "root"), ("role", "sales_rep"), ("role", "service")],
            cookies: session)
        #expect(added.status == 302 && added.header("location") == "/admin/users/wang.fang")
        var wang = try #require(try server.engine.read(as: .system) { try $0.user(login: "wang.fang") })
        #expect(wang.roles == ["sales_rep", "service"] && wang.name == "Wang Fang" && wang.language == "en")
        let page = try await server.request("GET", "/admin/users/wang.fang", cookies: session)
        #expect(page.body.contains(#"<option selected>East &lt;Branch&gt;</option>"#))
        #expect(try await server.request("GET", "/admin", cookies: session).body.contains("East &lt;Branch&gt;"))
        // Too short a password, an unknown role, a taken login: refused, nothing added.
        #expect(try await server.request("POST", "/admin/users", form: [("_csrf", csrf), ("login", "x"), ("password", "short")], cookies: session).status == 400)
        #expect(try await server.request("POST", "/admin/users", form: [("_csrf", csrf), ("login", "y"), ("password", "Long-enough-1"), ("role", "pope")], cookies: session).status == 400)
        #expect(try await server.request("POST", "/admin/users", form: [("_csrf", csrf), ("login", "rep"), ("password", "Long-enough-1")], cookies: session).status == 409)

        // Roles, placement, password, disable: each takes effect.
        #expect(try await server.request("POST", "/admin/users/wang.fang/roles", form: [("_csrf", csrf), ("role", "sales_manager")], cookies: session).status == 302)
        #expect(try await server.request("POST", "/admin/users/wang.fang/placement", form: [("_csrf", csrf), ("department", "HQ"), ("manager", "")], cookies: session).status == 302)
        wang = try #require(try server.engine.read(as: .system) { try $0.user(login: "wang.fang") })
        #expect(wang.roles == ["sales_manager"] && wang.managerID == nil)
        #expect(try await server.request("POST", "/admin/users/wang.fang/password", form: [("_csrf", csrf), ("password", "New-pass-22")], cookies: session).status == 302)
        _ = try await PageTests.signIn(server, "wang.fang", "New-pass-22")
        #expect(try await server.request("POST", "/admin/users/wang.fang/active", form: [("_csrf", csrf), ("active", "0")], cookies: session).status == 302)
        #expect(try server.engine.signIn(login: "wang.fang", password: "New-pass-22") == nil)
        #expect(try await server.request("POST", "/admin/users/root/active", form: [("_csrf", csrf), ("active", "0")], cookies: session).status == 400)

        // A token, shown once, works on the API until revoked.
        let created = try await server.request("POST", "/admin/tokens", form: [("_csrf", csrf), ("login", "rep"), ("name", "ERP sync")], cookies: session)
        let token = try #require(created.body.range(of: #"kith_\d+_[A-Za-z0-9]+"#, options: .regularExpression).map { String(created.body[$0]) })
        #expect(try await server.request("GET", "/api/v1/me", token: token).status == 200)
        let listed = try await server.request("GET", "/admin", cookies: session)
        #expect(listed.body.contains("ERP sync") && !listed.body.contains(token))
        let id = token.split(separator: "_")[1]
        #expect(try await server.request("POST", "/admin/tokens/\(id)/revoke", form: [("_csrf", csrf)], cookies: session).status == 302)
        #expect(try await server.request("GET", "/api/v1/me", token: token).status == 401)

        // A schedule runs now on request, recorded like the scheduler's runs.
        #expect(listed.body.contains(#"action="/admin/schedules/birthdays/run""#))
        #expect(try await server.request("POST", "/admin/schedules/birthdays/run", form: [("_csrf", csrf)], cookies: session).status == 302)
        let run = try server.engine.read(as: .system) { try $0.scheduleRuns("birthdays", limit: 1).first }
        #expect(run?.outcome == "ok" && run?.finishedAt != nil, "\(String(describing: run))")
        #expect(try await server.request("POST", "/admin/schedules/nothing/run", form: [("_csrf", csrf)], cookies: session).status == 404)
        #expect(try await server.request("POST", "/admin/schedules/birthdays/run", cookies: session).status == 403, "without its CSRF token")

        // In the system log; and none of it for anyone else.
        let kinds = try server.engine.read(as: .system) { try $0.systemLog(limit: 100).map(\.kind) }
        for kind in ["user-added", "department-added", "role-change", "user-moved", "password-change", "user-disabled", "token-created", "token-revoked", "schedule-run"] {
            #expect(kinds.contains(kind), "\(kind)")
        }
        let repSession = try await PageTests.signIn(server, "rep", "Rep-pass-1")
        let repCSRF = PageTests.csrf(in: try await server.request("GET", "/", cookies: repSession).body)
        #expect(try await server.request("GET", "/admin/users/rep", cookies: repSession).status == 403)
        #expect(try await server.request("POST", "/admin/users/rep/roles", form: [("_csrf", repCSRF), ("role", "admin")], cookies: repSession).status == 403)
        #expect(try server.engine.read(as: .system) { try $0.user(login: "rep")?.roles } == ["sales_rep"])
        let runs = try server.engine.read(as: .system) { try $0.scheduleRuns("birthdays").count }
        #expect(try await server.request("POST", "/admin/schedules/birthdays/run", form: [("_csrf", repCSRF)], cookies: repSession).status == 403)
        #expect(try server.engine.read(as: .system) { try $0.scheduleRuns("birthdays").count } == runs)
    }
}

extension AdminPageTests {
    /// A department's page renames it, moves it and sets its head; it offers no place under
    /// itself, and only administrators with the form's token may post it.
    @Test func administratorsRenameAndMoveDepartments() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("root", roles: ["admin"], department: "HQ", password: "Root-pass-1")
        _ = try server.user("rep", roles: ["sales_rep"], department: "HQ", password: "Rep-pass-1")
        let east = try server.engine.addDepartment(name: "East", parent: "HQ")
        try server.engine.addDepartment(name: "Suzhou", parent: "East")
        let session = try await PageTests.signIn(server, "root", "Root-pass-1")
        #expect(try await server.request("GET", "/admin", cookies: session).body.contains(#"<a href="/admin/departments/\#(east.id)">East</a>"#))
        let page = try await server.request("GET", "/admin/departments/\(east.id)", cookies: session)
        #expect(page.status == 200 && page.body.contains(#"value="East""#) && page.body.contains("<option selected>HQ</option>"))
        #expect(!page.body.contains("<option>Suzhou</option>") && !page.body.contains("<option>East</option>"), "not under itself or below")
        let csrf = PageTests.csrf(in: page.body)

        let saved = try await server.request(
            "POST", "/admin/departments/\(east.id)", form: [("_csrf", csrf), ("name", "East China <华东>"), ("parent", ""), ("head", "rep")], cookies: session)
        #expect(saved.status == 302)
        let stored = try #require(try server.engine.read(as: .system) { try $0.department(id: east.id) })
        #expect(stored.name == "East China <华东>" && stored.parentID == nil && stored.headID != nil)
        #expect(try await server.request("GET", "/admin", cookies: session).body.contains("East China &lt;华东&gt;"))
        let cycle = try await server.request(
            "POST", "/admin/departments/\(east.id)", form: [("_csrf", csrf), ("name", "East"), ("parent", "Suzhou")], cookies: session)
        #expect(cycle.status == 400)

        // Without the token, or as a rep: refused, nothing changed.
        #expect(try await server.request("POST", "/admin/departments/\(east.id)", form: [("name", "Forged")], cookies: session).status == 403)
        let repSession = try await PageTests.signIn(server, "rep", "Rep-pass-1")
        let repCSRF = PageTests.csrf(in: try await server.request("GET", "/", cookies: repSession).body)
        #expect(try await server.request("GET", "/admin/departments/\(east.id)", cookies: repSession).status == 403)
        #expect(try await server.request("POST", "/admin/departments/\(east.id)", form: [("_csrf", repCSRF), ("name", "Mine")], cookies: repSession).status == 403)
        #expect(try server.engine.read(as: .system) { try $0.department(id: east.id)?.name } == "East China <华东>")
    }
}
