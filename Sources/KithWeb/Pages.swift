import Foundation
import HTTPTypes
import Hummingbird
import KithEngine
import KithSchema
import KithStore
import Mustache
import NIOCore

/// The HTML UI of `http.md`, generated from the schema: server-rendered pages that work without
/// JavaScript, every value escaped by the templates, every form carrying the session's CSRF token.
struct Pages: Sendable {
    static let languageCookie = "kith_lang"
    static let loginCSRFCookie = "kith_login_csrf"

    let engine: Engine
    let sessions: SessionStore
    let authenticator: Authenticator
    let templates: MustacheLibrary
    /// The workspace's language, for users who chose none.
    let defaultLanguage: String
    /// The menu groups and their entities, in Chinese and English, worked out once.
    let navigation: (zh: [MenuGroup], en: [MenuGroup])
    /// Imports running or recently finished, for the import page's progress: the server's, so
    /// they outlive a reload.
    let imports: ImportJobs
    /// The workspace served, to reload it from the admin page.
    let workspace: ServedWorkspace
    /// Menus by language and roles (see `menus`).
    let menuCache = LockedDictionary<String, String>()
    /// Choice labels by dictionary and language (see `Display`).
    let labelCache = LockedDictionary<String, [String: String]>()

    struct MenuGroup: Sendable {
        let label: String
        let entries: [(name: String, label: String)]
    }

    static func navigation(_ schema: Schema, _ language: String) -> [MenuGroup] {
        var groups: [MenuGroup] = []
        let entities = schema.entities.filter { $0.detailOf == nil }
        func entry(_ entity: Entity) -> (name: String, label: String) {
            (entity.name, entity.pluralLabel(for: language))
        }
        for menu in schema.menus.sorted(by: { $0.position < $1.position }) {
            let items = entities.filter { $0.menu == menu.name }.map(entry)
            if !items.isEmpty { groups.append(MenuGroup(label: menu.labels.text(for: language, fallback: menu.name.humanizedName), entries: items)) }
        }
        // A group no <menu> declares is named after itself ("fleet" → "Fleet"), in the order entities name it.
        var undeclared: [String] = []
        for entity in entities {
            if let name = entity.menu, !schema.menus.contains(where: { $0.name == name }), !undeclared.contains(name) { undeclared.append(name) }
        }
        for name in undeclared { groups.append(MenuGroup(label: name.humanizedName, entries: entities.filter { $0.menu == name }.map(entry))) }
        let unplaced = entities.filter { $0.menu == nil }
        if !unplaced.isEmpty { groups.append(MenuGroup(label: language == "zh" ? "其他" : "More", entries: unplaced.map(entry))) }
        return groups
    }

    var schema: Schema { engine.schema }

    init(
        engine: Engine, workspace: ServedWorkspace, sessions: SessionStore, imports: ImportJobs, authenticator: Authenticator,
        defaultLanguage: String
    ) {
        self.engine = engine
        self.workspace = workspace
        self.imports = imports
        self.defaultLanguage = defaultLanguage == "en" ? "en" : "zh"
        navigation = (Self.navigation(engine.schema, "zh"), Self.navigation(engine.schema, "en"))
        self.sessions = sessions
        self.authenticator = authenticator
        do {
            templates = try Templates.library()
        } catch {
            fatalError("the built-in templates do not parse: \(error)")  // a build defect, caught by every UI test
        }
    }

