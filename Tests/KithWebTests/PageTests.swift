import Foundation
import KithEngine
import KithStore
import Testing

/// The HTML UI over HTTP: sign-in and lock-out, forms with errors next to fields, escaping, CSRF.
@Suite(.serialized) struct PageTests {
    /// Signs in through the login form; the session cookie.
    static func signIn(_ server: LiveServer, _ login: String, _ password: String) async throws -> [String: String] {
        let page = try await server.request("GET", "/login")
        let token = try #require(page.cookies["kith_login_csrf"])
        let posted = try await server.request(
            "POST", "/login", form: [("_csrf", token), ("login", login), ("password", password), ("next", "/")],
            cookies: ["kith_login_csrf": token])
        #expect(posted.status == 302)
        let session = try #require(posted.cookies["kith_session"])
        #expect(posted.setCookies.first { $0.hasPrefix("kith_session=") }?.contains("HttpOnly") == true)
        return ["kith_session": session]
    }

    /// A customer created through the API as the token's user; its id.
    static func customer(_ server: LiveServer, _ name: String, token: String) async throws -> Int {
        let made = try await server.request("POST", "/api/v1/customer", token: token, json: #"{"name": "\#(name)"}"#)
        #expect(made.status == 201, "\(made.body)")
        return made.object["id"] as? Int ?? 0
    }

    static func csrf(in html: String) -> String {
        guard let range = html.range(of: #"name="_csrf" value=""#) else { return "" }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func formsShowErrorsAndEscapeEverything() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Secret-pass-1")
        _ = try server.user("admin2", roles: ["admin"], department: "East", password: "Admin-pass-1")

        // Pages need a session: the sign-in page first.
        let anonymous = try await server.request("GET", "/e/customer")
        #expect(anonymous.status == 303)
        #expect(anonymous.header("location")?.hasPrefix("/login") == true)

        let session = try await Self.signIn(server, "rep", "Secret-pass-1")
        let home = try await server.request("GET", "/", cookies: session)
        #expect(home.status == 200)
        #expect(home.body.contains("Workbench"))
        #expect(home.header("content-security-policy")?.contains("script-src 'self'") == true)

        let form = try await server.request("GET", "/e/customer/new", cookies: session)
        #expect(form.status == 200)
        let token = Self.csrf(in: form.body)
        #expect(!token.isEmpty)

        // A validation error comes back next to the field, with what was typed kept.
        let invalid = try await server.request("POST", "/e/customer", form: [("_csrf", token), ("name", ""), ("phone", "021-1234")], cookies: session)
        #expect(invalid.status == 422)
        #expect(invalid.body.contains(#"class="problem">is required"#))
        #expect(invalid.body.contains("021-1234"))

        // Saved, then shown escaped on the record page and in the list.
        let payload = #"<script>alert("x")</script>"#
        let saved = try await server.request("POST", "/e/customer", form: [("_csrf", token), ("name", payload)], cookies: session)
        #expect(saved.status == 302)
        let location = try #require(saved.header("location"))
        for path in [location, "/e/customer", "/e/customer?q=alert"] {
            let page = try await server.request("GET", path, cookies: session)
            #expect(page.status == 200)
            #expect(!page.body.contains(payload), "unescaped on \(path)")
            #expect(page.body.contains("&lt;script&gt;"), "missing on \(path)")
        }

        // A form post without the session's CSRF token is refused and saves nothing.
        let before = try server.engine.read(as: .system) { try $0.count("customer").value }
        let forged = try await server.request("POST", "/e/customer", form: [("name", "Forged")], cookies: session)
        #expect(forged.status == 403)
        let wrong = try await server.request("POST", "/e/customer", form: [("_csrf", "guess"), ("name", "Forged")], cookies: session)
        #expect(wrong.status == 403)
        #expect(try server.engine.read(as: .system) { try $0.count("customer").value } == before)

        // Import: an uploaded file (with a byte order mark, as spreadsheets write it); its columns
        // mapped by name or label, a column left out; a preview reports the bad row by line and
        // stores nothing; then the good rows, in the background with a progress page.
        let csv = "客户名称,phone,Shoe size\nImported One,021-5555-0101,42\n,021-5555-0102,43\nImported Three,021-5555-0103,44\n"
        let countBefore = try server.engine.read(as: .system) { try $0.count("customer").value }
        let boundary = "KithBoundary7MA4YWxk"
        let upload = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(token)\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"customers.csv\"\r\nContent-Type: text/csv\r\n\r\n\u{FEFF}\(csv)\r\n"
            + "--\(boundary)--\r\n"
        let mapping = try await server.request(
            "POST", "/e/customer/import", json: upload, headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"], cookies: session)
        #expect(mapping.status == 200)
        #expect(mapping.body.contains(#"<option value="name" selected>"#) && mapping.body.contains(#"<option value="phone" selected>"#))
        #expect(mapping.body.contains("Shoe size") && mapping.body.contains("Imported One"))
        let mapped: [(String, String)] = [("_csrf", token), ("csv", csv), ("map.0", "name"), ("map.1", "phone"), ("map.2", "")]
        let preview = try await server.request("POST", "/e/customer/import", form: mapped + [("apply", "0")], cookies: session)
        #expect(preview.status == 200)
        #expect(preview.body.contains("Line 3") && !preview.body.contains("is not a field"))
        #expect(try server.engine.read(as: .system) { try $0.count("customer").value } == countBefore)
        let started = try await server.request("POST", "/e/customer/import", form: mapped + [("skip", "1"), ("apply", "1")], cookies: session)
        #expect(started.status == 303)
        let progress = try #require(started.header("location"))
        var applied = try await server.request("GET", progress, cookies: session)
        for _ in 0..<50 where !applied.body.contains("imported") {
            try await Task.sleep(for: .milliseconds(100))
            applied = try await server.request("GET", progress, cookies: session)
        }
        #expect(applied.body.contains("2 imported"))
        #expect(try server.engine.read(as: .system) { try $0.count("customer").value } == countBefore + 2)
        #expect(try await server.request("GET", progress, cookies: try await Self.signIn(server, "admin2", "Admin-pass-1")).status == 404)

        // The language is the user's: chosen once, it follows them to another browser.
        // Changing it is a form with the CSRF token, like every change.
        #expect(try await server.request("POST", "/lang/zh", form: [("_csrf", "forged")], cookies: session).status == 403)
        #expect(try server.engine.read(as: .system) { try $0.user(login: "rep") }?.language == nil)
        #expect(try await server.request("POST", "/lang/zh", form: [("_csrf", token)], cookies: session).status == 303)
        let elsewhere = try await Self.signIn(server, "rep", "Secret-pass-1")
        #expect(try await server.request("GET", "/", headers: ["Accept-Language": "en-US"], cookies: elsewhere).body.contains("工作台"))
        // On Chinese pages, what is wrong with a field is said in Chinese too.
        let chinese = try await server.request(
            "POST", "/e/customer", form: [("_csrf", token), ("name", ""), ("phone", "abc"), ("email", "no-at-sign")], cookies: session)
        #expect(chinese.status == 422)
        #expect(chinese.body.contains(#"class="problem">必填"#))
        #expect(chinese.body.contains("「abc」不是有效的电话号码"))
        #expect(chinese.body.contains("「no-at-sign」不是有效的电子邮件地址"))
        #expect(!chinese.body.contains("is required") && !chinese.body.contains("is not a phone number"))
        let chinesePreview = try await server.request("POST", "/e/customer/import", form: mapped + [("apply", "0")], cookies: session)
        #expect(chinesePreview.body.contains("客户名称：必填"))
        // The rows imported before now look like stored customers: bad rows, unless allowed.
        #expect(chinesePreview.body.contains("客户名称：与已有记录「Imported One」（#") && chinesePreview.body.contains("也导入与已有记录"))
        let allowing = try await server.request("POST", "/e/customer/import", form: mapped + [("duplicates", "allow"), ("apply", "0")], cookies: session)
        #expect(!allowing.body.contains("客户名称：与已有记录") && allowing.body.contains(#"name="duplicates" value="allow" checked"#))
        let wronglyMapped = [("_csrf", token), ("csv", csv), ("map.0", "name"), ("map.1", "created_at"), ("map.2", ""), ("apply", "0")]
        #expect(try await server.request("POST", "/e/customer/import", form: wronglyMapped, cookies: session).body.contains("列「phone」不能填入「created_at」"))
        _ = try await server.request("POST", "/lang/en", form: [("_csrf", token)], cookies: session)

        // Signing out ends the session.
        let out = try await server.request("POST", "/logout", form: [("_csrf", token)], cookies: session)
        #expect(out.status == 303 || out.status == 302)
        #expect(try await server.request("GET", "/", cookies: session).status == 303)  // back to the sign-in page
    }

    /// Behind a proxy that ends TLS, every cookie is `Secure`; over plain HTTP none can be.
    /// Service staff read no leads or opportunities: the workbench counts and charts only what
    /// they read, the reports list leaves the sales funnel out, and the pages and API refuse.
    @Test func usersSeeOnlyWhatTheirRolesRead() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let token = try server.user("helper", roles: ["service"], department: "East", password: "Helper-pass-1")
        _ = try server.user("boss", roles: ["executive"], password: "Boss-pass-1")
        let session = try await Self.signIn(server, "helper", "Helper-pass-1")
        let home = try await server.request("GET", "/", cookies: session).body
        #expect(home.contains(#"href="/e/customer">"#) && home.contains("Service requests"))
        #expect(!home.contains("/e/lead") && !home.contains("/e/opportunity") && !home.contains("Sales funnel"), "\(home)")
        let reports = try await server.request("GET", "/reports", cookies: session).body
        #expect(!reports.contains("/reports/funnel"))
        // Under the entity each counts, with what it shows.
        #expect(reports.contains("<h2>Service requests</h2>"), "\(reports)")
        let described = #"<a href="/reports/service_by_kind">Service requests by type</a><small>Bar chart · Count · by Type</small>"#
        #expect(reports.contains(described))
        let executive = try await Self.signIn(server, "boss", "Boss-pass-1")
        let all = try await server.request("GET", "/reports", cookies: executive).body
        #expect(all.contains("<small>Bar chart · Sum of Amount · by Order date (month)</small>"), "\(all)")
        #expect(try await server.request("POST", "/lang/zh", form: [("_csrf", Self.csrf(in: all))], cookies: executive).status == 303)
        let chinese = try await server.request("GET", "/reports", cookies: executive).body
        #expect(chinese.contains("<small>柱状图 · 订单金额合计 · 按下单日期（月）</small>"), "\(chinese)")
        #expect(try await server.request("GET", "/reports/funnel", cookies: session).status == 403)
        #expect(try await server.request("GET", "/e/opportunity", cookies: session).status == 403)
        let listed = try await server.request("GET", "/api/v1/lead", token: token)
        #expect(listed.status == 403 && listed.object["code"] as? String == "forbidden")
        #expect(try await server.request("GET", "/api/v1/customer", token: token).status == 200)
        let helper = try #require(try server.engine.read(as: .system) { try $0.user(login: "helper")?.id })
        try server.engine.write(as: .system) { _ = try $0.createID("customer", ["name": .text("Only Co"), "owner": .integer(helper)]) }
        #expect(try await server.request("GET", "/e/customer", cookies: session).body.contains(#"<p class="count">1 record</p>"#))
        // A report with nothing to show says so, in its chart and its table.
        let empty = try await server.request("GET", "/reports/service_by_kind", cookies: session)
        #expect(empty.status == 200 && empty.body.contains(">No records match.</text>"))
        #expect(empty.body.contains(#"<td colspan="2" class="empty">No records match."#))
    }

    @Test func cookiesAreSecureBehindATLSProxy() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("rep", roles: ["sales_rep"], password: "Secret-pass-1")
        let forwarded = ["X-Forwarded-Proto": "https"]
        let page = try await server.request("GET", "/login", headers: forwarded)
        let token = try #require(page.cookies["kith_login_csrf"])
        #expect(page.setCookies.allSatisfy { $0.contains("; Secure") } && !page.setCookies.isEmpty)
        let posted = try await server.request(
            "POST", "/login", form: [("_csrf", token), ("login", "rep"), ("password", "Secret-pass-1")], headers: forwarded,
            cookies: ["kith_login_csrf": token])
        #expect(posted.setCookies.first { $0.hasPrefix("kith_session=") }?.contains("; Secure") == true)
        #expect(try await server.request("GET", "/lang/en", headers: ["Forwarded": "for=10.0.0.1;proto=https"]).setCookies.first?.contains("; Secure") == true)
        #expect(try await server.request("GET", "/login").setCookies.allSatisfy { !$0.contains("Secure") })
        #expect(try await server.request("GET", "/login", headers: ["X-Forwarded-Proto": "http"]).setCookies.allSatisfy { !$0.contains("Secure") })
    }

    @Test func repeatedFailedSignInsLockTheLogin() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("rep", roles: ["sales_rep"], password: "Secret-pass-1")
        let token = try #require(try await server.request("GET", "/login").cookies["kith_login_csrf"])
        func attempt(_ password: String) async throws -> Int {
            try await server.request(
                "POST", "/login", form: [("_csrf", token), ("login", "rep"), ("password", password)], cookies: ["kith_login_csrf": token]
            ).status
        }
        for _ in 0..<5 { #expect(try await attempt("wrong") == 401) }
        #expect(try await attempt("Secret-pass-1") == 429)  // locked even with the right password
        let log = try server.engine.read(as: .system) { try $0.systemLog(limit: 20) }
        #expect(log.filter { $0.kind == "sign-in-failed" }.count == 5)
        // Without the login form's token, nothing is checked at all.
        #expect(try await server.request("POST", "/login", form: [("login", "rep"), ("password", "x")]).status == 403)
    }

    @Test func listPagesTransferShareAndExportTheTickedRecords() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let colleague = try server.user("colleague", roles: ["sales_rep"], department: "East", password: "Colleague-pass-1")
        var ids: [Int] = []
        for name in ["Alpha Co", "Beta Co", "Gamma Co"] {
            ids.append(try await Self.customer(server, name, token: rep))
        }
        let theirs = try await Self.customer(server, "Delta Co", token: colleague)
        let colleagueID = try #require(try server.engine.read(as: .system) { try $0.user(login: "colleague")?.id })

        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        let list = try await server.request("GET", "/e/customer", cookies: session)
        #expect(list.body.contains(#"<input type="checkbox" name="id" value="\#(ids[0])" form="bulk">"#))
        #expect(list.body.contains(#"action="/e/customer/bulk""#))
        let token = Self.csrf(in: list.body)

        // Export of the ticked rows only, for a role that may export: not the rep's, the manager's.
        #expect(!list.body.contains(#"value="export""#))
        let forbidden = try await server.request("POST", "/e/customer/bulk", form: [("_csrf", token), ("action", "export"), ("id", "\(ids[0])")], cookies: session)
        #expect(forbidden.status == 403)
        _ = try server.user("boss", roles: ["sales_manager"], department: "East", password: "Boss-pass-1")
        let bossSession = try await Self.signIn(server, "boss", "Boss-pass-1")
        let bossList = try await server.request("GET", "/e/customer", cookies: bossSession)
        #expect(bossList.body.contains(#"value="export""#))
        let exported = try await server.request(
            "POST", "/e/customer/bulk", form: [("_csrf", Self.csrf(in: bossList.body)), ("action", "export"), ("id", "\(ids[0])"), ("id", "\(ids[2])")],
            cookies: bossSession)
        #expect(exported.status == 200 && exported.header("content-type")?.hasPrefix("text/csv") == true)
        #expect(exported.body.contains("Alpha Co") && exported.body.contains("Gamma Co") && !exported.body.contains("Beta Co"))

        // Sharing two with the colleague: they now read them, and not the third.
        let shared = try await server.request(
            "POST", "/e/customer/bulk",
            form: [("_csrf", token), ("action", "share"), ("target", "u\(colleagueID)"), ("id", "\(ids[0])"), ("id", "\(ids[1])"), ("back", "/e/customer?q=Co")],
            cookies: session)
        #expect(shared.status == 200 && shared.body.contains("Records shared: 2") && shared.body.contains(#"href="/e/customer?q=Co""#))
        #expect(try await server.request("GET", "/api/v1/customer/\(ids[0])", token: colleague).status == 200)
        #expect(try await server.request("GET", "/api/v1/customer/\(ids[2])", token: colleague).status == 404)

        // One record the rep may not change (the colleague's): nothing is transferred, and the refusal names it.
        let refused = try await server.request(
            "POST", "/e/customer/bulk",
            form: [("_csrf", token), ("action", "transfer"), ("user", "\(colleagueID)"), ("id", "\(ids[2])"), ("id", "\(theirs)"), ("back", "https://evil.example/")],
            cookies: session)
        #expect(refused.status == 404 && refused.body.contains("#\(theirs)"))
        #expect(try await server.request("GET", "/api/v1/customer/\(ids[2])", token: rep).object["owner"] as? Int != Int(colleagueID))

        let moved = try await server.request(
            "POST", "/e/customer/bulk",
            form: [("_csrf", token), ("action", "transfer"), ("user", "\(colleagueID)"), ("id", "\(ids[2])"), ("back", "https://evil.example/")],
            cookies: session)
        #expect(moved.status == 200 && moved.body.contains("Records transferred: 1") && moved.body.contains(#"href="/e/customer""#))
        #expect(!moved.body.contains("evil.example"))
        #expect(try await server.request("GET", "/api/v1/customer/\(ids[2])", token: colleague).object["owner"] as? Int == Int(colleagueID))

        // A saved personal view: the list's search and sort under a name, for this user only.
        let savedView = try await server.request(
            "POST", "/e/customer/views", form: [("_csrf", token), ("name", "My A <list>"), ("query", "q=Alpha&sort=-name&cursor=abc")], cookies: session)
        #expect(savedView.status == 302 && savedView.header("location") == "/e/customer?q=Alpha&sort=-name")
        let withView = try await server.request("GET", "/e/customer?q=Alpha&sort=-name", cookies: session)
        #expect(withView.body.contains(#"<a href="/e/customer?q=Alpha&amp;sort=-name" class="current">My A &lt;list&gt;</a>"#))
        #expect(!(try await server.request("GET", "/e/customer", cookies: bossSession)).body.contains("My A &lt;list&gt;"))
        let viewID = try #require(withView.body.range(of: #"/e/customer/views/(\d+)/delete"#, options: .regularExpression).map {
            String(withView.body[$0].dropFirst("/e/customer/views/".count).prefix { $0.isNumber })
        })
        let bossToken = Self.csrf(in: bossList.body)
        #expect(try await server.request("POST", "/e/customer/views/\(viewID)/delete", form: [("_csrf", bossToken)], cookies: bossSession).status == 404)
        #expect(try await server.request("POST", "/e/customer/views/\(viewID)/delete", form: [("_csrf", token)], cookies: session).status == 302)
        #expect(!(try await server.request("GET", "/e/customer", cookies: session)).body.contains("My A &lt;list&gt;"))
        #expect(try await server.request("POST", "/e/customer/views", form: [("_csrf", token), ("name", " "), ("query", "q=x")], cookies: session).status == 400)

        // Nothing ticked, or no token: refused.
        #expect(try await server.request("POST", "/e/customer/bulk", form: [("_csrf", token), ("action", "share")], cookies: session).status == 400)
        #expect(try await server.request("POST", "/e/customer/bulk", form: [("action", "export"), ("id", "\(ids[0])")], cookies: session).status == 403)
    }

    @Test func newRecordsThatLookLikeStoredOnesAreShownBeforeSaving() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let colleague = try server.user("colleague", roles: ["sales_rep"], department: "East")
        let mine = try await server.request("POST", "/api/v1/customer", token: colleague, json: #"{"name": "Hengtong Machinery Co.", "phone": "021-6123-4567"}"#)
        #expect(mine.status == 201)

        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        let form = try await server.request("GET", "/e/customer/new", cookies: session)
        let token = Self.csrf(in: form.body)
        // The colleague's customer (by its normalized name): not readable, so only whose it is.
        let warned = try await server.request("POST", "/e/customer", form: [("_csrf", token), ("name", "hengtong machinery co")], cookies: session)
        #expect(warned.status == 200)
        #expect(warned.body.contains("This may already exist") && warned.body.contains("A record you cannot open"))
        #expect(!warned.body.contains("Hengtong Machinery Co.<") && warned.body.contains(#"name="_duplicates" value="ok""#))
        #expect(warned.body.contains(#"value="hengtong machinery co""#))
        #expect(try await server.request("GET", "/api/v1/customer?q=hengtong", token: colleague).object["total"] as? Int == 1)
        // Saving again creates it.
        let saved = try await server.request(
            "POST", "/e/customer", form: [("_csrf", token), ("name", "hengtong machinery co"), ("_duplicates", "ok")], cookies: session)
        #expect(saved.status == 302)
        // A phone in another spelling matches too; the rep's own record is a link.
        let second = try await server.request("POST", "/e/customer", form: [("_csrf", token), ("name", "Fresh Name"), ("phone", "(021) 61234567")], cookies: session)
        #expect(second.status == 200 && second.body.contains("A record you cannot open"))
        let own = try await server.request("POST", "/e/customer", form: [("_csrf", token), ("name", "Hengtong Machinery Co")], cookies: session)
        #expect(own.body.contains(#">hengtong machinery co</a>"#))
    }

    /// A refused form shows every mistake at once, each line item's next to its own row (the
    /// store counts lines from 1, the form's rows from 0).
    @Test func lineProblemsShowOnTheirOwnRowsWithEveryOtherMistake() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let token = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let customer = try await Self.customer(server, "Row Co", token: token)
        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        let blank = try await server.request("GET", "/e/quote/new", cookies: session).body
        let csrf = Self.csrf(in: blank)
        // The quote date's `$today` default is filled in on the new form.
        let today = server.engine.store.variables(for: .system).today
        #expect(blank.contains(#"name="quoted_on" type="date" value="\#(today)""#))
        let refused = try await server.request(
            "POST", "/e/quote",
            form: [
                ("_csrf", csrf), ("title", "Rows"), ("customer", "Nobody Co"), ("discount", "lots"),
                ("lines.quote_line.0.description", "Forklift"), ("lines.quote_line.0.price", "abc"),
                ("lines.quote_line.1.description", "Battery"), ("lines.quote_line.1.price", "5"), ("lines.quote_line.1.quantity", "-1"),
            ], cookies: session)
        #expect(refused.status == 422)
        func problem(after name: String) -> String? {
            guard let start = refused.body.range(of: #"name="\#(name)""#) else { return nil }
            let rest = refused.body[start.upperBound...]
            let end = rest.range(of: "</td>")?.lowerBound ?? rest.endIndex
            return rest[..<end].range(of: #"class="problem">"#).map { String(rest[$0.upperBound...].prefix { $0 != "<" }) }
        }
        #expect(problem(after: "lines.quote_line.0.price") == "&#39;abc&#39; is not a number")
        #expect(problem(after: "lines.quote_line.1.price") == nil)
        #expect(problem(after: "lines.quote_line.1.quantity") == "must be at least 0")
        #expect(refused.body.contains("no record is called &#39;Nobody Co&#39;") && refused.body.contains("&#39;lots&#39; is not a number"))
        #expect(try server.engine.read(as: .system) { try $0.count("quote").value } == 0)

        // Saved, then a line changed and one added: the quote's history says so line by line.
        let made = try await server.request(
            "POST", "/api/v1/quote", token: token,
            json: #"{"title": "Rows", "customer": \#(customer), "quote_line": [{"description": "Fork", "quantity": "2", "price": "9"}]}"#)
        #expect(made.status == 201, "\(made.body)")
        let id = made.object["id"] as? Int ?? 0
        let line = (made.object["quote_line"] as? [[String: Any]])?.first?["id"] as? Int ?? 0
        let patch = #"{"quote_line": [{"id": \#(line), "quantity": "3"}, {"description": "Battery", "price": "5"}]}"#
        let patched = try await server.request("PATCH", "/api/v1/quote/\(id)", token: token, json: patch)
        let added = ((patched.object["quote_line"] as? [[String: Any]])?.last?["id"] as? Int) ?? 0
        let page = try await server.request("GET", "/e/quote/\(id)", cookies: session).body
        #expect(page.contains("<li>Quote line #\(line) · Quantity: 2.00 → 3.00</li>"), "\(page)")
        #expect(page.contains("<li>Quote line #\(added): added</li>"))
        // Lines and the totals rules compute are not put back: the change offers no Put back.
        #expect(!page.contains("/e/quote/\(id)/restore/2"))
    }

    @Test func referenceFieldsWithManyRecordsTakeATitle() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let token = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let colleague = try server.user("colleague", roles: ["sales_rep"], department: "East")
        // More customers than a select lists: the contact form's customer becomes a title input.
        let repID = try #require(try server.engine.read(as: .system) { try $0.user(login: "rep")?.id })
        try server.engine.store.write(as: .system) { transaction in
            for index in 0..<205 { _ = try transaction.createID("customer", ["name": .text("Bulk Customer \(index)"), "owner": .integer(repID)]) }
        }
        _ = try await server.request("POST", "/api/v1/customer", token: token, json: #"{"name": "Twin Co"}"#)
        let twin = try await server.request("POST", "/api/v1/customer?duplicates=allow", token: token, json: #"{"name": "Twin Co"}"#).object["id"] as? Int ?? 0
        _ = try await server.request("POST", "/api/v1/customer", token: colleague, json: #"{"name": "Hidden Bulk Customer"}"#)

        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        // The workbench lists the views marked for it: the rep's open opportunities.
        let deal = try await server.request("POST", "/api/v1/opportunity", token: token, json: #"{"title": "Forklift <fleet>", "customer": 1, "amount": "98000.00"}"#)
        #expect(deal.status == 201)
        let home = try await server.request("GET", "/", cookies: session)
        #expect(home.body.contains("My open opportunities") && home.body.contains("Forklift &lt;fleet&gt;</a> <small>Bulk Customer 0 · Qualification"))
        let form = try await server.request("GET", "/e/contact/new", cookies: session)
        #expect(form.body.contains(#"data-lookup="/e/customer/lookup""#))
        let csrf = Self.csrf(in: form.body)
        // Suggestions: titles containing the text, only of records the rep may read.
        let suggested = try await server.request("GET", "/e/customer/lookup?q=Bulk%20Customer%2020", cookies: session)
        #expect(suggested.header("content-type")?.hasPrefix("application/json") == true)
        let items = try JSONSerialization.jsonObject(with: Data(suggested.body.utf8)) as? [[String: Any]] ?? []
        let titles = items.compactMap { $0["title"] as? String }
        #expect(titles == ["Bulk Customer 20"] + (0..<5).map { "Bulk Customer 20\($0)" })
        #expect(!(try await server.request("GET", "/e/customer/lookup?q=Hidden", cookies: session)).body.contains("Hidden"))

        // Saved by title; an unknown, an ambiguous or an unreadable title is a problem next to the field.
        let saved = try await server.request("POST", "/e/contact", form: [("_csrf", csrf), ("name", "Zhang Wei"), ("customer", "Bulk Customer 7")], cookies: session)
        #expect(saved.status == 302)
        let contact = try #require(saved.header("location"))
        let edit = try await server.request("GET", contact + "/edit", cookies: session)
        #expect(edit.body.contains(#"value="Bulk Customer 7""#))
        for (typed, problem) in [("Nobody Co", "no record is called"), ("Twin Co", "several records are called"), ("Hidden Bulk Customer", "no record is called")] {
            let refused = try await server.request("POST", "/e/contact", form: [("_csrf", csrf), ("name", "Li Na"), ("customer", typed)], cookies: session)
            #expect(refused.status == 422 && refused.body.contains(problem), "\(typed)")
        }
        let byID = try await server.request("POST", "/e/contact", form: [("_csrf", csrf), ("name", "Li Na"), ("customer", "Twin Co #\(twin)")], cookies: session)
        #expect(byID.status == 302)
        let made = try await server.request("GET", try #require(byID.header("location")) + "/edit", cookies: session)
        #expect(made.body.contains(#"value="Twin Co""#))
    }

    /// A set of references (`multiref`) to more records than a form lists: the chosen ones ticked,
    /// one more added by its title. A few to choose from are ticked from checkboxes.
    @Test func setsOfManyRecordsAreTickedAndAddedByTitle() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("marketer", roles: ["marketing"], department: "East", password: "Marketer-pass-1")
        _ = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        try server.engine.store.write(as: .system) { transaction in
            let customer = try transaction.createID("customer", ["name": .text("Bulk Buyer")])
            for index in 0..<205 { _ = try transaction.createID("contact", ["name": .text("Bulk Contact \(index)"), "customer": .integer(customer)]) }
        }
        let session = try await Self.signIn(server, "marketer", "Marketer-pass-1")
        let form = try await server.request("GET", "/e/mailing_list/new", cookies: session)
        #expect(form.body.contains(#"<input id="f-members" name="members" type="text" value="" placeholder="Type a name to add one" list="dl-members" data-lookup="/e/contact/lookup""#))
        let csrf = Self.csrf(in: form.body)
        let created = try await server.request(
            "POST", "/e/mailing_list", form: [("_csrf", csrf), ("name", "VIP"), ("members", ""), ("members", "Bulk Contact 7")], cookies: session)
        #expect(created.status == 302)
        let list = try #require(created.header("location"))
        let id = try #require(list.split(separator: "/").last.flatMap { Int64($0) })
        let members = { try server.engine.read(as: .system) { try $0.get("mailing_list", id: id)?["members"] } }
        #expect(try members() == .list([.integer(8)]))
        let edit = try await server.request("GET", list + "/edit", cookies: session)
        #expect(edit.body.contains(#"name="members" value="8" checked> Bulk Contact 7</label>"#))

        // Kept ticked, one added by title and one by number; an unknown title is shown again with
        // its problem, the ticked ones still ticked, and nothing is saved.
        let post = { (typed: [String]) in
            try await server.request(
                "POST", list, form: [("_csrf", csrf), ("_version", "1"), ("name", "VIP"), ("members", "")] + typed.map { ("members", $0) },
                cookies: session)
        }
        let refused = try await post(["8", "Nobody"])
        #expect(refused.status == 422 && refused.body.contains("no record is called &#39;Nobody&#39;"))
        #expect(refused.body.contains(#"value="8" checked> Bulk Contact 7"#) && refused.body.contains(#"type="text" value="Nobody""#))
        #expect(try members() == .list([.integer(8)]))
        #expect(try await post(["8", "Bulk Contact 9", "#3"]).status == 302)
        #expect(try members() == .list([.integer(8), .integer(10), .integer(3)]))
        // Unticking all of them empties the set.
        _ = try await server.request(
            "POST", list, form: [("_csrf", csrf), ("_version", "2"), ("name", "VIP"), ("members", ""), ("members", "")], cookies: session)
        #expect(try members() == .list([]))

        // An opportunity's few competitors are checkboxes; none yet, a note says so.
        let rep = try await Self.signIn(server, "rep", "Rep-pass-1")
        #expect(try await server.request("GET", "/e/opportunity/new", cookies: rep).body.contains("<span class=\"checks\"><small>Nothing to choose from yet.</small></span>"))
        for name in ["Rival A", "Rival B"] { try server.engine.store.write(as: .system) { _ = try $0.createID("competitor", ["name": .text(name)]) } }
        let deal = try await server.request("GET", "/e/opportunity/new", cookies: rep)
        #expect(deal.body.contains(#"type="checkbox" name="competitors" value="1"> Rival A</label>"#))
        // A rep reads competitors and may not change them: no edit form to fill in for nothing.
        let notTheirs = try await server.request("GET", "/e/competitor/1/edit", cookies: rep)
        #expect(notTheirs.status == 403 && notTheirs.body.contains("you may not change competitor #1") && !notTheirs.body.contains("<form method=\"post\" action=\"/e/competitor/1\""))
    }

    /// Times are stored in UTC and read and typed in the workspace's time zone (the demo's is
    /// Asia/Shanghai, UTC+8): saving an edit form unchanged changes nothing.
    @Test func timesAreShownAndTypedInTheWorkspacesTimeZone() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let token = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        let csrf = Self.csrf(in: try await server.request("GET", "/e/event/new", cookies: session).body)
        let subject = "Tianjin Trading Talks, The Second Round"  // longer than a time, with a "T"
        // Next year's 1 December, so that the list's default view (upcoming events) shows it.
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
        let created = try await server.request(
            "POST", "/e/event", form: [("_csrf", csrf), ("subject", subject), ("starts_at", "\(year)-12-01T09:30")], cookies: session)
        #expect(created.status == 302)
        let id = try #require(created.header("location")?.split(separator: "/").last.flatMap { Int64($0) })
        let stored = { try server.engine.read(as: .system) { try $0.get("event", id: id)?["starts_at"] } }
        #expect(try stored() == .text("\(year)-12-01T01:30:00.000Z"))

        let record = try await server.request("GET", "/e/event/\(id)", cookies: session)
        #expect(record.body.contains("\(year)-12-01 09:30") && !record.body.contains("\(year)-12-01 01:30"))
        let list = try await server.request("GET", "/e/event", cookies: session)
        #expect(list.body.contains("\(year)-12-01 09:30"))
        let form = try await server.request("GET", "/e/event/\(id)/edit", cookies: session)
        #expect(form.body.contains(#"value="\#(year)-12-01T09:30""#))
        #expect(form.body.contains(#"value="\#(subject)""#))

        // The form posted back as shown keeps the time and the subject.
        let saved = try await server.request(
            "POST", "/e/event/\(id)",
            form: [("_csrf", Self.csrf(in: form.body)), ("_version", "1"), ("subject", subject), ("starts_at", "\(year)-12-01T09:30")], cookies: session)
        #expect(saved.status == 302)
        #expect(try stored() == .text("\(year)-12-01T01:30:00.000Z"))
        #expect(try server.engine.read(as: .system) { try $0.get("event", id: id)?["subject"] } == .text(subject))

        // An event over several days is on each of them, also in a month it started before.
        let trip = try await server.request(
            "POST", "/api/v1/event", token: token,
            json: #"{"subject": "Trade fair", "starts_at": "2026-11-30T09:00:00+08:00", "ends_at": "2026-12-02T11:00:00+08:00"}"#)
        #expect(trip.status == 201)
        let december = try await server.request("GET", "/calendar?month=2026-12", cookies: session).body
        #expect(december.components(separatedBy: "Trade fair").count == 3)  // the 1st and the 2nd
        #expect(december.contains("→ 11:00") && !december.contains("09:00 →"))
        let week = try await server.request("GET", "/calendar?week=2026-11-30", cookies: session).body
        #expect(week.components(separatedBy: "Trade fair").count == 4 && week.contains("09:00 →"))
    }

    @Test func referencedRecordsAreNamedOnlyToThoseWhoMayReadThem() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        _ = try server.user("colleague", roles: ["sales_rep"], department: "West", password: "Colleague-pass-1")
        let customer = try await Self.customer(server, "Secret Buyer Ltd", token: rep)
        let deal = try await server.request("POST", "/api/v1/opportunity", token: rep, json: #"{"title": "Big deal", "customer": \#(customer)}"#)
        let dealID = deal.object["id"] as? Int ?? 0
        let colleagueID = try #require(try server.engine.read(as: .system) { try $0.user(login: "colleague")?.id })
        #expect(try await server.request("POST", "/api/v1/opportunity/\(dealID)/shares", token: rep, json: #"{"user": \#(colleagueID), "edit": true}"#).status == 204)
        // The colleague reads the shared deal, not its customer: the reference shows as a number.
        let session = try await Self.signIn(server, "colleague", "Colleague-pass-1")
        let page = try await server.request("GET", "/e/opportunity/\(dealID)", cookies: session)
        #expect(page.status == 200 && page.body.contains("Big deal"))
        #expect(!page.body.contains("Secret Buyer") && page.body.contains("#\(customer)"))
        // So does the list of deals; their owner reads the customer's name there.
        let list = try await server.request("GET", "/e/opportunity", cookies: session)
        #expect(list.status == 200 && list.body.contains("Big deal"))
        #expect(!list.body.contains("Secret Buyer") && list.body.contains("#\(customer)"))
        // Their edit form keeps the customer chosen, by its number: saved, the deal keeps it.
        let form = try await server.request("GET", "/e/opportunity/\(dealID)/edit", cookies: session)
        #expect(form.body.contains(#"<option value="\#(customer)" selected>#\#(customer)</option>"#) && !form.body.contains("Secret Buyer"))
        let owner = try await Self.signIn(server, "rep", "Rep-pass-1")
        #expect(try await server.request("GET", "/e/opportunity", cookies: owner).body.contains("Secret Buyer Ltd"))
    }

    /// A record page's related lists show the columns the form names, under their labels, the
    /// first ten records and a link to the list of them all.
    @Test func relatedListsShowTheirColumnsAndLinkToAll() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let customer = try await Self.customer(server, "Acme Trading", token: rep)
        for index in 1...12 {
            let phone = "021-5550\(100 + index)"
            let contact = #"{"name": "Contact \#(index)", "customer": \#(customer), "phone": "\#(phone)", "job_title": "Buyer"}"#
            #expect(try await server.request("POST", "/api/v1/contact", token: rep, json: contact).status == 201)
        }
        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        let page = try await server.request("GET", "/e/customer/\(customer)", cookies: session).body
        // The core's customer form: contacts with columns="name,phone,email".
        let header = "<h2>Contacts</h2><table class=\"list\"><thead><tr><th>Name</th><th>Mobile</th><th>Email</th></tr></thead><tbody>"
        #expect(page.contains(header), "\(page)")
        #expect(page.contains("021-5550101") && !page.contains("Buyer"), "the job title is not a column of the list")
        #expect(page.components(separatedBy: "/e/contact/").count - 1 == 10, "ten contacts, then a link to all")
        #expect(page.contains(#"<a href="/e/contact?customer=\#(customer)">Show all</a>"#))
        let all = try await server.request("GET", "/e/contact?customer=\(customer)", cookies: session).body
        #expect(all.contains("Contact 12") && all.contains("Contact 1<"))
    }

    /// The filter bar: a reference is found by its record's title (only among records the reader
    /// may read), people and departments are chosen from a list, date-times by the day.
    @Test func listFiltersTakeTitlesPeopleAndDays() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let other = try server.user("other", roles: ["sales_rep"], department: "West", password: "Other-pass-1")
        for (token, customer, contacts) in [(rep, "Acme Trading", ["Zhang Wei", "Li Na"]), (rep, "Bolt Works", ["Wang Fang"]), (other, "Acme Hidden", ["Chen Jie"])] {
            let id = try await Self.customer(server, customer, token: token)
            for contact in contacts {
                #expect(try await server.request("POST", "/api/v1/contact", token: token, json: #"{"name": "\#(contact)", "customer": \#(id)}"#).status == 201)
            }
        }
        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        let names = { (query: String) async throws -> [String] in
            let body = try await server.request("GET", "/e/contact?" + query, cookies: session).body
            return ["Zhang Wei", "Li Na", "Wang Fang", "Chen Jie"].filter { body.contains($0) }
        }
        #expect(try await names("f.customer=acme") == ["Zhang Wei", "Li Na"], "by title, not the colleague's Acme Hidden")
        #expect(try await names("f.customer=Nobody") == [])
        #expect(try await names("f.customer=%23999999") == [])
        // The API's filters work on the page too (a link to a filtered list), and say what is wrong.
        #expect(try await names("name[starts-with]=Zhang") == ["Zhang Wei"])
        #expect(try await server.request("GET", "/e/contact?created_at[gte]=soon", cookies: session).status == 400)

        // The owner is chosen from the people; a date-time is filtered by the day typed.
        let repID = try #require(try server.engine.read(as: .system) { try $0.user(login: "rep")?.id })
        let customers = try await server.request("GET", "/e/customer", cookies: session).body
        #expect(customers.contains(#"<select name="f.owner"><option value=""></option>"#) && customers.contains(#"<option value="\#(repID)">rep</option>"#))
        #expect(customers.contains(#"<input name="f.last_contact_at" value="" type="date">"#))
        let mine = try await server.request("GET", "/e/customer?f.owner=\(repID)", cookies: session).body
        #expect(mine.contains("Acme Trading") && mine.contains(#"<option value="\#(repID)" selected>"#))
        _ = other
    }

    @Test func aChangeIsPutBackFromTheHistory() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let token = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let colleague = try server.user("colleague", roles: ["sales_rep"], department: "East", password: "Colleague-pass-1")
        let id = try await server.request("POST", "/api/v1/customer", token: token, json: #"{"name": "Old Name Co", "phone": "021-1111-2222"}"#).object["id"] as? Int ?? 0
        #expect(try await server.request("PATCH", "/api/v1/customer/\(id)", token: token, json: #"{"name": "Wrong Name Co", "phone": "021-3333-4444"}"#).status == 200)
        let colleagueID = try #require(try server.engine.read(as: .system) { try $0.user(login: "colleague")?.id })
        #expect(try await server.request("POST", "/api/v1/customer/\(id)/shares", token: token, json: #"{"user": \#(colleagueID)}"#).status == 204)

        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        let record = try await server.request("GET", "/e/customer/\(id)", cookies: session)
        #expect(record.body.contains(#"action="/e/customer/\#(id)/restore/2""#))
        // Only changes are put back: the creation has no button (nor any form without an action).
        #expect(!record.body.contains(#"action="/e/customer/\#(id)/restore/1""#) && !record.body.contains(#"action="""#))
        #expect(!record.body.contains("</small> — "))  // no dash before an empty comment
        let restored = try await server.request("POST", "/e/customer/\(id)/restore/2", form: [("_csrf", Self.csrf(in: record.body))], cookies: session)
        #expect(restored.status == 302)
        let after = try await server.request("GET", "/api/v1/customer/\(id)", token: token).object
        #expect(after["name"] as? String == "Old Name Co" && after["phone"] as? String == "021-1111-2222" && after["version"] as? Int == 3)
        #expect(try await server.request("POST", "/e/customer/\(id)/restore/9", form: [("_csrf", Self.csrf(in: record.body))], cookies: session).status == 404)

        // Someone who may only read the record sees no button, and cannot post one.
        let other = try await Self.signIn(server, "colleague", "Colleague-pass-1")
        let readOnly = try await server.request("GET", "/e/customer/\(id)", cookies: other)
        #expect(readOnly.status == 200 && !readOnly.body.contains("/restore/"))
        #expect(try await server.request("POST", "/e/customer/\(id)/restore/2", form: [("_csrf", Self.csrf(in: readOnly.body))], cookies: other).status == 403)
        #expect(try await server.request("GET", "/api/v1/customer/\(id)", token: colleague).object["name"] as? String == "Old Name Co")
        // The same through the API: the restore itself (version 3) undone.
        let undone = try await server.request("POST", "/api/v1/customer/\(id)/history/3/restore", token: token)
        #expect(undone.status == 200 && undone.object["name"] as? String == "Wrong Name Co")
        #expect(try await server.request("POST", "/api/v1/customer/\(id)/history/3/restore", token: colleague).status == 403)
    }

    @Test func aConversionAsksForWhatTheNewRecordsLack() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let token = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        // A lead without a contact name: the contact the conversion creates needs one.
        let lead = try await server.request("POST", "/api/v1/lead", token: token, json: #"{"company": "Hengtong Machinery", "mobile": "13800000000"}"#)
        let id = lead.object["id"] as? Int ?? 0
        let session = try await Self.signIn(server, "rep", "Rep-pass-1")
        let record = try await server.request("GET", "/e/lead/\(id)", cookies: session)
        #expect(record.body.contains(#"action="/e/lead/\#(id)/convert/qualify""#))
        // Marketing reads leads but may not create customers: no conversion is offered to it.
        _ = try server.user("promo", roles: ["marketing"], department: "East", password: "Promo-pass-1")
        let promo = try await server.request("GET", "/e/lead/\(id)", cookies: try await Self.signIn(server, "promo", "Promo-pass-1"))
        #expect(promo.status == 200 && !promo.body.contains("/convert/qualify"))
        let csrf = Self.csrf(in: record.body)
        let asked = try await server.request("POST", "/e/lead/\(id)/convert/qualify", form: [("_csrf", csrf)], cookies: session)
        #expect(asked.status == 422 && asked.body.contains(#"name="contact.name""#) && asked.body.contains("is required"))
        #expect(try await server.request("GET", "/api/v1/customer?q=Hengtong", token: token).object["total"] as? Int == 0)
        let done = try await server.request("POST", "/e/lead/\(id)/convert/qualify", form: [("_csrf", csrf), ("contact.name", "Wang Fang")], cookies: session)
        #expect(done.status == 302 && done.header("location")?.hasPrefix("/e/customer/") == true)
        let contacts = try await server.request("GET", "/api/v1/contact?q=Wang", token: token).object["data"] as? [[String: Any]] ?? []
        #expect(contacts.count == 1 && contacts.first?["phone"] as? String == "13800000000")
        #expect(try await server.request("GET", "/api/v1/lead/\(id)", token: token).object["state"] as? String == "converted")
        // Percentages read as such: the opportunity's probability.
        let deal = try await server.request("POST", "/api/v1/opportunity", token: token, json: #"{"title": "Press", "customer": 1}"#)
        let probability = try #require(deal.object["probability"] as? String)
        let page = try await server.request("GET", "/e/opportunity/\(deal.object["id"] as? Int ?? 0)", cookies: session).body
        #expect(page.contains(">\(probability)%<"), "\(probability)")
    }

    @Test func managerApprovesAnExpenseInThePages() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("boss", roles: ["sales_manager"], department: "East", password: "Boss-pass-1")
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", manager: "boss")
        let made = try await server.request("POST", "/api/v1/expense", token: rep, json: #"{"title": "Taxi", "category": "travel", "amount": "120.00"}"#)
        let id = made.object["id"] as? Int ?? 0
        #expect(try await server.request("POST", "/api/v1/expense/\(id)/transitions/submit", token: rep).status == 200)

        let session = try await Self.signIn(server, "boss", "Boss-pass-1")
        let waiting = try await server.request("GET", "/approvals", cookies: session)
        #expect(waiting.body.contains("/e/expense/\(id)"))
        let record = try await server.request("GET", "/e/expense/\(id)", cookies: session)
        #expect(record.body.contains(#"action="/e/expense/\#(id)/approval""#))
        let decided = try await server.request(
            "POST", "/e/expense/\(id)/approval", form: [("_csrf", Self.csrf(in: record.body)), ("decision", "approve"), ("comment", "fine")],
            cookies: session)
        #expect(decided.status == 302)
        let after = try await server.request("GET", "/api/v1/expense/\(id)", token: rep)
        #expect(after.object["state"] as? String == "approved")
        // The trail and the history in words: the decision, the transition's label, the creation.
        let page = try await server.request("GET", "/e/expense/\(id)", cookies: session).body
        #expect(page.contains("<td>Approved</td>") && page.contains("<b>Submit</b>") && page.contains("<b>Created</b>"))
        #expect(page.contains("<th>Step</th><th>Approver</th><th>Decision</th>") && page.contains("<td>Step 1</td>"), "the trail says what its columns are")
        #expect(!page.contains("transition:") && !page.contains("approval:approve") && !page.contains("<td>approved</td>"))
        // A transition the state no longer allows is explained on the record's page, with its buttons.
        let again = try await server.request(
            "POST", "/e/expense/\(id)/transition/withdraw", form: [("_csrf", Self.csrf(in: page))], cookies: session)
        let explained = #"<div class="error" role="alert"><p>expense #\#(id) is &#39;approved&#39;"#
        #expect(again.status == 409 && again.body.contains(explained), "\(again.body)")
        #expect(again.body.contains("<h1>Taxi</h1>"))
        // A step with nobody to ask says so in the trail (a rep without a manager).
        let alone = try server.user("alone", roles: ["sales_rep"], department: "East")
        let hotel = #"{"title": "Hotel", "category": "travel", "amount": "300.00"}"#
        let orphan = try await server.request("POST", "/api/v1/expense", token: alone, json: hotel)
        let orphanID = orphan.object["id"] as? Int ?? 0
        #expect(try await server.request("POST", "/api/v1/expense/\(orphanID)/transitions/submit", token: alone).status == 200)
        let unasked = try await server.request("GET", "/e/expense/\(orphanID)", cookies: session).body
        #expect(unasked.contains("<td>manager: nobody found, an administrator decides</td>"), "\(unasked)")
        // An administrator decides a step waiting for the boss (away), and is told for whom.
        _ = try server.user("chief", roles: ["admin"], password: "Chief-pass-1")
        let chief = try await Self.signIn(server, "chief", "Chief-pass-1")
        let lunch = try await server.request(
            "POST", "/api/v1/expense", token: rep, json: #"{"title": "Lunch", "category": "entertainment", "amount": "80.00"}"#)
        let lunchID = lunch.object["id"] as? Int ?? 0
        #expect(try await server.request("POST", "/api/v1/expense/\(lunchID)/transitions/submit", token: rep).status == 200)
        let behalf = try await server.request("GET", "/e/expense/\(lunchID)", cookies: chief).body
        #expect(behalf.contains(#"<p class="behalf">As an administrator, you decide this step for: boss</p>"#), "\(behalf)")
        let overridden = try await server.request(
            "POST", "/e/expense/\(lunchID)/approval", form: [("_csrf", Self.csrf(in: behalf)), ("decision", "approve")], cookies: chief)
        #expect(overridden.status == 302)
        let decidedFor = try await server.request("GET", "/e/expense/\(lunchID)", cookies: session).body
        #expect(decidedFor.contains("<td>boss, decided by chief</td>"), "\(decidedFor)")

        // Reports: the approved expense in the category chart (SVG) and its table; the funnel on the workbench.
        let report = try await server.request("GET", "/reports/expenses_by_category", cookies: session)
        #expect(report.status == 200)
        #expect(report.body.contains("<svg") && report.body.contains("120.00"))
        #expect(try await server.request("GET", "/reports/no_such_report", cookies: session).status == 404)
        #expect(try await server.request("GET", "/", cookies: session).body.contains("<svg"))

        // The calendar: this month's reminders by day; a bad month is a 400.
        let bossID = try #require(try server.engine.read(as: .system) { try $0.user(login: "boss")?.id })
        let today = server.engine.store.variables(for: .system).today
        try server.engine.write(as: .system) { try $0.postMessage(to: bossID, text: "Call Hengtong back", dueAt: today + "T01:00:00.000Z") }
        let month = try await server.request("GET", "/calendar?month=" + today.prefix(7), cookies: session)
        #expect(month.status == 200 && month.body.contains("Call Hengtong back"))
        #expect(try await server.request("GET", "/calendar?month=2026-13", cookies: session).status == 400)
        // Records of calendar entities: the boss's own event (with its end) and task, not the rep's.
        let bossToken = try server.engine.createToken(for: "boss")
        let noon = today + "T12:00:00+08:00"
        _ = try await server.request("POST", "/api/v1/event", token: bossToken, json: #"{"subject": "Visit <Hengtong>", "starts_at": "\#(noon)", "ends_at": "\#(today)T13:30:00+08:00"}"#)
        _ = try await server.request("POST", "/api/v1/task", token: bossToken, json: #"{"subject": "Send the quote", "due_on": "\#(today)"}"#)
        _ = try await server.request("POST", "/api/v1/event", token: rep, json: #"{"subject": "Rep lunch", "starts_at": "\#(noon)"}"#)
        for path in ["/calendar", "/calendar?week=" + today] {
            let shown = try await server.request("GET", path, cookies: session)
            #expect(shown.status == 200 && shown.body.contains("Visit &lt;Hengtong&gt;") && shown.body.contains("12:00–13:30"), "\(path)")
            #expect(shown.body.contains("Send the quote") && !shown.body.contains("Rep lunch"), "\(path)")
        }
        let week = try await server.request("GET", "/calendar?week=" + today, cookies: session)
        #expect(week.body.contains(#"class="calendar week""#) && week.body.components(separatedBy: "<td").count == 8)
        #expect(try await server.request("GET", "/calendar?week=tomorrow", cookies: session).status == 400)
    }
}
