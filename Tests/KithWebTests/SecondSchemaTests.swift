import Foundation
import KithEngine
import Testing

/// A business nobody coded for (a veterinary clinic) served with no Swift change: its menu,
/// lists, forms, API, line items, workflow and rules all come from its XML and Lua.
@Suite struct SecondSchemaTests {
    static let module = """
        <?xml version="1.0" encoding="UTF-8"?>
        <module xmlns="urn:kith:1" name="clinic" version="1" label="Clinic" label-zh="宠物医院">
          <menu name="clinic" position="10" label="Clinic" label-zh="诊所"/>
          <dictionary name="species" label="Species">
            <item value="dog" label="Dog" label-zh="狗"/>
            <item value="cat" label="Cat" label-zh="猫"/>
          </dictionary>
          <entity name="pet" label="Pet" label-zh="宠物" plural="Pets" title="name" menu="clinic">
            <field name="name" type="text" required="true" max="60" search="true" label="Name"/>
            <field name="species" type="enum" dictionary="species" required="true" label="Species"/>
            <field name="weight_kg" type="decimal" scale="1" min="0" label="Weight (kg)" help="Weighed at the last visit"/>
            <field name="chip" type="text" max="20" hidden="true" label="Microchip"/>
            <field name="traits" type="multienum" values="shy,bites,senior" label="Traits"/>
            <duplicate fields="name,species" match="normalized"/>
            <form name="default" kind="edit"><section name="main" label="Pet"><field ref="name"/><field ref="species"/><field ref="weight_kg"/><field ref="traits"/></section></form>
            <form name="card" kind="view"><section name="card" label="Pet card"><field ref="name"/><field ref="weight_kg"/></section></form>
            <view name="all" label="All pets" default="true"><column field="name"/><column field="species"/><column field="weight_kg"/><column field="traits"/><column field="chip"/></view>
          </entity>
          <entity name="visit" label="Visit" label-zh="就诊" plural="Visits" title="reason" menu="clinic" calendar="booked_for">
            <field name="pet" type="ref" entity="pet" required="true" label="Pet"/>
            <field name="booked_for" type="datetime" label="Booked for"/>
            <field name="reason" type="text" required="true" max="200" label="Reason"/>
            <field name="fee" type="money" min="0" readonly="true" label="Fee"/>
            <field name="follow_up_of" type="ref" entity="visit" on-delete="set-null" label="Follow-up of"/>
            <hook event="before-save" function="clinic.check_fee"/>
            <workflow initial="open">
              <state name="open" label="Open"/>
              <state name="billed" label="Billed" locked="true"/>
              <transition name="bill" from="open" to="billed" label="Bill"/>
            </workflow>
            <view name="all" label="All visits" default="true"><column field="reason"/><column field="pet"/><column field="fee"/></view>
            <view name="mine_open" label="My open visits" workbench="true">
              <column field="reason"/><column field="pet"/>
              <filter field="owner" op="eq" value="$me"/><filter field="state" op="eq" value="open"/>
            </view>
          </entity>
          <entity name="treatment" label="Treatment" detail-of="visit" title="item">
            <field name="visit" type="ref" entity="visit" required="true" on-delete="cascade"/>
            <field name="item" type="text" required="true" max="100" label="Item"/>
            <field name="price" type="money" min="0" label="Price"/>
            <field name="xray" type="file" label="X-ray"/>
          </entity>
          <entity name="supplier" label="Supplier" plural="Suppliers" menu="purchasing" ownership="none">
            <field name="name" type="text" required="true" label="Name"/>
          </entity>
          <report name="visits_by_state" entity="visit" chart="bar" group="state" measure="count" label="Visits by state"/>
          <role name="vet" label="Vet">
            <grant entity="*" read="all" create="yes" update="all" delete="all" export="yes"/>
          </role>
        </module>
        """

    static let script = """
        local M = {}
        -- Fees are the treatments' prices added up; above 10,000 a visit needs the owner's consent.
        function M.check_fee(ctx)
          local total = kith.decimal("0")
          for _, line in ipairs(ctx.lines.treatment or {}) do total = total + (line.price or 0) end
          ctx.record.fee = total
          if total > kith.decimal("10000") then kith.reject("fee", "over 10,000 needs the owner's written consent") end
        end
        return M
        """