    func register(on router: Router<WebContext>) {
        router.get("static/kith.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: Templates.css)))
        }
        router.get("static/kith.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: Templates.script)))
        }
        router.get("e/:entity/lookup") { request, context in try await page(request, context) { try lookup($0) } }
        router.get("login") { request, context in loginPage(request, context, error: nil, login: "") }
        router.post("login") { request, context in try await signIn(request, context) }
        // The browser's language (before signing in, or for a user who chose none)...
        router.get("lang/:language") { _, context in
            Self.languageChosen(context.parameters.get("language") == "en" ? "en" : "zh")
        }
        // ...and, signed in, the user's: a form with its CSRF token, kept on every browser they use.
        router.post("lang/:language") { request, context in
            try await page(request, context) { page in
                _ = try await page.form()
                let language = page.context.parameters.get("language") == "en" ? "en" : "zh"
                try engine.store.write(as: .system) { try $0.setLanguage(page.user.id, language) }
                if let session = page.context.session, let changed = try engine.read(as: .system, { try $0.user(id: page.user.id) }) {
                    sessions.remember(changed, in: session.id)
                }
                return Self.languageChosen(language)
            }
        }
        router.post("logout") { request, context in
            try await page(request, context) { page in
                _ = try await page.form()
                if let session = page.context.session { sessions.end(session.id) }
                var response = Response.redirect(to: "/login")
                response.setCookie(Cookie(name: Authenticator.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
                return response
            }
        }
        router.get("/") { request, context in try await page(request, context) { try workbench($0) } }
        router.get("inbox") { request, context in try await page(request, context) { try inbox($0) } }
        router.post("inbox/read") { request, context in try await page(request, context) { try await markAllRead($0) } }
        router.get("approvals") { request, context in try await page(request, context) { try approvals($0) } }
        router.get("calendar") { request, context in try await page(request, context) { try calendar($0) } }
        router.get("files/:id") { request, context in try await page(request, context) { try API.download(engine, $0.context, $0.user) } }
        registerAdmin(on: router)
        router.get("reports") { request, context in try await page(request, context) { try reportIndex($0) } }
        router.get("reports/:name") { request, context in try await page(request, context) { try report($0) } }
        router.get("e/:entity") { request, context in try await page(request, context) { try list($0) } }
        router.get("e/:entity/export.csv") { request, context in try await page(request, context) { try export($0) } }
        router.get("e/:entity/import") { request, context in try await page(request, context) { try importPage($0) } }
        router.post("e/:entity/import") { request, context in try await page(request, context) { try await importCSV($0) } }
        router.get("e/:entity/new") { request, context in try await page(request, context) { try editForm($0, id: nil) } }
        router.post("e/:entity") { request, context in try await page(request, context) { try await save($0, id: nil) } }
        router.get("e/:entity/:id") { request, context in
            try await page(request, context) { page in
                let shown = try recordPage(page)
                countView(page)
                return shown
            }
        }
        router.get("e/:entity/:id/edit") { request, context in
            try await page(request, context) { page in try editForm(page, id: try page.recordID()) }
        }
        router.post("e/:entity/:id") { request, context in
            try await page(request, context) { page in try await save(page, id: try page.recordID()) }
        }
        router.post("e/:entity/:id/transition/:name") { request, context in try await page(request, context) { try await transition($0) } }
        router.post("e/:entity/:id/transfer") { request, context in try await page(request, context) { try await transfer($0) } }
        router.post("e/:entity/views") { request, context in try await page(request, context) { try await saveView($0) } }
        router.post("e/:entity/views/:view/delete") { request, context in try await page(request, context) { try await deleteView($0) } }
        router.post("e/:entity/:id/restore/:version") { request, context in try await page(request, context) { try await restoreChange($0) } }
        router.get("e/:entity/import/:job") { request, context in try await page(request, context) { try importProgress($0) } }
        router.post("e/:entity/bulk") { request, context in try await page(request, context) { try await bulk($0) } }
        router.post("e/:entity/:id/claim") { request, context in try await page(request, context) { try await pool($0, claim: true) } }
        router.post("e/:entity/:id/release") { request, context in try await page(request, context) { try await pool($0, claim: false) } }
        router.post("e/:entity/:id/share") { request, context in try await page(request, context) { try await share($0) } }
        router.post("e/:entity/:id/approval") { request, context in try await page(request, context) { try await decide($0) } }
        router.post("e/:entity/:id/convert/:name") { request, context in try await page(request, context) { try await convert($0) } }
    }

    // MARK: Rendering

    /// One page request by a signed-in user: redirects to the sign-in page otherwise, and turns
    /// failures into an explained page.
    func page(_ request: Request, _ context: WebContext, _ body: (inout PageRequest) async throws -> Response) async throws -> Response {
        var context = context
        let user: DirectoryUser?
        do {
            user = try authenticator.identify(request, &context)
        } catch {
            context.logger.error("session check failed: \(error)")
            return message(nil, context, request, status: .internalServerError, heading: "Error", text: "The server could not check your session.")
        }
        guard let user, context.session != nil else {
            if request.method == .get {
                let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return .redirect(to: "/login?" + QueryItems.encode([("next", next)]))
            }
            return message(nil, context, request, status: .unauthorized, heading: "Kith", text: PageText.texts(language(request))["csrf"] ?? "")
        }
        context.caller = user
        var page = PageRequest(request: request, context: context, user: user, language: user.language ?? language(request), pages: self)
        do {
            return try await body(&page)
        } catch let problem as Problem {
            return message(user, context, request, status: problem.status, heading: problem.title, text: problem.detail)
        } catch let error as RecordError {
            if error.code == .storage || error.code == .rule { context.logger.error("\(error)") }
            let problem = Problem(error)
            return message(user, context, request, status: problem.status, heading: problem.title, text: problem.detail)
        }
    }

    static func languageChosen(_ language: String) -> Response {
        var response = Response.redirect(to: "/")
        response.setCookie(Cookie(name: languageCookie, value: language, maxAge: 365 * 86400, path: "/", httpOnly: true, sameSite: .lax))
        return response
    }

    func render(_ template: String, _ values: [String: Any], page: PageRequest, status: HTTPResponse.Status = .ok) -> Response {
        render(template, values, user: page.user, context: page.context, language: page.language, status: status)
    }

    /// A template's page: its body, then the frame every page shares around it.
    func render(
        _ template: String, _ values: [String: Any], user: DirectoryUser?, context: WebContext, language: String, status: HTTPResponse.Status = .ok
    ) -> Response {
        var all: [String: Any] = ["lang": language, "csrf": context.session?.csrf ?? ""]
        for (key, value) in values { all[key] = value }
        all = Self.withoutEmptyText(all)
        all["t"] = PageText.texts(language)  // none is empty: filtering them cost every page
        let body = templates.render(all, withTemplate: template) ?? ""
        return html(frame(title: values["title"] as? String ?? "", body: body, user: user, context: context, language: language), status: status)
    }

    /// Template values without their empty texts. The template engine renders a section
    /// (`{{#restore}}...{{/restore}}`) for any value but `false`, nil and an empty list, so an
    /// empty text would show what it guards: a button for a restore that does not exist.
    static func withoutEmptyText(_ values: [String: Any]) -> [String: Any] {
        var kept: [String: Any] = [:]
        kept.reserveCapacity(values.count)
        for (key, value) in values {
            switch value {
            case let text as String where text.isEmpty: continue
            case let texts as [String: String]: kept[key] = texts.filter { !$0.value.isEmpty }
            case let object as [String: Any]: kept[key] = withoutEmptyText(object)
            case let list as [[String: Any]]: kept[key] = list.map(withoutEmptyText)
            default: kept[key] = value
            }
        }
        return kept
    }

    /// The frame of every page (head, menus, the user's name, language switch and sign-out),
    /// written here with escaping: through the template engine it cost a tenth of a list page.
    func frame(title: String, body: String, user: DirectoryUser?, context: WebContext, language: String) -> String {
        frameStart(title: title, user: user, context: context, language: language) + body + Self.frameEnd
    }

    static let frameEnd = "\n</main></body></html>"

    /// The frame up to the page's body (`<main>`).
    func frameStart(title: String, user: DirectoryUser?, context: WebContext, language: String) -> String {
        let texts = PageText.texts(language)
        let text = { (key: String) in HTML.escape(texts[key] ?? "") }
        var output = "<!DOCTYPE html>\n<html lang=\"\(language == "en" ? "en" : "zh")\"><head><meta charset=\"utf-8\">"
        output.reserveCapacity(4_096)
        output += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>\(HTML.escape(title)) · Kith</title>"
        output += "<link rel=\"stylesheet\" href=\"/static/kith.css\"><script src=\"/static/kith.js\" defer></script></head>\n<body>\n"
        if let user {
            let other = language == "zh" ? ("en", "English") : ("zh", "中文")
            output += "<header class=\"top\"><a class=\"brand\" href=\"/\">Kith</a>\n<nav>" + menus(language, user)
            output += "\n<a href=\"/inbox\">\(text("inbox"))</a> <a href=\"/approvals\">\(text("approvals"))</a> "
            output += "<a href=\"/calendar\">\(text("calendar"))</a> <a href=\"/reports\">\(text("reports"))</a>"
            if user.roles.contains(Role.administrator) { output += " <a href=\"/admin\">\(text("admin"))</a>" }
            let csrf = "<input type=\"hidden\" name=\"_csrf\" value=\"\(HTML.escape(context.session?.csrf ?? ""))\">"
            output += "</nav>\n<span class=\"who\">\(HTML.escape(user.name)) · "
            output += "<form method=\"post\" action=\"/lang/\(other.0)\" class=\"inline language\">\(csrf)<button class=\"link\">\(other.1)</button></form>\n"
            output += "<form method=\"post\" action=\"/logout\" class=\"inline\">\(csrf)<button class=\"link\">\(text("signOut"))</button></form></span>\n</header>\n"
        }
        return output + "<main>\n"
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        html(ByteBuffer(string: text), status: status)
    }

    func html(_ body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// The menus of the user's roles in a language, as HTML: only the entities the roles let them
    /// read. Worked out once per language and set of roles.
    func menus(_ language: String, _ user: DirectoryUser) -> String {
        let key = language + ":" + user.roles.sorted().joined(separator: ",")
        if let known = menuCache[key] { return known }
        var output = ""
        for group in language == "zh" ? navigation.zh : navigation.en {
            let entries = group.entries.filter { mayRead($0.name, user) }
            guard !entries.isEmpty else { continue }
            output += "<details><summary>\(HTML.escape(group.label))</summary><ul>"
            for entry in entries { output += "<li><a href=\"/e/\(HTML.escape(entry.name))\">\(HTML.escape(entry.label))</a></li>" }
            output += "</ul></details>"
        }
        menuCache[key] = output
        return output
    }

    /// Whether any of the user's roles grants reading the entity (shares aside).
    func mayRead(_ entity: String, _ user: DirectoryUser) -> Bool {
        user.roles.contains(Role.administrator) || AccessPolicy.grants(entity, roles: user.roles, schema: schema).read != .no
    }

    func message(
        _ user: DirectoryUser?, _ context: WebContext, _ request: Request, status: HTTPResponse.Status, heading: String, text: String,
        note: String? = nil, back: String = "/", language: String? = nil
    ) -> Response {
        let values: [String: Any?] = ["title": heading, "heading": heading, "text": text, "note": note, "back": back]
        return render("message", values.compactMapValues { $0 }, user: user, context: context, language: language ?? self.language(request), status: status)
    }

    func language(_ request: Request) -> String {
        if let chosen = request.cookie(Self.languageCookie) { return chosen == "en" ? "en" : "zh" }
        if let accept = request.headers[.acceptLanguage], accept.lowercased().hasPrefix("en") { return "en" }
        return defaultLanguage
    }

    func label(_ entity: Entity, _ language: String) -> String { entity.labels.text(for: language, fallback: entity.name.humanizedName) }
    func label(_ field: Field, _ language: String) -> String { field.labels.text(for: language, fallback: field.name.humanizedName) }

    /// A query of `entity` showing `fields`, with the titles of the records their references point
    /// at, as far as `actor` may read them.
    func withTitles(_ query: RecordQuery, _ entity: Entity, fields: [Field], for actor: Actor, in transaction: RecordTransaction) throws -> RecordQuery {
        var query = query
        for field in fields where field.type == .ref || field.type == .multiref {
            if let target = field.target, query.titles[target] == nil { query.titles[target] = try engine.access(target, for: actor, in: transaction) }
        }
        return query
    }

    func pluralLabel(_ entity: Entity, _ language: String) -> String {
        entity.pluralLabel(for: language)
    }

    // MARK: Sign-in

    func loginPage(_ request: Request, _ context: WebContext, error: String?, login: String, status: HTTPResponse.Status = .ok) -> Response {
        let language = language(request)
        let token = SessionStore.random()
        let values: [String: Any?] = [
            "title": PageText.texts(language)["signIn"], "csrf": token, "next": QueryItems(request.uri.query).first("next") ?? "/",
            "error": error, "login": login,
        ]
        var response = render("login", values.compactMapValues { $0 }, user: nil, context: context, language: language, status: status)
        response.setCookie(Cookie(name: Self.loginCSRFCookie, value: token, path: "/login", httpOnly: true, sameSite: .strict))
        return response
    }

    func signIn(_ request: Request, _ context: WebContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let form = FormData(String(buffer: body))
        let texts = PageText.texts(language(request))
        guard let token = request.cookie(Self.loginCSRFCookie), form.first("_csrf") == token else {
            return message(nil, context, request, status: .forbidden, heading: "Kith", text: texts["csrf"] ?? "")
        }
        let login = form.first("login") ?? ""
        if sessions.isLockedOut(login) {
            try? engine.store.write(as: .system) { try $0.logEvent("sign-in-locked", login: login, source: context.source) }
            return loginPage(request, context, error: texts["lockedOut"], login: login, status: .tooManyRequests)
        }
        guard let user = try engine.signIn(login: login, password: form.first("password") ?? "", source: context.source) else {
            sessions.recordFailure(login)
            return loginPage(request, context, error: texts["badLogin"], login: login, status: .unauthorized)
        }
        sessions.recordSuccess(login)
        let session = sessions.create(for: user.id)
        var next = form.first("next") ?? "/"
        if !next.hasPrefix("/") || next.hasPrefix("//") { next = "/" }  // no open redirects
        var response = Response.redirect(to: next, type: .found)
        response.setCookie(Cookie(name: Authenticator.sessionCookie, value: session.id, path: "/", httpOnly: true, sameSite: .lax))
        if let language = user.language {  // the user's own language, in this browser too
            response.setCookie(Cookie(name: Self.languageCookie, value: language, maxAge: 365 * 86400, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }
}

/// One page request of a signed-in user, with the helpers every page needs.
struct PageRequest {
    var request: Request
    var context: WebContext
    let user: DirectoryUser
    let language: String
    let pages: Pages
    var parsedForm: FormData?

    var texts: [String: String] { PageText.texts(language) }

    /// The page's text `key` (else `fallback`) with each `{name}` in it replaced by its value.
    func text(_ key: String, fallback: String, _ values: [String: String]) -> String {
        values.reduce(texts[key] ?? fallback) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    /// What is wrong with a field's value, in the page's language.
    func problem(_ problem: FieldProblem) -> String {
        PageText.problem(problem, language: language) { name in pages.schema.entity(name).map { pages.label($0, language) } ?? name }
    }

    func entity() throws -> Entity {
        let name = context.parameters.get("entity") ?? ""
        guard let entity = pages.schema.entity(name), entity.detailOf == nil else { throw Problem(.notFound, "there is no page '\(name)'") }
        return entity
    }

    func recordID() throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw Problem(.notFound, "not a record") }
        return id
    }

    /// The posted form, after checking its CSRF token against the session's.
    mutating func form() async throws -> FormData {
        if let parsedForm { return parsedForm }
        let body = try await request.collectBody(upTo: pages.engine.requestBodyLimit)
        let form: FormData
        if let boundary = request.headers[.contentType].flatMap(Multipart.boundary) {
            // Files arrive as text (an uploaded CSV), without a byte order mark, and as uploads.
            let parts = Multipart.parse(Array(buffer: body), boundary: boundary)
            var uploads: [String: Multipart.Part] = [:]
            for part in parts where part.filename?.isEmpty == false && !part.bytes.isEmpty { uploads[part.name] = part }
            form = FormData(
                items: parts.map { part in
                    let bytes = part.bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(part.bytes.dropFirst(3)) : part.bytes
                    return (part.name, String(decoding: bytes, as: UTF8.self))
                }, uploads: uploads)
        } else {
            form = FormData(String(buffer: body))
        }
        guard let session = context.session, form.first("_csrf") == session.csrf else {
            throw Problem(.forbidden, texts["csrf"] ?? "", title: "CSRF")
        }
        parsedForm = form
        return form
    }
}

/// An `application/x-www-form-urlencoded` body.
struct FormData {
    let items: [(String, String)]
    /// Files chosen in a multipart form, by field name.
    var uploads: [String: Multipart.Part] = [:]
    init(_ text: String) { items = QueryItems(text).items }
    init(items: [(String, String)], uploads: [String: Multipart.Part] = [:]) {
        self.items = items
        self.uploads = uploads
    }
    func first(_ name: String) -> String? { items.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { items.filter { $0.0 == name }.map(\.1) }
    /// The last value (a checkbox after its hidden default).
    func last(_ name: String) -> String? { items.last { $0.0 == name }?.1 }
}
