import Foundation
import KithEngine
import KithStore
import Testing

/// The JSON API of `http.md` against a live server over the core CRM: every status code the
/// spec names, problem details, `If-Match`, paging, workflows and approvals.
@Suite(.serialized) struct APITests {
    @Test func statusCodesAndProblemDetails() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", manager: nil)

        // 401: no or a wrong token, as problem details.
        let anonymous = try await server.request("GET", "/api/v1/me")
        #expect(anonymous.status == 401)
        #expect(anonymous.header("content-type") == "application/problem+json")
        #expect(anonymous.object["status"] as? Int == 401)
        #expect(try await server.request("GET", "/api/v1/me", token: "kith_1_wrong").status == 401)

        let me = try await server.request("GET", "/api/v1/me", token: rep)
        #expect(me.status == 200)
        #expect(me.object["login"] as? String == "rep")
        #expect(me.object["roles"] as? [String] == ["sales_rep"])

        // 400: unknown fields are refused by name, never dropped; bad JSON; bad operators.
        let unknown = try await server.request("POST", "/api/v1/customer", token: rep, json: #"{"name": "Acme", "colour": "red"}"#)
        #expect(unknown.status == 400)
        let errors = unknown.object["errors"] as? [[String: Any]] ?? []
        #expect(errors.contains { $0["field"] as? String == "colour" })
        #expect(try await server.request("POST", "/api/v1/customer", token: rep, json: #"{"name": "#).status == 400)
        #expect(try await server.request("GET", "/api/v1/customer?level%5Bnear%5D=gold", token: rep).status == 400)
        #expect(try await server.request("GET", "/api/v1/customer?colour=red", token: rep).status == 400)

        // 201 with Location and the record as stored after its rules ran.
        let created = try await server.request("POST", "/api/v1/customer", token: rep, json: #"{"name": "Acme 贸易", "phone": "021-5555"}"#)
        #expect(created.status == 201)
        let id = created.object["id"] as? Int ?? 0
        #expect(created.header("location") == "/api/v1/customer/\(id)")
        #expect(created.object["version"] as? Int == 1)
        #expect(created.object["credit_limit"] as? String == "0.00")  // money as a string

        // 404: unknown entity, unknown record, line items outside their master.
        #expect(try await server.request("GET", "/api/v1/spaceship", token: rep).status == 404)
        #expect(try await server.request("GET", "/api/v1/customer/987654", token: rep).status == 404)
        #expect(try await server.request("GET", "/api/v1/order_line", token: rep).status == 404)

        // 412: If-Match with a version someone else has replaced; nothing overwritten.
        let first = try await server.request(
            "PATCH", "/api/v1/customer/\(id)", token: rep, json: #"{"phone": "021-6666"}"#, headers: ["If-Match": "\"1\""])
        #expect(first.status == 200)
        #expect(first.object["version"] as? Int == 2)
        let stale = try await server.request(
            "PATCH", "/api/v1/customer/\(id)", token: rep, json: #"{"phone": "021-7777"}"#, headers: ["If-Match": "\"1\""])
        #expect(stale.status == 412)
        #expect(stale.object["current_version"] as? Int == 2)
        #expect(try await server.request("GET", "/api/v1/customer/\(id)", token: rep).object["phone"] as? String == "021-6666")

        // 403: reps may not delete customers; the denial is in the system log.
        let refused = try await server.request("DELETE", "/api/v1/customer/\(id)", token: rep)
        #expect(refused.status == 403)
        let log = try server.engine.read(as: .system) { try $0.systemLog(limit: 20) }
        #expect(log.contains { $0.kind == "permission-denied" && $0.login == "rep" })

        // History: create and the change, with who.
        let history = try await server.request("GET", "/api/v1/customer/\(id)/history", token: rep)
        #expect(history.status == 200)
        let entries = history.object["data"] as? [[String: Any]] ?? []
        #expect(entries.map { $0["action"] as? String } == ["create", "update"])

        // Metrics and health.
        #expect(try await server.request("GET", "/healthz").status == 200)
        #expect(try await server.request("GET", "/metrics").body.contains("kith_http_requests_total{method=\"POST\",status=\"201\"}"))
    }

    /// A create that looks like a stored record by the entity's duplicate rules is a conflict
    /// naming the look-alikes (only the owner of those the caller may not read), until allowed.
    @Test func likelyDuplicatesAreAConflictUntilAllowed() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let wang = try server.user("wang", roles: ["sales_rep"], department: "East", manager: nil)
        let li = try server.user("li", roles: ["sales_rep"], department: "North", manager: nil)
        let before = try server.engine.read(as: .system) { try $0.count("customer").value }
        let first = try await server.request(
            "POST", "/api/v1/customer", token: wang, json: #"{"name": "Hengtong Machinery Co., Ltd.", "phone": "021-5555 0101"}"#)
        #expect(first.status == 201)
        let id = first.object["id"] as? Int ?? 0

        // Another rep's look-alike: the name matches without case and punctuation; its owner is
        // named, its id and title are not (li may not read it).
        let hidden = try await server.request("POST", "/api/v1/customer", token: li, json: #"{"name": "hengtong machinery co ltd"}"#)
        #expect(hidden.status == 409)
        #expect(hidden.object["code"] as? String == "likely_duplicate")
        #expect((hidden.object["errors"] as? [[String: Any]])?.map { $0["field"] as? String } == ["name"])
        let unseen = hidden.object["duplicates"] as? [[String: Any]] ?? []
        #expect(unseen.count == 1)
        #expect(unseen.first?["owner"] as? String == "wang" && unseen.first?["id"] == nil && unseen.first?["title"] == nil)

        // The owner's own look-alike by phone digits: with its id and title.
        let seen = try await server.request("POST", "/api/v1/customer", token: wang, json: #"{"name": "Other", "phone": "(021) 55550101"}"#)
        #expect(seen.status == 409)
        let duplicate = (seen.object["duplicates"] as? [[String: Any]])?.first ?? [:]
        #expect(duplicate["id"] as? Int == id && duplicate["title"] as? String == "Hengtong Machinery Co., Ltd.")
        #expect(duplicate["fields"] as? [String] == ["phone"])

        // Allowed, it is saved; a wrong value of the parameter is bad input; nothing else was saved.
        #expect(
            try await server.request(
                "POST", "/api/v1/customer?duplicates=allow", token: li, json: #"{"name": "hengtong machinery co ltd"}"#
            ).status == 201)
        #expect(
            try await server.request("POST", "/api/v1/customer?duplicates=perhaps", token: li, json: #"{"name": "Zeta"}"#).status == 400)
        let count = try server.engine.read(as: .system) { try $0.count("customer").value }
        #expect(count == before + 2)
        let openAPI = try await server.request("GET", "/api/openapi.json")
        #expect(openAPI.body.contains(#""name":"duplicates""#))
    }

    /// A record read from the API can be sent back whole: its stamps, read-only fields and lines'
    /// computed amounts are left alone where unchanged, and only what differs is saved.
    @Test func recordsAndLinesReadBackCanBeSentBackWhole() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", manager: nil)
        let customer =
            try await server.request("POST", "/api/v1/customer", token: rep, json: #"{"name": "Round Trip Ltd"}"#).object["id"] as? Int ?? 0
        let created = try await server.request(
            "POST", "/api/v1/quote", token: rep,
            json:
                #"{"title": "Forklifts", "customer": \#(customer), "quote_line": [{"description": "Forklift", "quantity": "2", "price": "100.00"}, {"description": "Battery", "quantity": "1", "price": "50.00"}]}"#
        )
        #expect(created.status == 201)
        let id = created.object["id"] as? Int ?? 0
        var quote = created.object
        var lines = quote["quote_line"] as? [[String: Any]] ?? []
        #expect(lines.count == 2 && lines[0]["amount"] as? String == "200.00")
        lines[0]["quantity"] = "3"
        quote["quote_line"] = lines
        quote["title"] = "Forklifts, three"
        let body = String(decoding: try JSONSerialization.data(withJSONObject: quote), as: UTF8.self)
        let saved = try await server.request("PATCH", "/api/v1/quote/\(id)", token: rep, json: body)
        #expect(saved.status == 200, "\(saved.body)")
        #expect(saved.object["title"] as? String == "Forklifts, three")
        #expect(saved.object["subtotal"] as? String == "350.00")
        #expect((saved.object["quote_line"] as? [[String: Any]])?.map { $0["amount"] as? String } == ["300.00", "50.00"])
        // The quote's history says which line changed, in the API and on its page.
        let line = lines[0]["id"] as? Int ?? 0
        let history = try await server.request("GET", "/api/v1/quote/\(id)/history", token: rep).object["data"] as? [[String: Any]] ?? []
        let lineChange = (history.last?["changes"] as? [String: Any])?["quote_line#\(line).quantity"] as? [String: Any]
        #expect(lineChange?["old"] as? String == "2.00" && lineChange?["new"] as? String == "3.00", "\(history)")
        #expect(((history.first?["changes"] as? [String: Any])?["quote_line#\(line)"] as? [String: Any])?["new"] as? Bool == true)
        // A read-only value that would change is still refused, by name.
        let forged = try await server.request("PATCH", "/api/v1/quote/\(id)", token: rep, json: #"{"subtotal": "1.00"}"#)
        #expect(forged.status == 400)
        #expect((forged.object["errors"] as? [[String: Any]])?.first?["field"] as? String == "subtotal")
    }

    /// A choice may be given by its value or by a label in any language, as a spreadsheet has it;
    /// anything else is refused with the values listed.
    /// A reference a user sets must name a record they may read: another rep's customer is as good
    /// as missing (the answer does not say it exists); once it is shared with them, it may be named.
    @Test func referencesNameOnlyRecordsTheUserMayRead() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East")
        let other = try server.user("other", roles: ["sales_rep"], department: "East")
        let mine = try await server.request("POST", "/api/v1/customer", token: rep, json: #"{"name": "Mine Co"}"#).object["id"] as? Int ?? 0
        let theirs =
            try await server.request("POST", "/api/v1/customer", token: other, json: #"{"name": "Theirs Co"}"#).object["id"] as? Int ?? 0
        let contact = { (name: String, customer: Int) in
            try await server.request("POST", "/api/v1/contact", token: rep, json: #"{"name": "\#(name)", "customer": \#(customer)}"#)
        }
        #expect(try await contact("A", mine).status == 201)
        let refused = try await contact("B", theirs)
        #expect(refused.status == 400 && refused.body.contains("refers to customer #\(theirs), which does not exist"), "\(refused.body)")
        let missing = try await contact("C", 999_999)
        #expect(missing.status == 400 && missing.body.contains("which does not exist"))
        let repID = try #require(try server.engine.read(as: .system) { try $0.user(login: "rep")?.id })
        let shared = try await server.request("POST", "/api/v1/customer/\(theirs)/shares", token: other, json: #"{"user": \#(repID)}"#)
        #expect(shared.status == 204)
        #expect(try await contact("D", theirs).status == 201)
    }

    @Test func choicesAreTakenByTheirValuesOrLabels() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", manager: nil)
        let cases = [
            ("manufacturing", "manufacturing"), ("制造业", "manufacturing"), ("retail", "retail"), ("RETAIL", "retail"), ("服务业", "services"),
        ]
        for (number, (given, stored)) in cases.enumerated() {
            let created = try await server.request(
                "POST", "/api/v1/customer", token: rep, json: #"{"name": "Choice \#(number)", "industry": "\#(given)"}"#)
            #expect(created.status == 201 && created.object["industry"] as? String == stored, "\(given): \(created.body)")
        }
        let refused = try await server.request(
            "POST", "/api/v1/customer", token: rep, json: #"{"name": "Choice mining", "industry": "mining"}"#)
        #expect(refused.status == 400)
        let message = (refused.object["errors"] as? [[String: Any]])?.first?["message"] as? String ?? ""
        #expect(message.hasPrefix("'mining' is not one of: manufacturing, distribution, retail"), "\(message)")
    }

    @Test func workflowsApprovalsAndLockedStates() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let boss = try server.user("boss", roles: ["sales_manager"], department: "East")
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", manager: "boss")
        let cashier = try server.user("cashier", roles: ["finance"])

        let expense = try await server.request(
            "POST", "/api/v1/expense", token: rep, json: #"{"title": "Trade fair", "category": "travel", "amount": "9000.00"}"#)
        #expect(expense.status == 201)
        let id = expense.object["id"] as? Int ?? 0
        let submitted = try await server.request("POST", "/api/v1/expense/\(id)/transitions/submit", token: rep)
        #expect(submitted.status == 200)
        #expect(submitted.object["state"] as? String == "pending")

        // 409: the pending expense is locked, and submitting it again conflicts with its state.
        let locked = try await server.request("PATCH", "/api/v1/expense/\(id)", token: rep, json: #"{"amount": "10.00"}"#)
        #expect(locked.status == 409)
        let twice = try await server.request("POST", "/api/v1/expense/\(id)/transitions/submit", token: rep)
        #expect(twice.status == 409 && twice.object["code"] as? String == "wrong-state")

        // Finance is not asked yet; the manager is, in the inbox.
        #expect(
            try await server.request("POST", "/api/v1/expense/\(id)/approval", token: cashier, json: #"{"decision": "approve"}"#).status
                == 403)
        let inbox = try await server.request("GET", "/api/v1/me/inbox", token: boss).object["data"] as? [[String: Any]] ?? []
        #expect(inbox.contains { $0["record"] as? Int == id && $0["read"] as? Bool == false })
        #expect(try await server.request("POST", "/api/v1/me/inbox/read", token: boss).status == 204)
        let read = try await server.request("GET", "/api/v1/me/inbox", token: boss).object["data"] as? [[String: Any]] ?? []
        #expect(!read.isEmpty && read.allSatisfy { $0["read"] as? Bool == true })
        #expect(
            try await server.request("POST", "/api/v1/expense/\(id)/approval", token: boss, json: #"{"decision": "maybe"}"#).status == 400)
        let step1 = try await server.request(
            "POST", "/api/v1/expense/\(id)/approval", token: boss, json: #"{"decision": "approve", "comment": "ok"}"#)
        #expect(step1.object["state"] as? String == "pending")
        let step2 = try await server.request("POST", "/api/v1/expense/\(id)/approval", token: cashier, json: #"{"decision": "approve"}"#)
        #expect(step2.object["state"] as? String == "approved")

        let trail = try await server.request("GET", "/api/v1/expense/\(id)/approval", token: rep).object["data"] as? [[String: Any]] ?? []
        #expect(trail.map { $0["status"] as? String } == ["approved", "approved"])
        #expect(trail.first?["comment"] as? String == "ok")
    }

    /// The public pool (公海): a record returned by its owner (a PATCH of `owner` to null, or
    /// `release`) is claimed by the first rep who asks; the pages have the same two buttons.
    @Test func recordsGoBackToThePoolAndAreClaimed() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", password: "Rep-pass-1")
        let other = try server.user("other", roles: ["sales_rep"], department: "West", password: "Other-pass-1")
        let id =
            try await server.request("POST", "/api/v1/customer", token: rep, json: #"{"name": "Pool Candidate Ltd"}"#).object["id"] as? Int
            ?? 0
        #expect(try await server.request("GET", "/api/v1/customer/\(id)", token: other).status == 404)
        #expect(try await server.request("POST", "/api/v1/customer/\(id)/claim", token: other).status == 404)

        let released = try await server.request("PATCH", "/api/v1/customer/\(id)", token: rep, json: #"{"owner": null}"#)
        #expect(released.status == 200 && released.object["owner"] is NSNull)
        let history = try await server.request("GET", "/api/v1/customer/\(id)/history", token: rep).object["data"] as? [[String: Any]] ?? []
        #expect(history.contains { $0["action"] as? String == "release" })
        // Now in the pool: the other rep reads it, claims it first; a second claim is refused.
        #expect(try await server.request("GET", "/api/v1/customer/\(id)", token: other).status == 200)
        let session = try await PageTests.signIn(server, "other", "Other-pass-1")
        let page = try await server.request("GET", "/e/customer/\(id)", cookies: session)
        #expect(page.body.contains(#"action="/e/customer/\#(id)/claim""#) && !page.body.contains("/release\""))
        let claimed = try await server.request(
            "POST", "/e/customer/\(id)/claim", form: [("_csrf", PageTests.csrf(in: page.body))], cookies: session)
        #expect(claimed.status == 302)
        #expect(try await server.request("GET", "/api/v1/customer/\(id)", token: other).object["owner"] as? Int != nil)
        #expect(try await server.request("POST", "/api/v1/customer/\(id)/claim", token: rep).status == 404)  // no longer in the pool
        let owned = try await server.request("GET", "/e/customer/\(id)", cookies: session)
        #expect(owned.body.contains(#"action="/e/customer/\#(id)/release""#) && !owned.body.contains("/claim\""))
        // Returned through the API's own route, and claimed back through it.
        #expect(try await server.request("POST", "/api/v1/customer/\(id)/release", token: rep).status == 404)
        #expect(try await server.request("POST", "/api/v1/customer/\(id)/release", token: other).object["owner"] is NSNull)
        #expect(try await server.request("POST", "/api/v1/customer/\(id)/claim", token: rep).status == 200)
        #expect(try await server.request("POST", "/api/v1/customer/\(id)/claim", token: other).status == 404)
        // An entity without a pool keeps its owners.
        let deal = try await server.request("POST", "/api/v1/opportunity", token: rep, json: #"{"title": "Deal", "customer": \#(id)}"#)
        let dealID = deal.object["id"] as? Int ?? 0
        #expect(try await server.request("PATCH", "/api/v1/opportunity/\(dealID)", token: rep, json: #"{"owner": null}"#).status == 400)
    }

    /// Attachments: uploaded (API body or form file), held by a `file` field, downloaded by
    /// whoever may read the record, replaced and removed in the form.
    @Test func attachmentsAreUploadedHeldAndDownloadedWithTheRecordsAccess() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        _ = try server.user("boss", roles: ["sales_manager"], department: "East", password: "Boss-pass-1")
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East", manager: "boss", password: "Rep-pass-1")
        let stranger = try server.user("stranger", roles: ["sales_rep"], department: "West")
        let boss = try server.engine.createToken(for: "boss")

        let uploaded = try await server.request(
            "POST", "/api/v1/files?name=taxi%20receipt%20%E7%A5%A8.txt", token: rep, json: "fare 120 yuan",
            headers: ["Content-Type": "text/plain"])
        #expect(
            uploaded.status == 201 && uploaded.object["size"] as? Int == 13 && uploaded.object["name"] as? String == "taxi receipt 票.txt")
        let file = uploaded.object["id"] as? Int ?? 0
        let made = try await server.request(
            "POST", "/api/v1/expense", token: rep,
            json: #"{"title": "Taxi", "category": "travel", "amount": "120.00", "receipt": \#(file)}"#)
        #expect(made.status == 201 && made.object["receipt"] as? Int == file)
        let id = made.object["id"] as? Int ?? 0

        let download = try await server.request("GET", "/api/v1/files/\(file)", token: boss)
        #expect(download.status == 200 && download.body == "fare 120 yuan" && download.header("content-type") == "text/plain")
        #expect(download.header("content-disposition")?.contains("filename*=UTF-8''taxi%20receipt%20%E7%A5%A8.txt") == true)
        #expect(try await server.request("GET", "/api/v1/files/\(file)", token: stranger).status == 404)
        #expect(try await server.request("GET", "/api/v1/files/999", token: rep).status == 404)
        // A field pointing at a file that does not exist is refused.
        #expect(try await server.request("PATCH", "/api/v1/expense/\(id)", token: rep, json: #"{"receipt": 999}"#).status == 400)

        // The pages: the record links the file by name; the form replaces it with an upload.
        let session = try await PageTests.signIn(server, "rep", "Rep-pass-1")
        let record = try await server.request("GET", "/e/expense/\(id)", cookies: session)
        #expect(record.body.contains(#"<a href="/files/\#(file)">taxi receipt 票.txt</a>"#))
        let form = try await server.request("GET", "/e/expense/\(id)/edit", cookies: session)
        #expect(form.body.contains(#"enctype="multipart/form-data""#) && form.body.contains(#"type="file" name="receipt""#))
        func multipart(_ parts: [(String, String, String?)]) -> String {
            parts.map { name, value, filename in
                "--kith-test\r\nContent-Disposition: form-data; name=\"\(name)\""
                    + (filename.map { "; filename=\"\($0)\"\r\nContent-Type: text/plain" } ?? "")
                    + "\r\n\r\n\(value)\r\n"
            }.joined() + "--kith-test--\r\n"
        }
        let csrf = PageTests.csrf(in: form.body)
        let replaced = try await server.request(
            "POST", "/e/expense/\(id)",
            json: multipart([
                ("_csrf", csrf, nil), ("_version", "1", nil), ("title", "Taxi to the airport", nil), ("receipt", "new scan", "scan.txt"),
            ]),
            headers: ["Content-Type": "multipart/form-data; boundary=kith-test"], cookies: session)
        #expect(replaced.status == 302)
        let after = try await server.request("GET", "/api/v1/expense/\(id)", token: rep).object
        let newFile = after["receipt"] as? Int ?? 0
        #expect(after["title"] as? String == "Taxi to the airport" && newFile != file && newFile != 0)
        #expect(try await server.request("GET", "/files/\(newFile)", cookies: session).body == "new scan")
        // Saved without a new file, the file stays; with the box ticked, it goes.
        let kept = try await server.request(
            "POST", "/e/expense/\(id)", json: multipart([("_csrf", csrf, nil), ("title", "Taxi", nil), ("receipt", "", "")]),
            headers: ["Content-Type": "multipart/form-data; boundary=kith-test"], cookies: session)
        #expect(kept.status == 302)
        #expect(try await server.request("GET", "/api/v1/expense/\(id)", token: rep).object["receipt"] as? Int == newFile)
        _ = try await server.request(
            "POST", "/e/expense/\(id)", json: multipart([("_csrf", csrf, nil), ("receipt._clear", "1", nil)]),
            headers: ["Content-Type": "multipart/form-data; boundary=kith-test"], cookies: session)
        #expect(try await server.request("GET", "/api/v1/expense/\(id)", token: rep).object["receipt"] is NSNull)

        // A new expense whose save is refused (no title) keeps no upload behind: the next file
        // stored takes the id after the last one kept.
        let refused = try await server.request(
            "POST", "/e/expense", json: multipart([("_csrf", csrf, nil), ("amount", "12", nil), ("receipt", "orphan", "orphan.txt")]),
            headers: ["Content-Type": "multipart/form-data; boundary=kith-test"], cookies: session)
        #expect(refused.status == 422)
        let next = try await server.request(
            "POST", "/api/v1/files?name=next.txt", token: rep, json: "next", headers: ["Content-Type": "text/plain"])
        #expect(next.object["id"] as? Int == newFile + 1)
    }

    @Test func filtersSortAndPaging() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"], department: "East")
        for (title, amount) in [("A", "10.00"), ("B", "2500.50"), ("C", "900.00"), ("D", "4000.00")] {
            let made = try await server.request(
                "POST", "/api/v1/expense", token: rep, json: #"{"title": "\#(title)", "category": "travel", "amount": "\#(amount)"}"#)
            #expect(made.status == 201)
        }
        let page = try await server.request("GET", "/api/v1/expense?amount[gte]=900&sort=-amount&limit=2", token: rep)
        #expect(page.status == 200)
        #expect((page.object["data"] as? [[String: Any]])?.map { $0["title"] as? String } == ["D", "B"])
        #expect(page.object["total"] as? Int == 3)
        #expect(page.object["total_exact"] as? Bool == true)
        let next = try #require(page.object["next"] as? String)
        let second = try await server.request("GET", next, token: rep)
        #expect((second.object["data"] as? [[String: Any]])?.map { $0["title"] as? String } == ["C"])
        #expect(second.object["next"] is NSNull)
        let numbered = try await server.request("GET", "/api/v1/expense?sort=title&limit=3&page=2", token: rep)
        #expect((numbered.object["data"] as? [[String: Any]])?.map { $0["title"] as? String } == ["D"])
        let between = try await server.request("GET", "/api/v1/expense?amount[between]=100,3000&sort=amount", token: rep)
        #expect((between.object["data"] as? [[String: Any]])?.map { $0["title"] as? String } == ["C", "B"])

        // Another rep sees none of them, until one is shared (共享): to read, then to edit.
        let other = try server.user("other", roles: ["sales_rep"], department: "East")
        #expect(try await server.request("GET", "/api/v1/expense", token: other).object["total"] as? Int == 0)
        let otherID = try await server.request("GET", "/api/v1/me", token: other).object["id"] as? Int ?? 0
        let first = (page.object["data"] as? [[String: Any]])?.first?["id"] as? Int ?? 0
        #expect(try await server.request("GET", "/api/v1/expense/\(first)", token: other).status == 404)
        #expect(
            try await server.request("POST", "/api/v1/expense/\(first)/shares", token: other, json: #"{"user": \#(otherID)}"#).status == 404
        )
        #expect(
            try await server.request("POST", "/api/v1/expense/\(first)/shares", token: rep, json: #"{"user": \#(otherID)}"#).status == 204)
        #expect(try await server.request("GET", "/api/v1/expense/\(first)", token: other).status == 200)
        #expect(try await server.request("PATCH", "/api/v1/expense/\(first)", token: other, json: #"{"title": "Mine"}"#).status == 403)
        #expect(
            try await server.request("POST", "/api/v1/expense/\(first)/shares", token: rep, json: #"{"user": \#(otherID), "edit": true}"#)
                .status == 204)
        #expect(try await server.request("PATCH", "/api/v1/expense/\(first)", token: other, json: #"{"title": "Mine"}"#).status == 200)
    }

    @Test func throttlingAnswers429() async throws {
        let server = try await LiveServer(apiRate: 1)
        defer { Task { await server.stop() } }
        let rep = try server.user("rep", roles: ["sales_rep"])
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await server.request("GET", "/api/v1/me", token: rep).status) }
        #expect(statuses.prefix(2) == [200, 200])
        #expect(statuses.last == 429)
        #expect(try await server.request("GET", "/api/v1/me", token: rep).header("retry-after") == "1")
    }

    @Test func openAPIDocumentDescribesTheSchema() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let document = try await server.request("GET", "/api/openapi.json").object
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = document["paths"] as? [String: Any] ?? [:]
        for entity in server.engine.schema.entities where entity.detailOf == nil {
            #expect(paths["/api/v1/\(entity.name)"] != nil, "no path for \(entity.name)")
        }
        #expect(paths["/api/v1/expense/{id}/approval"] != nil)
        #expect(paths["/api/v1/lead/{id}/convert/qualify"] != nil)
        #expect(paths["/api/v1/customer/{id}/claim"] != nil && paths["/api/v1/customer/{id}/shares"] != nil)
        #expect(paths["/api/v1/opportunity/{id}/claim"] == nil && paths["/api/v1/product/{id}/shares"] == nil)
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        let customer = schemas["customer"] as? [String: Any] ?? [:]
        let properties = customer["properties"] as? [String: Any] ?? [:]
        #expect((properties["credit_limit"] as? [String: Any])?["pattern"] != nil)
        #expect(customer["additionalProperties"] as? Bool == false)
    }
}

extension APITests {
    /// Records are written to JSON straight from their values: texts escaped (and `<` too, so the
    /// JSON is safe inside HTML), numbers bare, decimals as strings, multi-values as arrays.
    @Test func recordsAreWrittenAsExactJSON() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let token = try server.user("rep", roles: ["sales_rep"], department: "East")
        let name = "Say \"hi\" \\ <b>\n\t\u{1} 华东贸易"
        let body = try JSONSerialization.data(withJSONObject: ["name": name])
        let created = try await server.request("POST", "/api/v1/customer", token: token, json: String(decoding: body, as: UTF8.self))
        #expect(created.status == 201, "\(created.body)")
        let id = created.object["id"] as? Int ?? 0
        let read = try await server.request("GET", "/api/v1/customer/\(id)", token: token)
        #expect(read.body.contains(#""name":"Say \"hi\" \\ \u003cb>\n\t\u0001 华东贸易""#))
        #expect(read.body.contains(#""id":\#(id),"#) && read.body.contains(#""credit_limit":"0.00""#))
        #expect(read.object["name"] as? String == name)
        let list = try await server.request("GET", "/api/v1/customer?limit=5", token: token)
        #expect((list.object["data"] as? [[String: Any]])?.first { $0["id"] as? Int == id }?["name"] as? String == name)
    }
}
