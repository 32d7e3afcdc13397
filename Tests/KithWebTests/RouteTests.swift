import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KithEngine
import KithStore
import NIOCore
import Testing

import struct KithSchema.Labels

@testable import KithWeb

/// The server's routes called in process (HummingbirdTesting's router framework, no socket): every
/// status code of `http.md`, each error as problem details, on a small help-desk schema whose
/// rule, unique field and locked state give each error a cause.
@Suite struct RouteTests {
    static let module = """
        <?xml version="1.0" encoding="UTF-8"?>
        <module xmlns="urn:kith:1" name="desk" version="1" label="Help desk">
          <entity name="ticket" label="Ticket" plural="Tickets" title="subject" menu="desk">
            <field name="code" type="text" unique="true" max="20" label="Code"/>
            <field name="subject" type="text" required="true" max="80" label="Subject"/>
            <field name="hours" type="decimal" scale="1" min="0" label="Hours"/>
            <hook event="before-save" function="desk.check_hours"/>
            <workflow initial="open">
              <state name="open" label="Open"/>
              <state name="closed" label="Closed" locked="true"/>
              <transition name="close" from="open" to="closed" label="Close"/>
            </workflow>
          </entity>
          <role name="agent" label="Agent"><grant entity="ticket" read="own" create="yes" update="own" delete="no"/></role>
          <role name="lead" label="Team lead"><grant entity="ticket" read="all" create="yes" update="all" delete="all"/></role>
        </module>
        """

    static let script = """
        local M = {}
        function M.check_hours(ctx)
          if ctx.record.hours and ctx.record.hours > 100 then kith.reject("hours", "more than 100 hours needs a project") end
        end
        return M
        """

    /// A request's reply: status, headers and the body as text and JSON.
    struct Reply {
        let response: TestResponse
        var status: Int { Int(response.status.code) }
        var text: String { String(buffer: response.body) }
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
        func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { response.headers[$0] } }

