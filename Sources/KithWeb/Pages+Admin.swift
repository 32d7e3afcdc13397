import Foundation
import Hummingbird
import KithEngine
import KithSchema
import KithStore

/// The admin pages (系统管理): users and their roles, departments, API tokens, dictionaries,
/// schedules, rules and the system log. Administrators only; every change is in the system log.
extension Pages {
    func registerAdmin(on router: Router<WebContext>) {
        router.get("admin") { request, context in try await page(request, context) { try admin($0) } }
        router.get("admin/users/:login") { request, context in try await page(request, context) { try adminUser($0) } }
        router.post("admin/users") { request, context in try await page(request, context) { try await addUser($0) } }
        router.post("admin/users/:login/:change") { request, context in try await page(request, context) { try await changeUser($0) } }
        router.post("admin/departments") { request, context in try await page(request, context) { try await addDepartment($0) } }
        router.get("admin/departments/:id") { request, context in try await page(request, context) { try adminDepartment($0) } }
        router.post("admin/departments/:id") { request, context in try await page(request, context) { try await changeDepartment($0) } }
        router.post("admin/tokens") { request, context in try await page(request, context) { try await createToken($0) } }
        router.post("admin/tokens/:id/revoke") { request, context in try await page(request, context) { try await revokeToken($0) } }
        router.post("admin/workspace/reload") { request, context in try await page(request, context) { try await reloadWorkspace($0) } }
        router.post("admin/schedules/:name/run") { request, context in try await page(request, context) { try await runSchedule($0) } }
    }

    /// Refuses (and logs) anyone but an administrator.
    func requireAdministrator(_ page: PageRequest) throws {
        guard page.user.roles.contains(Role.administrator) else {
            try? engine.store.write(as: .system) {
                try $0.logEvent("permission-denied", user: page.user.id, login: page.user.login, source: page.context.source, detail: "admin pages")
            }
            throw Problem(.forbidden, page.texts["forbidden"] ?? "")
        }
    }

    /// A posted admin form: its CSRF token checked, and the user an administrator.
    func administratorsForm(_ page: inout PageRequest) async throws -> FormData {
        try requireAdministrator(page)
        return try await page.form()
    }

    var roleNames: [String] { [Role.administrator] + schema.roles.map(\.name) }

    /// A role as people read it: its label in the language, else its name humanized.
    func roleLabel(_ name: String, _ language: String) -> String {
        if name == Role.administrator { return language == "zh" ? "管理员" : "Administrator" }
        return schema.role(name)?.labels.text(for: language, fallback: name.humanizedName) ?? name
    }