    @Test func anUnrelatedBusinessWorksThroughTheAPIAndPages() async throws {
        let server = try await LiveServer(modules: ["clinic": Self.module], scripts: ["clinic": Self.script])
        defer { Task { await server.stop() } }
        let vet = try server.user("vet", roles: ["vet"], password: "Vet-pass-12")

        let pet = try await server.request("POST", "/api/v1/pet", token: vet, json: #"{"name": "Mochi", "species": "cat", "weight_kg": "4.2", "chip": "CHIP-991"}"#)
        #expect(pet.status == 201)
        let petID = pet.object["id"] as? Int ?? 0
        #expect(try await server.request("POST", "/api/v1/pet", token: vet, json: #"{"name": "Rex", "species": "lizard"}"#).status == 400)

        // Line items inside the master; the rule totals them.
        let visit = try await server.request(
            "POST", "/api/v1/visit", token: vet,
            json: #"{"pet": \#(petID), "reason": "Vaccination", "treatment": [{"item": "Rabies shot", "price": "180.00"}, {"item": "Check-up", "price": "120.50"}]}"#)
        #expect(visit.status == 201)
        #expect(visit.object["fee"] as? String == "300.50")
        #expect((visit.object["treatment"] as? [[String: Any]])?.count == 2)
        let visitID = visit.object["id"] as? Int ?? 0

        // 422: the rule refuses, with the field.
        let refused = try await server.request(
            "POST", "/api/v1/visit", token: vet, json: #"{"pet": \#(petID), "reason": "Surgery", "treatment": [{"item": "Operation", "price": "12000.00"}]}"#)
        #expect(refused.status == 422)
        #expect((refused.object["errors"] as? [[String: Any]])?.first?["field"] as? String == "fee")

        // A PATCH's lines replace the lines: one kept and changed, one new, one gone.
        let lines = visit.object["treatment"] as? [[String: Any]] ?? []
        let keep = lines.first?["id"] as? Int ?? 0
        let patched = try await server.request(
            "PATCH", "/api/v1/visit/\(visitID)", token: vet,
            json: #"{"treatment": [{"id": \#(keep), "item": "Rabies shot", "price": "200.00"}, {"item": "Nail trim", "price": "30.00"}]}"#)
        #expect(patched.status == 200)
        #expect(patched.object["fee"] as? String == "230.00")
        #expect((patched.object["treatment"] as? [[String: Any]])?.map { $0["item"] as? String } == ["Rabies shot", "Nail trim"])

        // The workflow: billed visits are locked.
        #expect(try await server.request("POST", "/api/v1/visit/\(visitID)/transitions/bill", token: vet).object["state"] as? String == "billed")
        #expect(try await server.request("PATCH", "/api/v1/visit/\(visitID)", token: vet, json: #"{"reason": "x"}"#).status == 409)

        // The pages: a menu entry, a list, a form with the choices, a record page with its lines.
        let session = try await PageTests.signIn(server, "vet", "Vet-pass-12")
        let home = try await server.request("GET", "/", cookies: session)
        #expect(home.body.contains(#"href="/e/pet""#))
        #expect(home.body.contains(#"href="/e/visit""#))
        // A menu group no <menu> declares is named after itself.
        #expect(home.body.contains("Purchasing") && home.body.contains(#"href="/e/supplier""#) && !home.body.contains(">More<"))
        // No funnel report, no funnel card (there was an empty one, titled after the page).
        #expect(!home.body.contains("<section><h2>Workbench</h2>"))
        let list = try await server.request("GET", "/e/pet", cookies: session)
        #expect(list.body.contains("Mochi"))
        // Headers sort by a click, except a set's, which has no order.
        #expect(list.body.contains("sort=weight_kg") && !list.body.contains("sort=traits") && list.body.contains("<th>Traits</th>"))
        let form = try await server.request("GET", "/e/pet/new", cookies: session)
        #expect(form.body.contains(#"<option value="cat""#))
        // A few choices of a set are ticked; ticking none empties the set (the hidden empty value
        // says the field was sent).
        #expect(form.body.contains(#"<input type="hidden" name="traits" value=""><span class="checks">"#))
        #expect(form.body.contains(#"type="checkbox" name="traits" value="bites"> Bites</label>"#), "a value without a label, humanized")
        let csrf = PageTests.csrf(in: form.body)
        for (ticked, expected) in [(["shy", "senior"], ["shy", "senior"]), ([], [])] {
            let saved = try await server.request(
                "POST", "/e/pet/\(petID)", form: [("_csrf", csrf), ("name", "Mochi"), ("traits", "")] + ticked.map { ("traits", $0) }, cookies: session)
            #expect(saved.status == 302, "\(saved.body)")
            let traits = try await server.request("GET", "/api/v1/pet/\(petID)", token: vet).object["traits"]
            #expect((traits as? [String] ?? []) == expected, "\(String(describing: traits))")
        }
        // A field's help is its input's hint; a hidden field is on no page, only in the API.
        #expect(form.body.contains("<small>Weighed at the last visit</small>") && !form.body.contains(#"name="chip""#))
        #expect(!list.body.contains("Microchip") && !list.body.contains("CHIP-991"))
        #expect(try await server.request("GET", "/api/v1/pet/\(petID)", token: vet).object["chip"] as? String == "CHIP-991")
        let petPage = try await server.request("GET", "/e/pet/\(petID)", cookies: session).body
        #expect(!petPage.contains("CHIP-991"))
        // The record page shows the view form, the edit page the edit form.
        #expect(petPage.contains("Pet card") && !form.body.contains("Pet card") && form.body.contains("<legend>Pet</legend>"))
        let record = try await server.request("GET", "/e/visit/\(visitID)", cookies: session)
        #expect(record.body.contains("Nail trim"))
        // Without a form's related lists, a page lists what points to it; a list of the page's own
        // entity says by which field, and leaves that column out (every row would show this record).
        #expect(petPage.contains("<h2>Visits</h2><table class=\"list\"><thead><tr><th>Reason</th><th>Fee</th></tr>"), "\(petPage)")
        #expect(record.body.contains("<h2>Visits · Follow-up of</h2>") && record.body.contains(#"<td class="empty" colspan="3">"#))
        // A report by workflow state names the states by their labels.
        let report = try await server.request("GET", "/reports/visits_by_state", cookies: session)
        #expect(report.status == 200 && report.body.contains(">Billed<") && !report.body.contains(">billed<"))
        #expect(report.body.contains("<thead><tr><th>State</th><th>Count</th></tr></thead>"), "the table says what it groups and measures")
        // Billed is a locked state: no edit button, and the form explains why.
        #expect(!record.body.contains("/e/visit/\(visitID)/edit"))
        let locked = try await server.request("GET", "/e/visit/\(visitID)/edit", cookies: session)
        #expect(locked.status == 409 && locked.body.contains("locked in state &#39;Billed&#39;"))
        #expect(record.body.contains("Mochi"))

        // This business's own duplicate rule, calendar field and workbench list, with no Swift change.
        let today = server.engine.store.variables(for: .system).today
        let booked = try await server.request(
            "POST", "/api/v1/visit", token: vet, json: #"{"pet": \#(petID), "reason": "Dental check", "booked_for": "\#(today)T15:30:00+08:00"}"#)
        #expect(booked.status == 201)
        let workbench = try await server.request("GET", "/", cookies: session)
        #expect(workbench.body.contains("My open visits") && workbench.body.contains("Dental check"))
        let week = try await server.request("GET", "/calendar?week=" + today, cookies: session)
        #expect(week.body.contains("15:30") && week.body.contains("Dental check"))
        let lookalike = try await server.request(
            "POST", "/e/pet", form: [("_csrf", PageTests.csrf(in: form.body)), ("name", " mochi "), ("species", "cat")], cookies: session)
        #expect(lookalike.status == 200 && lookalike.body.contains(#">Mochi</a>"#))
        #expect(list.body.contains(#"action="/e/pet/bulk""#))

        let document = try await server.request("GET", "/api/openapi.json").object
        let paths = document["paths"] as? [String: Any] ?? [:]
        #expect(paths["/api/v1/visit/{id}/transitions/{name}"] != nil)
        #expect(paths["/api/v1/treatment"] == nil)
    }

    /// A line item's file field: chosen in the master's form, stored with the record, linked on
    /// its page, downloaded with the record's access, kept when the form is saved again, removed
    /// with its box.
    @Test func lineItemsTakeFilesInTheForm() async throws {
        let server = try await LiveServer(modules: ["clinic": Self.module], scripts: ["clinic": Self.script])
        defer { Task { await server.stop() } }
        let vet = try server.user("vet", roles: ["vet"], password: "Vet-pass-12")
        _ = try server.user("visitor", roles: [], password: "Visitor-pass-1")
        #expect(try await server.request("POST", "/api/v1/pet", token: vet, json: #"{"name": "Mochi", "species": "cat"}"#).status == 201)
        let session = try await PageTests.signIn(server, "vet", "Vet-pass-12")
        let form = try await server.request("GET", "/e/visit/new", cookies: session)
        #expect(form.body.contains(#"enctype="multipart/form-data""#) && form.body.contains(#"type="file" name="lines.treatment.0.xray""#))
        func multipart(_ parts: [(String, String, String?)]) -> String {
            parts.map { name, value, filename in
                "--kith-test\r\nContent-Disposition: form-data; name=\"\(name)\"" + (filename.map { "; filename=\"\($0)\"\r\nContent-Type: image/png" } ?? "")
                    + "\r\n\r\n\(value)\r\n"
            }.joined() + "--kith-test--\r\n"
        }
        let post = { (path: String, parts: [(String, String, String?)]) in
            try await server.request("POST", path, json: multipart(parts), headers: ["Content-Type": "multipart/form-data; boundary=kith-test"], cookies: session)
        }
        let csrf = PageTests.csrf(in: form.body)
        // The rule's refusal names the fee, which a new visit's form does not show (it is
        // read-only): it is said above the form, by the field's label.
        let refused = try await post(
            "/e/visit",
            [("_csrf", csrf, nil), ("pet", "Mochi", nil), ("reason", "Surgery", nil), ("lines.treatment.0.item", "Operation", nil),
             ("lines.treatment.0.price", "12000", nil)])
        #expect(refused.status == 422)
        #expect(refused.body.contains(#"<p class="error">Fee: over 10,000 needs the owner&#39;s written consent"#), "\(refused.body)")
        #expect(!refused.body.contains("Please correct the fields marked below"))
        let created = try await post(
            "/e/visit",
            [("_csrf", csrf, nil), ("pet", "Mochi", nil), ("reason", "Limping", nil), ("lines.treatment.0.item", "X-ray", nil),
             ("lines.treatment.0.price", "300", nil), ("lines.treatment.0.xray", "paw scan", "paw.png"),
             ("lines.treatment.1.item", "", nil), ("lines.treatment.1.xray", "", "")])
        #expect(created.status == 302, "\(created.body)")
        let id = try #require(created.header("location")?.split(separator: "/").last.flatMap { Int($0) })
        let stored = { try await server.request("GET", "/api/v1/visit/\(id)", token: vet).object["treatment"] as? [[String: Any]] ?? [] }
        let lines = try await stored()
        let file = try #require(lines.first?["xray"] as? Int)
        #expect(lines.count == 1 && lines.first?["item"] as? String == "X-ray")
        #expect(try await server.request("GET", "/e/visit/\(id)", cookies: session).body.contains(#"<a href="/files/\#(file)">paw.png</a>"#))
        #expect(try await server.request("GET", "/files/\(file)", cookies: session).body == "paw scan")
        #expect(try await server.request("GET", "/files/\(file)", cookies: try await PageTests.signIn(server, "visitor", "Visitor-pass-1")).status == 404)

        // Saved again without a new file, the line keeps it; with the box ticked, it goes.
        let edit = try await server.request("GET", "/e/visit/\(id)/edit", cookies: session)
        #expect(edit.body.contains(#"name="lines.treatment.0.xray._clear""#))
        let lineID = String(lines.first?["id"] as? Int ?? 0)
        let kept = try await post(
            "/e/visit/\(id)",
            [("_csrf", csrf, nil), ("reason", "Limping, left paw", nil), ("lines.treatment.0.id", lineID, nil), ("lines.treatment.0.item", "X-ray", nil),
             ("lines.treatment.0.price", "300", nil), ("lines.treatment.0.xray", "", "")])
        #expect(kept.status == 302, "\(kept.body)")
        #expect(try await stored().first?["xray"] as? Int == file)
        let cleared = try await post(
            "/e/visit/\(id)",
            [("_csrf", csrf, nil), ("lines.treatment.0.id", lineID, nil), ("lines.treatment.0.item", "X-ray", nil), ("lines.treatment.0.price", "300", nil),
             ("lines.treatment.0.xray._clear", "1", nil)])
        #expect(cleared.status == 302, "\(cleared.body)")
        #expect(try await stored().first?["xray"] is NSNull)
    }

    /// A form's `<lines>` decides the line editor's and the record page's heading and columns;
    /// a field left out keeps its stored value when the form is saved.
    /// A record page follows its own form (`kind="view"`) for related lists too, though a form
    /// for both comes first.
    @Test func recordPagesTakeRelatedListsFromTheirOwnForm() async throws {
        let module = """
            <module xmlns="urn:kith:1" name="sites" version="1">
              <entity name="site" label="Site" plural="Sites" title="name">
                <field name="name" type="text" required="true" label="Name"/>
                <form name="both" kind="both">
                  <section name="main" label="Site"><field ref="name"/></section>
                  <related entity="visit" via="site" label="Visits made"/>
                </form>
                <form name="page" kind="view">
                  <section name="main" label="Site"><field ref="name"/></section>
                  <related entity="remark" via="site" label="Remarks made"/>
                </form>
              </entity>
              <entity name="visit" label="Visit" plural="Visits" title="note">
                <field name="site" type="ref" entity="site" required="true"/>
                <field name="note" type="text" label="Note"/>
              </entity>
              <entity name="remark" label="Remark" plural="Remarks" title="text">
                <field name="site" type="ref" entity="site" required="true"/>
                <field name="text" type="text" label="Text"/>
              </entity>
              <role name="surveyor" label="Surveyor"><grant entity="*" read="all" create="yes" update="all"/></role>
            </module>
            """
        let server = try await LiveServer(modules: ["sites": module])
        defer { Task { await server.stop() } }
        let surveyor = try server.user("surveyor", roles: ["surveyor"], password: "Surveyor-pass-1")
        let site = try #require(
            try await server.request("POST", "/api/v1/site", token: surveyor, json: #"{"name": "North yard"}"#).object["id"] as? Int)
        let session = try await PageTests.signIn(server, "surveyor", "Surveyor-pass-1")
        let page = try await server.request("GET", "/e/site/\(site)", cookies: session).body
        #expect(page.contains("<h2>Remarks made</h2>") && !page.contains("Visits made"), "\(page)")
    }

    @Test func formsShowTheLinesTheyDeclare() async throws {
        let module = """
            <module xmlns="urn:kith:1" name="repairs" version="1">
              <entity name="job" label="Job" plural="Jobs" title="title">
                <field name="title" type="text" required="true" label="Title"/>
                <form name="default">
                  <section name="main" label="Job"><field ref="title"/></section>
                  <lines entity="job_part" columns="quantity,part" label="Parts used" label-zh="用料"/>
                </form>
              </entity>
              <entity name="job_part" label="Job part" detail-of="job" title="part">
                <field name="job" type="ref" entity="job" required="true" on-delete="cascade"/>
                <field name="part" type="text" required="true" label="Part"/>
                <field name="quantity" type="integer" label="Quantity"/>
                <field name="bin" type="text" label="Storage bin"/>
              </entity>
              <role name="fitter" label="Fitter"><grant entity="*" read="all" create="yes" update="all"/></role>
            </module>
            """
        let server = try await LiveServer(modules: ["repairs": module])
        defer { Task { await server.stop() } }
        let fitter = try server.user("fitter", roles: ["fitter"], password: "Fitter-pass-1")
        let created = try await server.request(
            "POST", "/api/v1/job", token: fitter, json: #"{"title": "Pump", "job_part": [{"part": "Seal", "quantity": 2, "bin": "B-7"}]}"#)
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.object["id"] as? Int)
        let lineID = try #require((created.object["job_part"] as? [[String: Any]])?.first?["id"] as? Int)
        let session = try await PageTests.signIn(server, "fitter", "Fitter-pass-1")

        let page = try await server.request("GET", "/e/job/\(id)", cookies: session).body
        #expect(page.contains("<h2>Parts used</h2>") && !page.contains("<h2>Job part"), "\(page)")
        #expect(page.contains("Quantity") && !page.contains("Storage bin") && !page.contains("B-7"))
        let quantity = try #require(page.range(of: "<th>Quantity</th>")), part = try #require(page.range(of: "<th>Part</th>"))
        #expect(quantity.lowerBound < part.lowerBound, "the columns in the form's order")

        let edit = try await server.request("GET", "/e/job/\(id)/edit", cookies: session).body
        #expect(edit.contains("<legend>Parts used</legend>"))
        #expect(edit.contains(#"name="lines.job_part.0.part""#) && !edit.contains(#"name="lines.job_part.0.bin""#))
        let saved = try await server.request(
            "POST", "/e/job/\(id)",
            form: [("_csrf", PageTests.csrf(in: edit)), ("title", "Pump"), ("lines.job_part.0.id", String(lineID)),
                   ("lines.job_part.0.part", "Seal kit"), ("lines.job_part.0.quantity", "3")],
            cookies: session)
        #expect(saved.status == 302, "\(saved.body)")
        let line = try await server.request("GET", "/api/v1/job/\(id)", token: fitter).object["job_part"] as? [[String: Any]]
        #expect(line?.first?["part"] as? String == "Seal kit" && line?.first?["bin"] as? String == "B-7")
    }

    /// A `counts="views"` field counts the record pages its users open, as no change: no history,
    /// no new version. Reading it through the API does not count.
    @Test func recordPagesCountTheirViews() async throws {
        let module = """
            <module xmlns="urn:kith:1" name="help" version="1">
              <entity name="article" label="Article" plural="Articles" title="title">
                <field name="title" type="text" required="true" label="Title"/>
                <field name="views" type="integer" counts="views" default="0" label="Views"/>
              </entity>
              <role name="reader" label="Reader"><grant entity="*" read="all" create="yes" update="all"/></role>
            </module>
            """
        let server = try await LiveServer(modules: ["help": module])
        defer { Task { await server.stop() } }
        let reader = try server.user("reader", roles: ["reader"], password: "Reader-pass-1")
        let created = try await server.request("POST", "/api/v1/article", token: reader, json: #"{"title": "Resetting a password"}"#)
        let id = try #require(created.object["id"] as? Int)
        #expect(try await server.request("PATCH", "/api/v1/article/\(id)", token: reader, json: #"{"views": 500}"#).status == 400)
        let session = try await PageTests.signIn(server, "reader", "Reader-pass-1")
        for _ in 0..<3 { #expect(try await server.request("GET", "/e/article/\(id)", cookies: session).status == 200) }
        var article: [String: Any] = [:]
        for _ in 0..<100 {
            article = try await server.request("GET", "/api/v1/article/\(id)", token: reader).object
            if article["views"] as? Int == 3 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(article["views"] as? Int == 3, "three pages opened; the API's reads do not count")
        #expect(article["version"] as? Int == 1)
        let history = try await server.request("GET", "/api/v1/article/\(id)/history", token: reader).object["data"] as? [[String: Any]]
        #expect(history?.count == 1, "only its creation")
        #expect(try await server.request("GET", "/e/article/999", cookies: session).status == 404)
    }
}