        /// The problem details of an error reply, checked against RFC 9457's members.
        func problem(_ status: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [String: Any] {
            #expect(self.status == status, "\(text)", sourceLocation: sourceLocation)
            #expect(header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
            let problem = object
            #expect(problem["status"] as? Int == status, sourceLocation: sourceLocation)
            #expect(problem["type"] as? String == "about:blank", sourceLocation: sourceLocation)
            #expect(
                !(problem["title"] as? String ?? "").isEmpty && !(problem["detail"] as? String ?? "").isEmpty,
                sourceLocation: sourceLocation)
            return problem
        }
    }

    /// Runs `body` with a client of the server's router over a fresh desk workspace.
    static func withDesk(apiRate: Double = 1000, _ body: @Sendable (TestWorkspace, any TestClientProtocol) async throws -> Void)
        async throws
    {
        let workspace = try TestWorkspace(modules: ["desk": module], scripts: ["desk": script])
        defer { workspace.close() }
        let server = WebServer(workspace: workspace.served, language: "en", apiRate: apiRate, logger: TestWorkspace.quietLogger)
        try await Application(responder: server.responder(), logger: TestWorkspace.quietLogger).test(.router) { client in
            try await body(workspace, client)
        }
    }

    static func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return Reply(
            response: try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }))
    }

    @Test func everyStatusOfTheAPIIsAnsweredWithProblemDetails() async throws {
        try await Self.withDesk { workspace, client in
            let agent = try workspace.user("agent", roles: ["agent"])
            let other = try workspace.user("other", roles: ["agent"])
            let lead = try workspace.user("lead", roles: ["lead"])

            // 201 with Location and ETag, the record as stored.
            let created = try await Self.call(
                client, .post, "/api/v1/ticket", token: agent, json: #"{"code": "T-1", "subject": "Printer jams", "hours": "1.5"}"#)
            #expect(created.status == 201)
            let id = try #require(created.object["id"] as? Int)
            #expect(created.header("Location") == "/api/v1/ticket/\(id)" && created.header("ETag") == "\"1\"")
            #expect(created.object["hours"] as? String == "1.5" && created.object["state"] as? String == "open")

            // 200 for a get and a list.
            #expect(try await Self.call(client, .get, "/api/v1/ticket/\(id)", token: agent).status == 200)
            let list = try await Self.call(client, .get, "/api/v1/ticket?sort=-code", token: agent)
            #expect(list.status == 200 && list.object["total"] as? Int == 1 && list.object["total_exact"] as? Bool == true)

            // 401 without a token or with a wrong one, with the scheme to use.
            let anonymous = try await Self.call(client, .get, "/api/v1/ticket")
            _ = anonymous.problem(401)
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            _ = try await Self.call(client, .get, "/api/v1/me", token: "kith_1_wrong").problem(401)

            // 400: an unknown field, a wrong type, bad JSON, an unknown filter; each field named.
            let unknown = try await Self.call(client, .post, "/api/v1/ticket", token: agent, json: #"{"subject": "x", "colour": "red"}"#)
                .problem(400)
            #expect((unknown["errors"] as? [[String: Any]])?.first?["field"] as? String == "colour")
            #expect((unknown["errors"] as? [[String: Any]])?.first?["code"] as? String == "unknown_field")
            let wrongType = try await Self.call(client, .post, "/api/v1/ticket", token: agent, json: #"{"subject": "x", "hours": "many"}"#)
                .problem(400)
            #expect((wrongType["errors"] as? [[String: Any]])?.first?["field"] as? String == "hours")
            #expect((wrongType["errors"] as? [[String: Any]])?.first?["code"] as? String == "not_a_number")
            let missing = try await Self.call(client, .post, "/api/v1/ticket", token: agent, json: #"{"code": "T-9"}"#).problem(400)
            #expect((missing["errors"] as? [[String: Any]])?.first?["field"] as? String == "subject")
            #expect((missing["errors"] as? [[String: Any]])?.first?["code"] as? String == "required")
            _ = try await Self.call(client, .post, "/api/v1/ticket", token: agent, json: #"{"subject": "#).problem(400)
            _ = try await Self.call(client, .get, "/api/v1/ticket?colour=red", token: agent).problem(400)

            // 403: the agent may not delete; 404: an unknown entity, a missing record, another's record.
            _ = try await Self.call(client, .delete, "/api/v1/ticket/\(id)", token: agent).problem(403)
            _ = try await Self.call(client, .get, "/api/v1/spaceship", token: agent).problem(404)
            _ = try await Self.call(client, .get, "/api/v1/ticket/987654", token: agent).problem(404)
            _ = try await Self.call(client, .get, "/api/v1/ticket/\(id)", token: other).problem(404)

            // 409: a unique value taken; the record's problem names the field.
            let taken = try await Self.call(
                client, .post, "/api/v1/ticket", token: other, json: #"{"code": "T-1", "subject": "Also jams"}"#
            ).problem(409)
            #expect((taken["errors"] as? [[String: Any]])?.first?["field"] as? String == "code")

            // 422: the rule refuses, next to its field; nothing is stored.
            let refused = try await Self.call(
                client, .post, "/api/v1/ticket", token: agent, json: #"{"subject": "Migration", "hours": "120"}"#
            ).problem(422)
            #expect((refused["errors"] as? [[String: Any]])?.first?["message"] as? String == "more than 100 hours needs a project")
            #expect((refused["errors"] as? [[String: Any]])?.first?["code"] as? String == "rule")
            #expect(try workspace.engine.read(as: .system) { try $0.count("ticket").value } == 1)

            // 412: If-Match with an old version; the current one is said. Then 200 with the right one.
            let stale = try await Self.call(
                client, .patch, "/api/v1/ticket/\(id)", token: agent, json: #"{"hours": "2"}"#, headers: [.ifMatch: "\"0\""])
            #expect(stale.problem(412)["current_version"] as? Int == 1)
            let updated = try await Self.call(
                client, .patch, "/api/v1/ticket/\(id)", token: agent, json: #"{"hours": "2"}"#, headers: [.ifMatch: "\"1\""])
            #expect(updated.status == 200 && updated.header("ETag") == "\"2\"")

            // 409 again: a closed ticket is locked.
            #expect(try await Self.call(client, .post, "/api/v1/ticket/\(id)/transitions/close", token: agent).status == 200)
            _ = try await Self.call(client, .patch, "/api/v1/ticket/\(id)", token: agent, json: #"{"hours": "3"}"#).problem(409)

            // 413: a body over the workspace's limit is refused before it is read.
            let huge = "{\"subject\": \"" + String(repeating: "x", count: workspace.engine.requestBodyLimit) + "\"}"
            _ = try await Self.call(client, .post, "/api/v1/ticket", token: agent, json: huge).problem(413)

            // 409 for a delete too while it is locked; 204 for an open one, which is then gone.
            _ = try await Self.call(client, .delete, "/api/v1/ticket/\(id)", token: lead).problem(409)
            let open = try await Self.call(client, .post, "/api/v1/ticket", token: agent, json: #"{"subject": "Mouse"}"#)
            let openID = try #require(open.object["id"] as? Int)
            #expect(try await Self.call(client, .delete, "/api/v1/ticket/\(openID)", token: lead).status == 204)
            _ = try await Self.call(client, .get, "/api/v1/ticket/\(openID)", token: lead).problem(404)
        }
    }

    @Test func aCallerOverTheRateGets429WithRetryAfter() async throws {
        // Half a request a second, a burst of one: the first passes, and of eight sent at once
        // (however slow the machine) most find the budget spent.
        try await Self.withDesk(apiRate: 0.5) { workspace, client in
            let agent = try workspace.user("agent", roles: ["agent"])
            #expect(try await Self.call(client, .get, "/api/v1/me", token: agent).status == 200)
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<8 { group.addTask { try await Self.call(client, .get, "/api/v1/me", token: agent) } }
                var replies: [Reply] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            let throttled = try #require(replies.first { $0.status == 429 })
            _ = throttled.problem(429)
            #expect(Int(throttled.header("Retry-After") ?? "") ?? 0 >= 1)
        }
    }

    @Test func serviceRoutesAndPagesAnswerWithoutASocket() async throws {
        try await Self.withDesk { workspace, client in
            let health = try await Self.call(client, .get, "/healthz")
            #expect(health.status == 200 && health.object["database"] as? String == "ok")
            let metrics = try await Self.call(client, .get, "/metrics")
            #expect(metrics.status == 200 && metrics.text.contains("kith_up 1"))
            // Writes of requests are counted with the transactions that committed them.
            let agent = try workspace.user("agent", roles: ["agent"])
            let created = try await Self.call(client, .post, "/api/v1/ticket", token: agent, json: #"{"subject": "Counted"}"#)
            #expect(created.status == 201)
            let counted = try await Self.call(client, .get, "/metrics").text
            let value = { (name: String) in
                counted.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            }
            #expect(counted.contains("# TYPE kith_store_writes_total counter"))
            #expect(value("kith_store_writes_total") == 1 && value("kith_store_write_transactions_total") == 1)
            #expect(value("kith_store_writes_unfinished") == 0)
            #expect(value("kith_search_notes_behind").map { $0 >= 0 } == true && value("kith_search_failing") == 0)
            let openAPI = try await Self.call(client, .get, "/api/openapi.json")
            #expect(openAPI.object["openapi"] as? String == "3.1.0")
            #expect(((openAPI.object["paths"] as? [String: Any])?.keys.contains("/api/v1/ticket")) == true)

            // Pages: anonymous visitors are sent to sign in; the sign-in form carries its CSRF token,
            // and a post without it is refused.
            let home = try await Self.call(client, .get, "/e/ticket")
            #expect(home.status == 303 && home.header("Location") == "/login?next=%2Fe%2Fticket")
            let login = try await Self.call(client, .get, "/login")
            #expect(login.status == 200 && login.text.contains(#"name="_csrf""#))
            #expect(login.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
            let forged = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "login=agent&password=whatever"))
            #expect(forged.status == .forbidden)
        }
    }
}

/// Money on pages has its thousands grouped; forms, the API and CSV keep the plain amount.
@Suite struct MoneyDisplayTests {
    @Test func amountsAreGroupedByThousands() {
        #expect(Display.grouped("1234567.50") == "1,234,567.50")
        #expect(Display.grouped("-1234.00") == "-1,234.00")
        #expect(Display.grouped("999.99") == "999.99")
        #expect(Display.grouped("100000") == "100,000")
        #expect(Display.grouped("") == "")
    }

    @Test func pagesGroupMoneyAndTheAPIDoesNot() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let customer =
            try await server.request("POST", "/api/v1/customer", token: rep, json: #"{"name": "Heat Co"}"#).object["id"] as? Int ?? 0
        let made = try await server.request(
            "POST", "/api/v1/opportunity", token: rep, json: #"{"title": "Boilers", "amount": "1250000.00", "customer": \#(customer)}"#)
        #expect(made.object["amount"] as? String == "1250000.00", "\(made.body)")
        let id = made.object["id"] as? Int ?? 0
        let session = try await PageTests.signIn(server, "rep", "Rep-pass-1")
        #expect(try await server.request("GET", "/e/opportunity/\(id)", cookies: session).body.contains("1,250,000.00"))
        #expect(try await server.request("GET", "/e/opportunity/\(id)/edit", cookies: session).body.contains(#"value="1250000.00""#))
    }
}

/// The pages' texts: every one in both languages, none empty (templates take them unfiltered).
@Suite struct PageTextTests {
    @Test func everyTextIsInBothLanguagesAndNoneIsEmpty() {
        let zh = PageText.texts("zh")
        let en = PageText.texts("en")
        #expect(Set(zh.keys) == Set(en.keys), "\(Set(zh.keys).symmetricDifference(en.keys))")
        #expect(zh.filter(\.value.isEmpty).isEmpty && en.filter(\.value.isEmpty).isEmpty)
    }

    /// A wrong choice is explained with the choices' labels in the page's language, as the form
    /// offered them (a value without a label by its humanized value); the API's message lists their
    /// values.
    @Test func wrongChoicesListTheLabels() {
        let labels = [Labels(["": "Normal", "zh": "普通"]), Labels(["": "Gold", "zh": "金牌"]), Labels()]
        let problem = FieldProblem(field: "level", .notChoice("platinum", choices: ["normal", "gold", "top_tier"], labels: labels))
        #expect(problem.message == "'platinum' is not one of: normal, gold, top_tier")
        #expect(PageText.problem(problem, language: "zh") { $0 } == "「platinum」不是可选值（普通、金牌、Top tier）之一")
        #expect(PageText.problem(problem, language: "en") { $0 } == "'platinum' is not one of: Normal, Gold, Top tier")
    }
}

/// Query strings decoded as browsers and clients encode them.
@Suite struct QueryStringTests {
    @Test func namesAndValuesArePercentDecoded() {
        #expect(QueryItems.decode("a+b%20c%E4%B8%AD") == "a b c中")
        #expect(QueryItems.decode("amount%5Bgte%5D") == "amount[gte]")
        #expect(QueryItems.decode("100%") == "100%" && QueryItems.decode("%zz1") == "%zz1" && QueryItems.decode("%4") == "%4")
        #expect(QueryItems.decode("plain") == "plain")
        let items = QueryItems("f.name=%E5%8D%8E%E4%B8%9C+Trading&sort=-name&q=&flag").items
        #expect(items.map(\.0) == ["f.name", "sort", "q", "flag"] && items.map(\.1) == ["华东 Trading", "-name", "", ""])
    }
}

/// Cookies found as Hummingbird finds them, in any of several `Cookie` headers.
@Suite struct CookieTests {
    @Test func aCookieIsFoundByItsWholeName() {
        var headers = HTTPFields()
        headers.append(HTTPField(name: .cookie, value: "kith_lang=en;  kith_session=abc=def; x=1"))
        headers.append(HTTPField(name: .cookie, value: "late=2"))
        let request = Request(
            head: HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/", headerFields: headers),
            body: RequestBody(buffer: ByteBuffer()))
        for name in ["kith_lang", "kith_session", "x", "late", "kith", "session", "missing"] {
            #expect(request.cookie(name) == request.cookies[name]?.value, "\(name)")
        }
        #expect(request.cookie("kith_session") == "abc=def" && request.cookie("late") == "2" && request.cookie("kith") == nil)
    }
}

/// Charts drawn as SVG on the server.
@Suite struct ChartTests {
    /// A line runs across the chart's width on a scale of round values, labelled on the left; a
    /// single point stands in the middle rather than at the left edge; labels are escaped.
    @Test func lineChartsSpanTheWidthOnARoundScaleAndCentreASinglePoint() {
        let points = [("2026-11", 50.0), ("2026-12", 100.0), ("<b>", 0.0)].map { Charts.Point(label: $0.0, value: $0.1, display: String($0.1)) }
        let line = Charts.svg("line", points, title: "Sales")
        // Gridlines at 0, 25, 50, 75 and 100, zero at the bottom.
        #expect(line.contains(##"<line x1="70.0" y1="230.0" x2="700.0" y2="230.0" stroke="#9fb3c8"/>"##), "\(line)")
        #expect(line.contains(#">0</text>"#) && line.contains(#">25</text>"#) && line.contains(#">100</text>"#))
        #expect(line.contains(#"points="80.0,130.0 385.0,30.0 690.0,230.0""#), "\(line)")
        #expect(line.contains("<title>2026-12: 100.0</title>"), "each dot names its group and value on hover")
        #expect(line.contains("&lt;b&gt;") && !line.contains("<b>"))
        let single = Charts.svg("line", Array(points.prefix(1)), title: "Sales")
        #expect(single.contains(#"<circle cx="385.0" cy="63.3""#) && single.contains(">60</text>"), "50 on a scale to 60: \(single)")
    }

    /// Bars stand on a scale of round values labelled below them, from zero: a negative value's
    /// bar runs left of the zero line, in another colour; values stay beside the bars.
    @Test func barsStandOnAScaleFromZero() {
        let points = [("East", 300.0), ("West", -100.0), ("<i>", 50.0)].map {
            Charts.Point(label: $0.0, value: $0.1, display: String($0.1))
        }
        let bars = Charts.svg("bar", points, title: "Profit")
        // -100 to 300 in steps of 100 over x 180 to 620: zero at 290.
        #expect(bars.contains(##"<line x1="290.0" y1="6" x2="290.0" y2="98" stroke="#9fb3c8"/>"##), "\(bars)")
        #expect(bars.contains(">-100</text>") && bars.contains(">300</text>") && bars.contains(#"y="114""#))
        #expect(bars.contains(##"<rect x="290.0" y="14" width="330.0""##), "East's bar from zero to 300: \(bars)")
        #expect(bars.contains(##"<rect x="180.0" y="42" width="110.0" height="18" rx="3" fill="#dc2626">"##), "West's to the left")
        #expect(bars.contains(">-100.0</text>") && bars.contains("<title>East: 300.0</title>"))
        #expect(bars.contains("&lt;i&gt;") && !bars.contains("<i>"))
        // Long labels are cut to the space left of the bars (CJK characters count double).
        #expect(Charts.fitted("赵芳 (业务员 Sales representative)", width: 165) == "赵芳 (业务员 Sales rep…")
        #expect(Charts.fitted("2026-11", width: 165) == "2026-11")
    }

    /// Past a dozen groups only every few are named below the line, and the values are left to
    /// the scale; negative values take the scale below zero; big values are grouped.
    @Test func longAndNegativeLinesStayReadable() {
        let days = (1...30).map { Charts.Point(label: "11-\($0)", value: Double($0 * 1_000 - 5_000), display: "v\($0)") }
        let line = Charts.svg("line", days, title: "Daily")
        #expect(line.components(separatedBy: #"y="258""#).count - 1 == 10, "every third of 30 days is named")
        #expect(!line.contains(">v7</text>") && line.contains("<title>11-7: v7</title>"))
        #expect(line.contains(">-10,000</text>") && line.contains(">30,000</text>"), "\(line)")
        let scale = Charts.Scale([0.2, 0.7])
        #expect(scale.ticks == [0, 0.2, 0.4, 0.6000000000000001, 0.8] && scale.label(0.6000000000000001) == "0.6")
        #expect(Charts.Scale([0, 0]).ticks == [0, 0.25, 0.5, 0.75, 1], "nothing but zeros still has a scale")
        #expect(Charts.Scale([.nan, .infinity, 40]).ticks == [0, 10, 20, 30, 40], "values that are not numbers are left out")
    }
}