    func admin(_ page: PageRequest) throws -> Response {
        try requireAdministrator(page)
        let values = try engine.read(as: page.user.actor) { transaction -> [String: Any] in
            let users = try transaction.allUsers()
            let departments = try transaction.allDepartments()
            let names = Dictionary(departments.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            let logins = Dictionary(users.map { ($0.id, $0.login) }, uniquingKeysWith: { first, _ in first })
            // The tree, depth-first, indented by level.
            var tree: [[String: Any]] = []
            func walk(_ parent: Int64?, _ depth: Int) {
                for department in departments where department.parentID == parent {
                    tree.append([
                        "id": department.id, "name": department.name, "indent": String(repeating: "　", count: depth),
                        "head": department.headID.flatMap { logins[$0] } ?? "",
                        "people": users.filter { $0.departmentID == department.id }.count,
                    ])
                    walk(department.id, depth + 1)
                }
            }
            walk(nil, 0)
            let scripts = engine.rules.library.modules.filter { !$0.isTest }.map(\.display)
            let time = DateFormatter()
            time.dateFormat = "yyyy-MM-dd HH:mm:ss"
            time.timeZone = engine.store.timeZone
            return [
                "title": page.texts["admin"] ?? "",
                "users": users.map {
                    [
                        "login": $0.login, "name": $0.name, "roles": $0.roles.map { roleLabel($0, page.language) }.joined(separator: ", "),
                        "department": $0.departmentID.flatMap { names[$0] } ?? "", "active": $0.isActive ? "✓" : "—",
                    ]
                },
                "departments": tree,
                "departmentChoices": departments.map { ["name": $0.name] },
                "userChoices": users.filter(\.isActive).map { ["login": $0.login, "name": $0.name] },
                "roleChoices": roleNames.map { ["name": $0, "label": roleLabel($0, page.language)] },
                "tokens": try transaction.tokens().map {
                    [
                        "id": $0.id, "login": $0.login, "name": $0.name, "created": Display.time($0.createdAt, in: engine.store.timeZone),
                        "used": Display.time($0.lastUsedAt ?? "", in: engine.store.timeZone),
                        "revoked": Display.time($0.revokedAt ?? "", in: engine.store.timeZone), "live": $0.revokedAt == nil,
                    ] as [String: Any]
                },
                "entityCount": schema.entities.count,
                "modules": schema.modules.map { "\($0.name) v\($0.version)" },
                "lastReload": workspace.lastReload.map { reload -> Any in
                    [
                        "succeeded": reload.succeeded, "at": time.string(from: reload.at), "seconds": String(format: "%.1f", reload.seconds),
                        "problems": reload.problems,
                        "changes": reload.changes, "hasChanges": !reload.changes.isEmpty,
                        "warnings": reload.warnings, "hasWarnings": !reload.warnings.isEmpty,
                    ]
                } ?? false,
                "dictionaries": schema.dictionaries.map { dictionary in
                    [
                        "name": dictionary.labels.text(for: page.language, fallback: dictionary.name), "file": dictionary.location.description,
                        "items": dictionary.items.map { $0.labels.text(for: page.language, fallback: $0.value) + " (\($0.value))" }.joined(separator: " · "),
                    ]
                },
                "events": try transaction.systemLog(limit: 100).map {
                    ["at": Display.time($0.at, in: engine.store.timeZone, length: 19), "kind": $0.kind, "login": $0.login ?? "", "source": $0.source ?? "", "detail": $0.detail]
                },
                "rules": "\(engine.rules.pool.states) ready Lua states, \(engine.rules.pool.bytes / 1024) KB",
                "ruleProblems": engine.rules.problems.map(\.description),
                "scripts": scripts, "scriptCount": scripts.count,
                "faults": engine.ruleFaults.latest.map { fault in
                    [
                        "at": time.string(from: fault.at), "entity": fault.entity, "function": fault.function ?? "",
                        "location": fault.location ?? "", "message": "\(fault.kind.rawValue): \(fault.message)",
                    ]
                },
                "schedules": try schema.schedules.map { schedule -> [String: Any] in
                    let last = try transaction.scheduleRuns(schedule.name, limit: 1).first
                    return [
                        "schedule": schedule.name, "name": schedule.labels.text(for: page.language, fallback: schedule.name),
                        "cron": schedule.cron.text,
                        "enabled": schedule.isEnabled ? "✓" : "—", "last": last.map { "\(Display.time($0.startedAt, in: engine.store.timeZone)) \($0.outcome)" } ?? "",
                        "error": last?.error ?? "",
                    ]
                },
            ]
        }
        return render("admin", values, page: page)
    }

    /// One user: roles, department and manager, enabled or not, a new password.
    func adminUser(_ page: PageRequest) throws -> Response {
        try requireAdministrator(page)
        let login = page.context.parameters.get("login") ?? ""
        let values = try engine.read(as: page.user.actor) { transaction -> [String: Any] in
            guard let user = try transaction.user(login: login) else { throw Problem(.notFound, "there is no user '\(login)'") }
            let manager = try user.managerID.flatMap { try transaction.user(id: $0) }
            return [
                "title": user.name, "login": user.login, "name": user.name, "email": user.email ?? "", "active": user.isActive,
                "roleChoices": roleNames.map { ["name": $0, "label": roleLabel($0, page.language), "checked": user.roles.contains($0)] },
                "departmentChoices": try transaction.allDepartments().map { ["name": $0.name, "selected": $0.id == user.departmentID] },
                "managerChoices": try transaction.allUsers().filter { $0.isActive && $0.id != user.id }.map {
                    ["login": $0.login, "name": $0.name, "selected": $0.login == manager?.login]
                },
            ]
        }
        return render("adminUser", values, page: page)
    }

    func addUser(_ page: PageRequest) async throws -> Response {
        var page = page
        let form = try await administratorsForm(&page)
        let login = form.first("login") ?? ""
        let password = form.first("password") ?? ""
        try Engine.checkPassword(password)
        let user = try engine.addUser(
            login: login, name: nonEmpty(form.first("name")), email: nonEmpty(form.first("email")), phone: nonEmpty(form.first("phone")),
            language: nonEmpty(form.first("language")), roles: form.all("role"),
            department: nonEmpty(form.first("department")), manager: nonEmpty(form.first("manager")), password: password)
        try logChange("user-added", detail: user.login, page)
        return .redirect(to: "/admin/users/\(user.login)", type: .found)
    }

    func changeUser(_ page: PageRequest) async throws -> Response {
        var page = page
        let form = try await administratorsForm(&page)
        let login = page.context.parameters.get("login") ?? ""
        switch page.context.parameters.get("change") {
        case "roles":
            try engine.setRoles(login: login, roles: form.all("role"), by: page.user)
        case "placement":
            try engine.setPlacement(login: login, department: nonEmpty(form.first("department")), manager: nonEmpty(form.first("manager")), by: page.user)
        case "active":
            try engine.setActive(login: login, active: form.first("active") == "1", by: page.user)
        case "password":
            try engine.setPassword(login: login, password: form.first("password") ?? "", by: page.user)
        default:
            throw Problem(.notFound, "no such change")
        }
        return .redirect(to: "/admin/users/\(login.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? login)", type: .found)
    }

    func addDepartment(_ page: PageRequest) async throws -> Response {
        var page = page
        let form = try await administratorsForm(&page)
        let name = (form.first("name") ?? "").trimmingCharacters(in: .whitespaces)
        let department = try engine.addDepartment(name: name, parent: nonEmpty(form.first("parent")), head: nonEmpty(form.first("head")))
        try logChange("department-added", detail: department.name, page)
        return .redirect(to: "/admin#departments", type: .found)
    }

    /// One department: its name, where it sits in the tree, its head.
    func adminDepartment(_ page: PageRequest) throws -> Response {
        try requireAdministrator(page)
        let id = page.context.parameters.get("id").flatMap { Int64($0) } ?? 0
        let values = try engine.read(as: page.user.actor) { transaction -> [String: Any] in
            guard let department = try transaction.department(id: id) else { throw Problem(.notFound, "there is no department #\(id)") }
            let below = Set(try transaction.departmentTree(id))  // it cannot go under these
            let users = try transaction.allUsers()
            return [
                "title": department.name, "id": department.id, "name": department.name,
                "people": users.filter { $0.departmentID == id }.count,
                "parentChoices": try transaction.allDepartments().filter { !below.contains($0.id) }.map {
                    ["name": $0.name, "selected": $0.id == department.parentID]
                },
                "headChoices": users.filter(\.isActive).map { ["login": $0.login, "name": $0.name, "selected": $0.id == department.headID] },
            ]
        }
        return render("adminDepartment", values, page: page)
    }

    func changeDepartment(_ page: PageRequest) async throws -> Response {
        var page = page
        let form = try await administratorsForm(&page)
        let id = page.context.parameters.get("id").flatMap { Int64($0) } ?? 0
        guard let current = try engine.read(as: .system, { try $0.department(id: id) }) else {
            throw Problem(.notFound, "there is no department #\(id)")
        }
        try engine.updateDepartment(
            current.name, name: form.first("name") ?? "", parent: nonEmpty(form.first("parent")), head: nonEmpty(form.first("head")), by: page.user)
        return .redirect(to: "/admin#departments", type: .found)
    }

    /// Creates a token and shows it, the only time it is ever shown.
    func createToken(_ page: PageRequest) async throws -> Response {
        var page = page
        let form = try await administratorsForm(&page)
        let token = try engine.createToken(
            for: form.first("login") ?? "", name: form.first("name") ?? "", by: page.user, source: page.context.source ?? "admin page")
        return message(
            page.user, page.context, page.request, status: .ok, heading: page.texts["tokenCreated"] ?? "", text: token,
            note: page.texts["tokenOnce"], back: "/admin#tokens", language: page.language)
    }

    func revokeToken(_ page: PageRequest) async throws -> Response {
        var page = page
        _ = try await administratorsForm(&page)
        guard let id = page.context.parameters.get("id").flatMap({ Int64($0) }) else { throw Problem(.notFound, "no such token") }
        try engine.revokeToken(id, by: page.user)
        return .redirect(to: "/admin#tokens", type: .found)
    }

    /// Loads the workspace's files again (see `ServedWorkspace.reload`); the admin page then shows
    /// what changed or why nothing did. The next request is served by the new schema's routes.
    func reloadWorkspace(_ page: PageRequest) async throws -> Response {
        var page = page
        _ = try await administratorsForm(&page)
        let (workspace, user) = (workspace, page.user)
        let source = page.context.source
        // Reading the files and migrating block a thread.
        try await Self.offTheRequestThreads { () throws(RecordError) in _ = try workspace.reload(by: user, source: source) }
        return .redirect(to: "/admin#workspace", type: .found)
    }

    /// **Run now**: runs a schedule at once (see `Engine.runScheduleNow`); the admin page then
    /// shows the run, as it shows the scheduler's.
    func runSchedule(_ page: PageRequest) async throws -> Response {
        var page = page
        _ = try await administratorsForm(&page)
        let (engine, user, name) = (engine, page.user, page.context.parameters.get("name") ?? "")
        // A schedule may run long.
        _ = try await Self.offTheRequestThreads { () throws(RecordError) in try engine.runScheduleNow(name, by: user) }
        return .redirect(to: "/admin#schedules", type: .found)
    }

    /// Runs blocking work on a dispatch thread, not on one of the few threads that handle requests.
    static func offTheRequestThreads<T: Sendable>(_ work: @escaping @Sendable () throws(RecordError) -> T) async throws(RecordError) -> T {
        let outcome = await withCheckedContinuation { (done: CheckedContinuation<Result<T, RecordError>, Never>) in
            DispatchQueue.global().async { done.resume(returning: Result { () throws(RecordError) in try work() }) }
        }
        return try outcome.get()
    }

    /// An admin's change in the system log, with who and from where.
    func logChange(_ kind: String, detail: String, _ page: PageRequest) throws {
        try engine.store.write(as: .system) {
            try $0.logEvent(kind, user: page.user.id, login: page.user.login, source: page.context.source, detail: detail)
        }
    }

    func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }
}
