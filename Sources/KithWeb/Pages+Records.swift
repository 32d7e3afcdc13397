import Foundation
import HTTPTypes
import Hummingbird
import KithEngine
import KithSchema
import KithStore
import NIOCore

/// List pages, record pages and forms, from each entity's views and forms.
extension Pages {
    // MARK: Lists

    func list(_ page: PageRequest) throws -> Response {
        let entity = try page.entity()
        let parameters = QueryItems(page.request.uri.query)
        let view = parameters.first("view").flatMap { entity.view($0) } ?? entity.defaultView
        let columns = (view?.columns.map(\.field) ?? [entity.titleField]).filter { entity.field($0) != nil }
        var items = try listParameters(parameters, entity: entity, user: page.user).items
        if let view, parameters.first("view") == nil { items.append(("view", view.name)) }
        var query = try ListQuery.build(entity, QueryItems(items: items), variables: engine.store.variables(for: page.user.actor))
        query.limit = 50
        query.fields = Set(columns)  // only what the page shows
        let sortText = parameters.first("sort") ?? ""
        let (result, count, permissions, display, saved) = try engine.read(as: page.user.actor) { transaction in
            let permissions = try AccessPolicy.access(entity.name, for: page.user, in: transaction)
            // No grant to read, nothing shared: no page (its "New" stays for a role that may only create).
            if permissions.filter.readsNothing && !permissions.filter.mayCreate { throw RecordError.mayNotRead(entity.name) }
            let shown = columns.compactMap { entity.field($0) }
            let result = try transaction.query(try withTitles(query, entity, fields: shown, for: page.user.actor, in: transaction), access: permissions.filter)
            // "2000+" past 2,000, as other CRMs do: counting further costs more than the page.
            let count = try transaction.count(entity.name, filter: query.filter, search: query.search, cap: 2_000, access: permissions.filter)
            let saved = try transaction.savedViews(user: page.user.id, entity: entity.name)
            return (result, count, permissions, try Display(schema: schema, language: page.language, transaction: transaction, labelCache: labelCache), saved)
        }
        let access = permissions.filter
        let fields = columns.filter { !access.hiddenFields.contains($0) }.compactMap { entity.field($0) }.filter { !$0.isHidden }
        let owned = entity.ownership == .user && entity.detailOf == nil
        let bulk = owned || permissions.mayExport
        let rows = result.rows
        // The page is written here, escaped, straight into the response's bytes: through the
        // template engine its lookups cost more than its queries, and building strings to copy
        // them after cost a tenth of the page.
        let title = pluralLabel(entity, page.language)
        var output: [UInt8] = []
        output.reserveCapacity(32_768)
        output.append(raw: frameStart(title: title, user: page.user, context: page.context, language: page.language))
        let texts = page.texts
        let name = HTML.escape(entity.name)
        let csrf = page.context.session?.csrf ?? ""
        let currentQuery = QueryItems.encode(parameters.items.filter { $0.0 != "cursor" })
        output.append("<div class=\"bar\"><h1>")
        output.append(escaped: title)
        output.append("</h1>\n")
        if access.mayCreate {
            output.append(raw: "<a class=\"button\" href=\"/e/\(name)/new\">")
            output.append(escaped: texts["new"])
            output.append("</a>\n")
        }
        if permissions.mayExport {
            output.append(raw: "<a class=\"button secondary\" href=\"/e/\(name)/export.csv?")
            output.append(escaped: currentQuery)
            output.append("\">")
            output.append(escaped: texts["export"])
            output.append("</a>\n")
        }
        if access.mayCreate {
            output.append(raw: "<a class=\"button secondary\" href=\"/e/\(name)/import\">")
            output.append(escaped: texts["import"])
            output.append("</a>")
        }
        // The schema's views, then the user's own (each with its delete button).
        output.append("</div>\n<div class=\"views\">")
        for item in entity.views {
            output.append(raw: "<a href=\"/e/\(name)?view=\(HTML.escape(item.name))\" class=\"\(item.name == view?.name ? "current" : "")\">")
            output.append(escaped: item.labels.text(for: page.language, fallback: item.name.humanizedName))
            output.append("</a>")
        }
        for saved in saved {
            output.append("<span class=\"saved\"><a href=\"")
            output.append(escaped: "/e/\(entity.name)?" + saved.query)
            output.append(saved.query == currentQuery ? "\" class=\"current\">" : "\" class=\"\">")
            output.append(escaped: saved.name)
            output.append(raw: "</a><form method=\"post\" action=\"/e/\(name)/views/\(saved.id)/delete\" class=\"inline\">")
            output.append(csrf: csrf)
            output.append("<button class=\"link\" title=\"")
            output.append(escaped: texts["deleteView"])
            output.append("\">×</button></form></span>")
        }
        output.append("\n<details class=\"save-view\"><summary>")
        output.append(escaped: texts["saveView"])
        output.append(raw: "</summary><form method=\"post\" action=\"/e/\(name)/views\" class=\"inline\">")
        output.append(csrf: csrf)
        output.append(hidden: "query", value: currentQuery)
        output.append("<input name=\"name\" maxlength=\"60\" required placeholder=\"")
        output.append(escaped: texts["viewName"])
        output.append("\"><button class=\"secondary\">")
        output.append(escaped: texts["save"])
        output.append("</button></form></details></div>\n")
        // Quick search and a filter per column: a choice of values where there is one
        // (dictionaries, people, departments, yes and no), a day for dates and times, else text.
        output.append(raw: "<form method=\"get\" action=\"/e/\(name)\" class=\"filters\">\n")
        if let view { output.append(hidden: "view", value: view.name) }
        output.append("<input type=\"search\" name=\"q\" value=\"")
        output.append(escaped: parameters.first("q") ?? "")
        output.append("\" placeholder=\"")
        output.append(escaped: texts["search"])
        output.append("\">\n")
        for field in fields where field.type != .multiref && field.type != .file {
            let current = parameters.first("f." + field.name) ?? ""
            output.append("<label>")
            output.append(escaped: display.label(field))
            let choices: [(value: String, label: String)]? =
                switch field.type {
                case .enum, .multienum: display.choices(field).map { ($0.value, $0.label) }
                case .user: display.activeUsers.map { (String($0.id), $0.name) }
                case .department: display.directory.departments.map { (String($0.id), $0.name) }
                case .boolean: [("true", texts["yes"] ?? "Yes"), ("false", texts["no"] ?? "No")]
                default: nil
                }
            if let choices {
                output.append(raw: "<select name=\"f.\(HTML.escape(field.name))\"><option value=\"\"></option>")
                HTML.options(choices.map { ($0.value, $0.label, $0.value == current) }, into: &output)
                output.append("</select></label>")
            } else {
                output.append(raw: "<input name=\"f.\(HTML.escape(field.name))\" value=\"")
                output.append(escaped: current)
                output.append(field.type.isTemporal ? "\" type=\"date\"></label>" : "\" type=\"text\"></label>")
            }
        }
        output.append("\n<button>")
        output.append(escaped: texts["filter"])
        output.append("</button></form>\n<p class=\"count\">")
        output.append(decimal: Int64(count.value))
        output.append(count.isCapped ? "+ " : " ")
        output.append(escaped: count.value == 1 && !count.isCapped ? texts["record"] : texts["records"])
        output.append("</p>\n<table class=\"list\"><thead><tr>")
        if bulk {
            output.append("<th class=\"pick\"><span class=\"hidden\">")
            output.append(escaped: texts["select"])
            output.append("</span></th>")
        }
        // Headers sort by their column (a second click, the other way).
        let baseItems = parameters.items.filter { $0.0 != "cursor" && $0.0 != "sort" }
        for field in fields {
            output.append("<th>")
            if field.type.isOrdered {  // sets and files have no order
                let next = sortText == field.name ? "-" + field.name : field.name
                let arrow = sortText == field.name ? " ▲" : (sortText == "-" + field.name ? " ▼" : "")
                output.append(link: "/e/\(entity.name)?" + QueryItems.encode(baseItems + [("sort", next)]), text: display.label(field) + arrow)
            } else {
                output.append(escaped: display.label(field))
            }
            output.append("</th>")
        }
        output.append("</tr></thead>\n<tbody>")
        let columnsShown = fields.enumerated().map { index, field in
            (
                position: rows.position(of: field.name), text: display.formatter(field), titles: result.titles[field.name],
                linked: index == 0 || field.name == entity.titleField
            )
        }
        HTML.rows(
            into: &output, count: rows.count, columns: fields.count, empty: texts["noRecords"] ?? "", selectable: bulk, id: rows.id,
            link: "/e/\(entity.name)/"
        ) { row, column in
            let shown = columnsShown[column]
            return (shown.text(shown.position.map { rows[row, $0] } ?? .null, shown.titles), shown.linked)
        }
        output.append("</tbody></table>\n")
        // Bulk actions on the ticked rows: transfer and share records with owners, export.
        if bulk, rows.count > 0 {
            output.append(raw: "<form method=\"post\" action=\"/e/\(name)/bulk\" id=\"bulk\" class=\"bulk\">")
            output.append(csrf: csrf)
            output.append(hidden: "back", value: page.request.uri.path + (page.request.uri.query.map { "?" + $0 } ?? ""))
            output.append("\n<span>")
            output.append(escaped: texts["ticked"])
            output.append("</span>\n")
            if owned {
                let people = display.activeUsers
                let departments = display.directory.departments
                output.append("<label>")
                output.append(escaped: texts["transferTo"])
                output.append("<select name=\"user\">")
                HTML.options(people.map { (String($0.id), $0.name, false) }, into: &output)
                output.append("</select></label><button name=\"action\" value=\"transfer\" class=\"secondary\">")
                output.append(escaped: texts["transfer"])
                output.append("</button>\n<label>")
                output.append(escaped: texts["shareWith"])
                output.append("<select name=\"target\">")
                HTML.options(people.map { ("u\($0.id)", $0.name, false) } + departments.map { ("d\($0.id)", $0.name, false) }, into: &output)
                output.append("</select></label><label><input type=\"checkbox\" name=\"edit\" value=\"1\"> ")
                output.append(escaped: texts["mayEdit"])
                output.append("</label><button name=\"action\" value=\"share\" class=\"secondary\">")
                output.append(escaped: texts["share"])
                output.append("</button>")
            }
            if permissions.mayExport {
                output.append("\n<button name=\"action\" value=\"export\" class=\"secondary\">")
                output.append(escaped: texts["exportTicked"])
                output.append("</button>")
            }
            output.append("</form>\n")
        }
        output.append("<p class=\"paging\">")
        if parameters.first("cursor") != nil { output.append(link: "/e/\(entity.name)?" + currentQuery, text: texts["firstPage"]) }
        if let cursor = result.nextCursor {
            output.append(" ")
            output.append(
                link: "/e/\(entity.name)?" + QueryItems.encode(parameters.items.filter { $0.0 != "cursor" } + [("cursor", cursor)]),
                text: (texts["nextPage"] ?? "") + " →")
        }
        output.append("</p>")
        output.append(raw: Self.frameEnd)
        return html(ByteBuffer(bytes: output))
    }

    /// The list page's own parameters (`f.FIELD` filters) as the API's: text fields match by
    /// `contains`, a reference by its record's title (among the records `user` may read), others
    /// by equality (a date-time by the day typed).
    func listParameters(_ parameters: QueryItems, entity: Entity, user: DirectoryUser) throws -> QueryItems {
        var items: [(String, String)] = []
        for (key, value) in parameters.items {
            if key.hasPrefix("f.") {
                let name = String(key.dropFirst(2))
                guard !value.isEmpty, let field = entity.field(name) else { continue }
                if field.type == .ref, let target = field.target.flatMap({ schema.entity($0) }) {
                    let ids = try recordIDs(target, titleContaining: value, for: user)
                    items.append(("\(name)[in]", ids.isEmpty ? "0" : ids.map(String.init).joined(separator: ",")))
                } else {
                    items.append((field.type.isString ? "\(name)[contains]" : name, value))
                }
            } else if ["q", "sort", "cursor", "view"].contains(key) {
                items.append((key, value))
            } else if entity.field(String(key.prefix { $0 != "[" })) != nil {
                items.append((key, value))  // the API's filters (`level=gold`, `amount[gte]=1000`): links people share
            }
        }
        return QueryItems(items: items)
    }

    /// The ids of the records of `target` whose title contains `text` (or whose id it is, as
    /// `#12`), that `user` may read: at most 1,000.
    func recordIDs(_ target: Entity, titleContaining text: String, for user: DirectoryUser) throws -> [Int64] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let byID = trimmed.hasPrefix("#") ? Int64(trimmed.dropFirst()) : nil
        let title = target.field(target.titleField)
        let filter: RecordFilter =
            if let byID { .condition(field: "id", op: .eq, values: [.integer(byID)]) } else if title?.type.isString == true {
                .condition(field: target.titleField, op: .contains, values: [.text(trimmed)])
            } else { .condition(field: target.titleField, op: .eq, values: [.text(trimmed)]) }
        return try engine.read(as: user.actor) { transaction in
            var query = RecordQuery(entity: target.name, filter: filter, limit: 1_000)
            query.fields = ["id"]
            let page = try transaction.query(query, access: try engine.access(target.name, for: user, in: transaction))
            return (0..<page.rows.count).map(page.rows.id)
        }
    }

    func export(_ page: PageRequest) throws -> Response {
        let entity = try page.entity()
        let parameters = QueryItems(page.request.uri.query)
        var query = try ListQuery.build(
            entity, try listParameters(parameters, entity: entity, user: page.user), variables: engine.store.variables(for: page.user.actor))
        query.after = nil
        return try csv(entity, query: query, user: page.user)
    }

    /// The records of `query` the user may read, as a CSV download (the export grant checked and logged).
    func csv(_ entity: Entity, query: RecordQuery, user: DirectoryUser) throws -> Response {
        let output = OutputStream.toMemory()
        output.open()
        try engine.exportCSV(query, to: output, as: user)
        output.close()
        let data = output.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(entity.name).csv\""],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Import

    func importPage(_ page: PageRequest) throws -> Response {
        let entity = try page.entity()
        return render("import", importValues(entity, page: page, csv: "", mapping: nil, report: nil, applied: false), page: page)
    }

    /// The import (导入) in three steps on one page: a CSV file or pasted text; its columns mapped to
    /// fields (suggested from names and labels), checked row by row; then imported through the
    /// entity's rules, in the background with a progress page. With bad rows nothing is stored
    /// unless `skip` is ticked, which stores the good ones.
    func importCSV(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let form = try await page.form()
        let csv = (form.first("file").flatMap { $0.isEmpty ? nil : $0 } ?? form.first("csv") ?? "")
        guard !csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw Problem(.badRequest, page.texts["importEmpty"] ?? "") }
        let columns = RecordTransfer.preview(csv, entity: entity)
        guard !columns.isEmpty else { throw Problem(.badRequest, page.texts["importNotCSV"] ?? "") }
        // The mapping: chosen on the page (`map.N`, empty to leave out), else suggested.
        let chosen = form.items.contains { $0.0.hasPrefix("map.") }
        var mapping: [String: String?] = [:]
        for (index, column) in columns.enumerated() {
            mapping[column.column] = chosen ? form.first("map.\(index)").flatMap { $0.isEmpty ? nil : $0 } : column.field
        }
        guard chosen else {
            return render("import", importValues(entity, page: page, csv: csv, mapping: mapping, report: nil, applied: false), page: page)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kith-import-\(UUID().uuidString).csv")
        try Data(csv.utf8).write(to: file)
        let apply = form.first("apply") == "1"
        let skip = form.first("skip") == "1"
        let allowDuplicates = form.first("duplicates") == "allow"
        guard apply else {
            defer { try? FileManager.default.removeItem(at: file) }
            let report = try engine.importCSV(
                entity.name, from: file, dryRun: true, skipInvalid: skip, allowDuplicates: allowDuplicates, as: page.user.actor,
                mapping: mapping)
            var values = importValues(entity, page: page, csv: csv, mapping: mapping, report: report, applied: false)
            values["skip"] = skip
            values["allowDuplicates"] = allowDuplicates
            return render("import", values, page: page)
        }
        // The import runs off the request; small ones finish before the page is sent.
        let job = imports.start(entity: entity.name, user: page.user.id)
        let engine = engine
        let actor = page.user.actor
        let imports = imports
        Task.detached {
            defer { try? FileManager.default.removeItem(at: file) }
            do {
                let report = try engine.importCSV(
                    entity.name, from: file, dryRun: false, skipInvalid: skip, allowDuplicates: allowDuplicates, as: actor,
                    mapping: mapping,
                    progress: { rows in imports.progress(job, rows: rows) })
                imports.finish(job, report: report, error: nil)
            } catch {
                imports.finish(job, report: nil, error: (error as? RecordError)?.message ?? "\(error)")
            }
        }
        for _ in 0..<20 where imports.job(job, user: page.user.id)?.isFinished == false { try await Task.sleep(for: .milliseconds(100)) }
        return .redirect(to: "/e/\(entity.name)/import/\(job)", type: .normal)
    }

    /// An import's progress (refreshing itself each second while it runs), then its report.
    func importProgress(_ page: PageRequest) throws -> Response {
        let entity = try page.entity()
        guard let id = page.context.parameters.get("job").flatMap(UUID.init(uuidString:)), let job = imports.job(id, user: page.user.id) else {
            throw Problem(.notFound, "there is no such import")
        }
        var values = importValues(entity, page: page, csv: "", mapping: nil, report: job.report, applied: job.report?.applied ?? false)
        values["showForm"] = job.isFinished
        if !job.isFinished {
            values["running"] = ["rows": job.rows] as [String: Any]
            var response = render("import", values, page: page)
            response.headers[HTTPField.Name("Refresh")!] = "1"
            return response
        }
        if let error = job.error { values["importError"] = error }
        return render("import", values, page: page)
    }

    /// A row's trouble for the import page: field by field in the page's language when the
    /// row's values were refused, else as the store said it.
    func importProblem(_ problem: ImportReport.Problem, entity: Entity, page: PageRequest) -> String {
        guard page.language == "zh", !problem.fields.isEmpty else { return problem.message }
        return problem.fields.map { field in
            guard !field.field.isEmpty else { return page.problem(field) }  // the header's
            let label = entity.field(field.field).map { self.label($0, page.language) } ?? field.field
            return "\(label)：\(page.problem(field))"
        }.joined(separator: "；")
    }

    func importValues(_ entity: Entity, page: PageRequest, csv: String, mapping: [String: String?]?, report: ImportReport?, applied: Bool) -> [String: Any] {
        let importable = RecordTransfer.importable(in: entity)
        let fieldChoices = importable.compactMap { entity.field($0) }.map { field in
            (field.name, field.labels.text(for: page.language, fallback: field.name.humanizedName))
        }
        var values: [String: Any] = [
            "title": "\(page.texts["import"] ?? "") · \(pluralLabel(entity, page.language))", "entity": entity.name, "csv": csv,
            "columns": importable.filter { $0 != "owner" }.joined(separator: ","), "showForm": true,
            "checksDuplicates": RecordTransfer.checksLikelyDuplicates(entity),
        ]
        if let mapping, !csv.isEmpty {
            values["hasMapping"] = true
            values["mapping"] = RecordTransfer.preview(csv, entity: entity).enumerated().map { index, column -> [String: Any] in
                let target = mapping[column.column] ?? nil
                return [
                    "index": index, "column": column.column, "sample": column.sample,
                    "fields": fieldChoices.map { ["name": $0.0, "label": "\($0.1) (\($0.0))", "selected": $0.0 == target] },
                ]
            }
        }
        if let report {
            values["report"] = [
                "rows": report.rows, "good": report.rows - Set(report.problems.map(\.line)).count, "imported": report.imported, "applied": applied,
                "problems": report.problems.prefix(200).map { ["line": $0.line, "message": importProblem($0, entity: entity, page: page)] },
            ] as [String: Any]
        }
        return values
    }

    // MARK: Record pages

    /// One more view of a record its user has just been shown, for entities that count views
    /// (`counts="views"`). The write goes to the writer after the page: a page never waits for it.
    func countView(_ page: PageRequest) {
        guard let entity = try? page.entity(), entity.fields.contains(where: \.countsViews), let id = try? page.recordID() else { return }
        let store = engine.store
        Task { _ = try? await store.perform(as: .system) { try $0.countView(entity.name, id: id) } }
    }

    /// The record page; after a `refusal` (a guard, a rule, a state moved on meanwhile) with its
    /// reasons above the record and the refusal's status, so the user sees what to change.
    func recordPage(_ page: PageRequest, refusal: RecordError? = nil) throws -> Response {
        let entity = try page.entity()
        let id = try page.recordID()
        let language = page.language
        let built = try engine.read(as: page.user.actor) { transaction -> [String: Any] in
            let access = try engine.access(entity.name, for: page.user, in: transaction)
            guard let record = try transaction.get(entity.name, id: id, access: access) else {
                throw RecordError(.notFound, entity: entity.name, "\(entity.name) #\(id) does not exist or you may not see it")
            }
            let display = try Display(schema: schema, language: language, transaction: transaction)
            let readable = { (name: String) throws -> AccessFilter in try engine.access(name, for: page.user, in: transaction) }
            let titles = try display.titles(of: record, entity: entity, in: transaction, access: readable)
            var values: [String: Any] = [
                "entity": entity.name, "id": id, "title": display.title(entity, record),
                "sections": try sections(entity, for: .view).map { section -> [String: Any] in
                    [
                        "label": section.label(language),
                        "fields": try section.fields.compactMap { placement -> [String: Any]? in
                            guard let field = entity.field(placement.0), !field.isHidden, record.values[field.name] != nil else { return nil }
                            var item: [String: Any] = [
                                "label": display.label(field), "text": display.text(record[field.name], field, titles: titles[field.name]),
                                "span": placement.1,
                            ]
                            if field.type == .file, let file = record[field.name].integer {
                                item["link"] = "/files/\(file)"
                                item["text"] = try transaction.fileName(id: file) ?? "#\(file)"
                            }
                            if field.type == .ref, let target = field.target, let linked = record[field.name].integer {
                                item["link"] = "/e/\(target)/\(linked)"
                            }
                            return item
                        },
                    ]
                },
            ]
            values["mayEdit"] = try !Self.isLocked(entity, record) && transaction.mayUpdate(entity.name, id: id, access: access)
            values["hasOwner"] = entity.ownership == .user
            if entity.isPool {  // the public pool: claim an ownerless record, return an owned one
                values["mayClaim"] = try record["owner"] == .null && AccessPolicy.access(entity.name, for: page.user, in: transaction).mayClaim
                values["mayRelease"] = record["owner"] != .null && values["mayEdit"] as? Bool == true
            }
            values["people"] = display.activeUsers.map { ["id": $0.id, "name": $0.name] }
            values["departments"] = display.directory.departments.map { ["id": $0.id, "name": $0.name] }
            values["csrf"] = page.context.session?.csrf ?? ""
            if let state = record["state"].text, let workflow = entity.workflow {
                values["state"] = workflow.state(state)?.labels.text(for: language, fallback: state) ?? state
                values["transitions"] = engine.availableTransitions(entity, record: record, for: page.user).map {
                    [
                        "name": $0.name, "label": $0.labels.text(for: language, fallback: $0.name.humanizedName), "entity": entity.name, "id": id,
                        "csrf": page.context.session?.csrf ?? "", "commentRequired": $0.comment == .required,
                    ] as [String: Any]
                }
                if workflow.approval(in: state) != nil {
                    if try engine.awaitsDecision(entity.name, id: id, from: page.user, in: transaction) {
                        // An administrator deciding a step that waits for others is told for whom.
                        let others = try engine.approversStoodInFor(entity.name, id: id, by: page.user, in: transaction)
                        let names = others.map { display.userName($0) }.joined(separator: language == "zh" ? "、" : ", ")
                        let onBehalf = others.isEmpty
                            ? "" : page.text("onBehalf", fallback: "{approvers}", ["approvers": names])
                        let csrf = page.context.session?.csrf ?? ""
                        values["approval"] = ["entity": entity.name, "id": id, "csrf": csrf, "onBehalf": onBehalf] as [String: Any]
                    }
                }
            }
            values["conversions"] = try engine.availableConversions(entity, record: record, for: page.user, in: transaction).map {
                ["name": $0.name, "label": $0.labels.text(for: language, fallback: $0.name.humanizedName), "entity": entity.name, "id": id, "csrf": page.context.session?.csrf ?? ""] as [String: Any]
            }
            values["lines"] = try schema.details(of: entity.name).map { detail -> [String: Any] in
                let lineAccess = try engine.access(detail.name, for: page.user, in: transaction)
                let (label, columns) = lineColumns(detail, of: entity, for: .view, language: language) { field in
                    (field.type != .ref || field.target != entity.name) && !field.isHidden && !lineAccess.hiddenFields.contains(field.name)
                }
                let lineTitles = try display.titles(ofLines: record.lines[detail.name] ?? [], entity: detail, in: transaction, access: readable)
                return [
                    "label": label, "columns": columns.map { ["label": display.label($0)] },
                    "rows": try (record.lines[detail.name] ?? []).map { line in
                        [
                            "cells": try columns.map { field -> [String: Any] in
                                // A file: its name, linked to the download.
                                if field.type == .file, let file = line[field.name].integer {
                                    return ["text": try transaction.fileName(id: file) ?? "#\(file)", "link": "/files/\(file)"]
                                }
                                return ["text": display.text(line[field.name], field, titles: lineTitles[field.name])]
                            }
                        ]
                    },
                ]
            }
            values["related"] = try related(entity, id: id, page: page, display: display, in: transaction)
            let trail = try transaction.approvals(entity.name, record: id)
            values["trail"] = trail.map { entry -> [String: Any] in
                [
                    // "Step 2", or "Round 2 · step 1" once the record was submitted again.
                    "step": entry.round > 1
                        ? String(format: page.texts["roundStep"] ?? "%d.%d", entry.round, entry.step) : String(format: page.texts["step"] ?? "%d", entry.step),
                    "approver": entry.approverID.map { approver in
                        guard let decider = entry.decidedBy, decider != approver else { return display.userName(approver) }
                        let names = ["approver": display.userName(approver), "user": display.userName(decider)]
                        return page.text("decidedFor", fallback: "{approver}", names)
                    } ?? page.text("noApprover", fallback: "{rule}", ["rule": entry.rule]),
                    "status": page.texts["status." + entry.status.rawValue] ?? entry.status.rawValue, "comment": entry.comment ?? "", "at": Display.time(entry.decidedAt ?? "", in: engine.store.timeZone),
                ]
            }
            values["hasTrail"] = !trail.isEmpty
            let history = try transaction.history(entity.name, id: id, access: access).reversed().prefix(50)
            var lineAccess: [String: AccessFilter] = [:]
            var lineTitles: [String: [String: [Int64: String]]] = [:]
            for detail in schema.details(of: entity.name) {
                lineAccess[detail.name] = try engine.access(detail.name, for: page.user, in: transaction)
                let changed = history.flatMap { entry in
                    entry.changes.flatMap { key, change -> [[String: Value]] in
                        guard let line = LineChange(key: key), line.detail == detail.name, let name = line.field else { return [] }
                        return [[name: change.old], [name: change.new]]
                    }
                }
                lineTitles[detail.name] = try display.titles(ofValues: changed, entity: detail, in: transaction, access: readable)
            }
            let changed = history.flatMap { $0.changes.flatMap { name, change in [[name: change.old], [name: change.new]] } }
            let historyTitles = try display.titles(ofValues: changed, entity: entity, in: transaction, access: readable)
            values["history"] = history.map { entry -> [String: Any] in
                [
                    "action": historyAction(entry.action, entity, page), "who": entry.actor.map { display.userName($0) } ?? "Kith", "at": Display.time(entry.at, in: engine.store.timeZone), "comment": entry.comment ?? "",
                    // Put back: an edit of fields the user may write (not lines, nor what rules compute).
                    "restore": values["mayEdit"] as? Bool == true && entry.action == "update"
                        && !engine.restorableFields(of: entry, entity.name, access: access).isEmpty
                        ? "/e/\(entity.name)/\(id)/restore/\(entry.version)" : "",
                    "changes": entry.changes.sorted { $0.key < $1.key }.compactMap { name, change -> [String: Any]? in
                        if let line = LineChange(key: name) {
                            return lineChange(line, change, display: display, access: lineAccess, titles: lineTitles, page: page)
                        }
                        guard let field = entity.field(name), !field.isHidden, !access.hiddenFields.contains(name) else { return nil }
                        let titles = historyTitles[name]
                        return ["field": display.label(field), "old": display.text(change.old, field, titles: titles), "new": display.text(change.new, field, titles: titles)]
                    },
                ]
            }
            return values
        }
        guard let refusal else { return render("record", built, page: page) }
        var shown = built
        let colon = page.language == "zh" ? "：" : ": "
        let reasons = refusal.problems.filter { $0.message != refusal.message }.map { problem in
            (entity.field(problem.field).map { label($0, page.language) }).map { $0 + colon + problem.message } ?? problem.message
        }
        shown["refusal"] = [refusal.message] + reasons
        shown["refused"] = true
        return render("record", shown, page: page, status: Problem(refusal).status)
    }

    /// A line's change in its master's history: "Part used #7 · Qty: 1 → 5", "Part used #8: added".
    func lineChange(
        _ line: LineChange, _ change: FieldChange, display: Display, access: [String: AccessFilter],
        titles: [String: [String: [Int64: String]]], page: PageRequest
    ) -> [String: Any]? {
        guard let detail = schema.entity(line.detail), let access = access[detail.name] else { return nil }
        let label = (detail.labels.isEmpty ? detail.name.humanizedName : label(detail, page.language)) + " #\(line.id)"
        guard let name = line.field else {
            return ["field": label, "note": page.texts[change.new.isEmpty ? "lineRemoved" : "lineAdded"] ?? ""]
        }
        guard let field = detail.field(name), !field.isHidden, !access.hiddenFields.contains(name) else { return nil }
        let titles = titles[detail.name]?[name]
        return [
            "field": label + " · " + display.label(field), "old": display.text(change.old, field, titles: titles),
            "new": display.text(change.new, field, titles: titles),
        ]
    }

    /// A history entry's action as people read it: a transition or conversion by its label, the
    /// engine's own actions in the page's language.
    func historyAction(_ action: String, _ entity: Entity, _ page: PageRequest) -> String {
        let (kind, name) = action.firstIndex(of: ":").map { (String(action[..<$0]), String(action[action.index(after: $0)...])) } ?? (action, "")
        switch kind {
        case "transition":
            return entity.workflow?.transition(name).map { $0.labels.text(for: page.language, fallback: name.humanizedName) } ?? name.humanizedName
        case "convert":
            return schema.conversions.first { $0.name == name && $0.source == entity.name }.map { $0.labels.text(for: page.language, fallback: name.humanizedName) }
                ?? name.humanizedName
        default:
            return page.texts["action." + action] ?? action
        }
    }

    /// Related lists (主从): the record page's form's, else every entity with a `ref` to this one,
    /// ten rows each.
    func related(_ entity: Entity, id: Int64, page: PageRequest, display: Display, in transaction: RecordTransaction) throws -> [[String: Any]] {
        // `qualified`: the label also names the field, when the entity alone would not say which records.
        var lists: [(entity: Entity, via: String, labels: Labels?, columns: [String], qualified: Bool)] = []
        if let form = form(entity, for: .view), !form.relatedLists.isEmpty {
            for list in form.relatedLists {
                if let other = schema.entity(list.entity) { lists.append((other, list.via, list.labels, list.columns, false)) }
            }
        } else {
            for other in schema.entities where other.detailOf == nil {
                let pointing = other.fields.filter { $0.type == .ref && $0.target == entity.name }
                for field in pointing { lists.append((other, field.name, nil, [], other.name == entity.name || pointing.count > 1)) }
            }
        }
        let shown = 10
        return try lists.prefix(8).compactMap { list -> [String: Any]? in
            let access = try engine.access(list.entity.name, for: page.user, in: transaction)
            if access.readsNothing { return nil }
            // The list's own columns, else the first four of the default view but the one that
            // points here (every row would show this record).
            let named =
                list.columns.isEmpty
                ? Array((list.entity.defaultView?.columns.map(\.field) ?? [list.entity.titleField]).filter { $0 != list.via }.prefix(4))
                : list.columns
            let columns = named.compactMap { list.entity.field($0) }.filter { !access.hiddenFields.contains($0.name) && !$0.isHidden }
            let query = RecordQuery(
                entity: list.entity.name, filter: .condition(field: list.via, op: .eq, values: [.integer(id)]), limit: shown + 1)
            let found = try transaction.query(try withTitles(query, list.entity, fields: columns, for: page.user.actor, in: transaction), access: access)
            let own = list.labels.flatMap { $0.isEmpty ? nil : $0.text(for: page.language, fallback: "") }
            var label = own ?? pluralLabel(list.entity, page.language)
            if list.qualified, let field = list.entity.field(list.via) { label += " · " + display.label(field) }  // "Contracts · Renews"
            return [
                "label": label,
                "headers": columns.map { display.label($0) }, "width": max(columns.count, 1),
                // More than fit: the list page of them all (it takes the same filter in its address).
                "hasMore": found.records.count > shown, "more": "/e/\(list.entity.name)?\(list.via)=\(id)",
                "rows": found.records.prefix(shown).map { record in
                    [
                        "cells": columns.enumerated().map { index, field -> [String: Any] in
                            var cell: [String: Any] = ["text": display.text(record[field.name], field, titles: found.titles[field.name])]
                            if index == 0 { cell["link"] = "/e/\(list.entity.name)/\(record.id)" }
                            return cell
                        }
                    ]
                },
            ]
        }
    }

    /// The form for `use` (`.view`: the record page, `.edit`: the form): a form of that kind, else
    /// one for both, else any.
    func form(_ entity: Entity, for use: Form.Kind) -> Form? {
        entity.forms.first { $0.kind == use } ?? entity.forms.first { $0.kind == .both } ?? entity.forms.first
    }

    /// A line-item entity's label and fields on the master's form for `use`: its `<lines>` label
    /// and columns, in their order, when the form has them; else the entity's plural label and
    /// every field. `shown` says which fields a page may show at all.
    func lineColumns(_ detail: Entity, of master: Entity, for use: Form.Kind, language: String, shown: (Field) -> Bool)
        -> (label: String, fields: [Field])
    {
        let fallback = pluralLabel(detail, language)
        guard let declared = form(master, for: use)?.lines.first(where: { $0.entity == detail.name }) else {
            return (fallback, detail.fields.filter(shown))
        }
        let fields = declared.columns.isEmpty ? detail.fields : declared.columns.compactMap { detail.field($0) }
        return (declared.labels.text(for: language, fallback: fallback), fields.filter(shown))
    }

    /// The sections of the form for `use`; without forms, every field.
    func sections(_ entity: Entity, for use: Form.Kind) -> [PageSection] {
        if let form = form(entity, for: use), !form.sections.isEmpty {
            return form.sections.map { section in
                PageSection(labels: section.labels, name: section.name, fields: section.fields.map { ($0.field, $0.span, $0.isReadonly) })
            }
        }
        return [PageSection(labels: Labels(), name: nil, fields: entity.fields.map { ($0.name, 1, false) })]
    }

    // MARK: Forms

    /// In a `locked` workflow state: people change the record only through its transitions.
    static func isLocked(_ entity: Entity, _ record: Record) -> Bool {
        record["state"].text.flatMap { entity.workflow?.state($0)?.isLocked } ?? false
    }

    func editForm(_ page: PageRequest, id: Int64?) throws -> Response {
        let entity = try page.entity()
        let (record, form) = try engine.read(as: page.user.actor) { transaction -> (Record?, FormPage) in
            let access = try engine.access(entity.name, for: page.user, in: transaction)
            var record: Record?
            if let id {
                guard let found = try transaction.get(entity.name, id: id, access: access) else {
                    throw RecordError(.notFound, entity: entity.name, "\(entity.name) #\(id) does not exist or you may not see it")
                }
                if Self.isLocked(entity, found) {
                    let state = entity.workflow?.state(found["state"].text ?? "")?.labels.text(for: page.language, fallback: found["state"].description)
                    throw RecordError(.locked, entity: entity.name, "\(entity.name) #\(id) is locked in state '\(state ?? "")'; it can only move through its workflow")
                }
                // Saving would be refused: no form to fill in for nothing.
                guard try transaction.mayUpdate(entity.name, id: id, access: access) else {
                    throw RecordError(.forbidden, entity: entity.name, "you may not change \(entity.name) #\(id)")
                }
                record = found
            } else if !access.mayCreate {
                throw RecordError(.forbidden, entity: entity.name, "you may not create \(entity.name) records")
            }
            var given = record.map { $0.values } ?? [:]
            if record == nil {
                for field in entity.fields { if let value = transaction.defaultValue(field, of: entity.name) { given[field.name] = value } }
            }
            let lines = record.map { $0.lines.mapValues { $0.map(\.values) } } ?? [:]
            return (record, try formValues(entity, page: page, id: id, given: given.mapValues { FormValue.value($0) }, lines: lines.mapValues { $0.map { $0.mapValues { FormValue.value($0) } } }, problems: [:], access: access, in: transaction))
        }
        var all = form
        all.version = record?.version
        return formPage(all, page: page)
    }

    func save(_ page: PageRequest, id: Int64?) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let form = try await page.form()
        let version = form.first("_version").flatMap { Int64($0) }
        var (values, lines, lineUploads) = FormInput.parse(form, entity: entity, schema: schema, editing: id != nil)
        // A new file replaces the old (stored with the record, so a refused save keeps no upload);
        // a ticked box removes it.
        var uploads: [(field: String, upload: Multipart.Part)] = []
        for field in entity.fields where field.type == .file {
            if let upload = form.uploads[field.name] {
                uploads.append((field.name, upload))
            } else if form.first(field.name + "._clear") == "1" {
                values[field.name] = .null
            }
        }
        // A new record that looks like stored ones: shown first; saving again creates it.
        if id == nil, form.first("_duplicates") != "ok" {
            let duplicates = try engine.likelyDuplicates(entity.name, of: values, for: page.user)
            if !duplicates.isEmpty {
                var rendered = try engine.read(as: page.user.actor) { transaction in
                    try formValues(
                        entity, page: page, id: nil, given: FormInput.raw(form, entity: entity), lines: FormInput.rawLines(form, entity: entity, schema: schema),
                        problems: [:], access: try engine.access(entity.name, for: page.user, in: transaction), in: transaction)
                }
                rendered.duplicates = duplicates.map { duplicate in
                    FormPage.Duplicate(
                        title: duplicate.title, link: duplicate.title == nil ? nil : "/e/\(entity.name)/\(duplicate.id)",
                        fields: duplicate.fields.compactMap { entity.field($0).map { label($0, page.language) } }.joined(separator: ", "),
                        owner: duplicate.ownerName)
                }
                return formPage(rendered, page: page)
            }
        }
        let outcome: Result<Record, RecordError>
        do {
            outcome = .success(
                try await engine.perform(as: page.user.actor) { transaction -> Record in
                    let access = try engine.access(entity.name, for: page.user, in: transaction)
                    var values = values
                    var lines = lines
                    let store = { (upload: Multipart.Part) throws -> Value in
                        .integer(
                            try engine.storeFile(
                                name: upload.filename ?? "", contentType: upload.contentType ?? "", data: Data(upload.bytes), in: transaction))
                    }
                    for (field, upload) in uploads { values[field] = try store(upload) }
                    for upload in lineUploads { lines[upload.detail]?[upload.line][upload.field] = try store(upload.part) }
                    // References typed as titles (the lookup input, or without JavaScript).
                    let readable: ReferenceTitles.ReadableRecords = { target, transaction throws(RecordError) in
                        try engine.access(target, for: page.user, in: transaction)
                    }
                    var titles = ReferenceTitles(transaction: transaction, readable: readable, splitsSets: false)
                    var problems = try titles.resolve(&values, of: entity)
                    for (detail, rows) in lines {
                        guard let detailEntity = schema.entity(detail) else { continue }
                        for index in rows.indices {
                            problems += try titles.resolve(&lines[detail]![index], of: detailEntity, prefix: "\(detail)[\(index + 1)].")  // lines count from 1
                        }
                    }
                    let save = { (values: [String: Value], lines: [String: [[String: Value]]]) throws(RecordError) -> Record in
                        if let id {
                            return try transaction.update(
                                entity.name, id: id, values, lines: lines.isEmpty ? nil : lines, expectedVersion: version, access: access)
                        }
                        return try transaction.create(entity.name, values, lines: lines, access: access)
                    }
                    guard problems.isEmpty else {
                        // The rest of the form is checked too, so that every mistake shows at once.
                        let unresolved = Set(problems.map(\.field))
                        problems += try transaction.problems(besides: unresolved) {
                            _ = try save(values.filter { !unresolved.contains($0.key) }, lines)
                        }
                        throw RecordError(.invalid, entity: entity.name, "some references were not found", problems: problems)
                    }
                    return try save(values, lines)
                })
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let saved):
            return .redirect(to: "/e/\(entity.name)/\(saved.id)", type: .found)
        case .failure(let error):
            guard [.invalid, .duplicate, .rejected, .stale, .locked, .rule].contains(error.code) else { throw error }
            var problems: [String: String] = [:]
            for problem in error.problems {
                let message = page.problem(problem)
                problems[problem.field] = problems[problem.field].map { $0 + "; " + message } ?? message
            }
            var rendered = try engine.read(as: page.user.actor) { transaction in
                try formValues(
                    entity, page: page, id: id, given: FormInput.raw(form, entity: entity), lines: FormInput.rawLines(form, entity: entity, schema: schema),
                    problems: problems, access: try engine.access(entity.name, for: page.user, in: transaction), in: transaction)
            }
            if error.code == .stale, let id {
                rendered.reload = "/e/\(entity.name)/\(id)/edit"
            } else {
                // A problem of a field the form does not show (a read-only total on a new record,
                // say) is said above the form, with the field's name.
                let colon = page.language == "zh" ? "：" : ": "
                let unplaced = problems.filter { !rendered.placed.contains($0.key) }.sorted { $0.key < $1.key }.map { key, message in
                    key.isEmpty ? message : (entity.field(key).map { label($0, page.language) } ?? key) + colon + message
                }
                let marked = unplaced.count < problems.count ? [page.texts["invalidForm"] ?? ""] : []
                rendered.error = problems.isEmpty ? error.message : (unplaced + marked).joined(separator: " ")
            }
            rendered.version = version
            return formPage(rendered, page: page, status: error.code == .stale ? .conflict : .unprocessableContent)
        }
    }

    /// The form's view model: each field with its input, value and problem.
    func formValues(
        _ entity: Entity, page: PageRequest, id: Int64?, given: [String: FormValue], lines: [String: [[String: FormValue]]], problems: [String: String],
        access: AccessFilter, in transaction: RecordTransaction
    ) throws -> FormPage {
        let display = try Display(schema: schema, language: page.language, transaction: transaction)
        let editing = id != nil
        let readable = { (entity: String) throws -> AccessFilter in try engine.access(entity, for: page.user, in: transaction) }
        var sectionItems: [(label: String, fieldsHTML: String)] = []
        var placed = Set<String>()
        for section in self.sections(entity, for: .edit) {
            var fields: [FormField] = []
            for (name, span, readonlyHere) in section.fields {
                guard let field = entity.field(name), !field.isSystem || name == "owner", !field.isHidden, !access.hiddenFields.contains(name) else { continue }
                if name == "owner" && editing { continue }  // owners change by transfer
                let locked = readonlyHere || field.isReadonly || field.type == .autonumber || access.readonlyFields.contains(name)
                if locked && !editing { continue }
                var item = try display.input(field, value: given[name], access: readable, in: transaction)
                item.span = span
                item.label = display.label(field)
                item.isRequired = field.isRequired
                if locked { item = item.readonly(showing: display.text(given[name]?.stored ?? .null, field, titles: nil)) }
                if !field.help.isEmpty { item.hint = field.help.text(for: page.language, fallback: "") }
                item.problem = problems[name]
                if item.problem != nil { placed.insert(name) }
                fields.append(item)
            }
            if !fields.isEmpty { sectionItems.append((section.label(page.language), fields.map(HTML.field).joined())) }
        }
        var lineSets: [FormPage.LineSet] = []
        for detail in schema.details(of: entity.name) {
            let (label, columns) = lineColumns(detail, of: entity, for: .edit, language: page.language) { field in
                (field.type != .ref || field.target != entity.name) && !field.isReadonly && !field.isHidden && field.type != .autonumber
            }
            var rows = lines[detail.name] ?? []
            rows += Array(repeating: [:], count: 2)
            lineSets.append(
                FormPage.LineSet(
                    label: label, columns: columns.map { display.label($0) },
                    rows: try rows.enumerated().map { index, row in
                        let prefix = "lines.\(detail.name).\(index)"
                        let cells = try columns.map { field -> String in
                            var cell = try display.input(field, value: row[field.name], access: readable, in: transaction)
                            cell.name = "\(prefix).\(field.name)"
                            let key = "\(detail.name)[\(index + 1)].\(field.name)"  // lines count from 1, as the store names them
                            cell.problem = problems[key]
                            if cell.problem != nil { placed.insert(key) }
                            return HTML.cell(cell)
                        }
                        return (prefix, row["id"].map(\.text).flatMap { $0.isEmpty ? nil : $0 }, cells.joined())
                    }))
        }
        let title = editing ? "\(page.texts["edit"] ?? "") · \(label(entity, page.language))" : "\(page.texts["new"] ?? "") · \(label(entity, page.language))"
        return FormPage(
            title: title, action: id.map { "/e/\(entity.name)/\($0)" } ?? "/e/\(entity.name)", cancel: id.map { "/e/\(entity.name)/\($0)" } ?? "/e/\(entity.name)",
            multipart: ([entity] + schema.details(of: entity.name)).contains { $0.fields.contains { $0.type == .file } }, sections: sectionItems,
            lines: lineSets, placed: placed)
    }

    // MARK: Actions

    func transition(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let id = try page.recordID()
        let form = try await page.form()
        let comment = form.first("comment").flatMap { $0.isEmpty ? nil : $0 }
        let (actor, name) = (page.user.actor, page.context.parameters.get("name") ?? "")
        let refused = try await refusal {
            _ = try await engine.perform(as: actor) { try engine.transition(entity.name, id: id, name, comment: comment, in: $0) }
        }
        if let refused { return try recordPage(page, refusal: refused) }
        return .redirect(to: "/e/\(entity.name)/\(id)", type: .found)
    }

    func transfer(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let id = try page.recordID()
        let form = try await page.form()
        guard let userID = form.first("user").flatMap({ Int64($0) }) else { throw Problem(.badRequest, "choose the new owner") }
        _ = try await engine.perform(as: page.user.actor) { try engine.transfer(entity.name, id: id, toUser: userID, in: $0) }
        return .redirect(to: "/e/\(entity.name)/\(id)", type: .found)
    }

    /// Claims a record of the public pool (领取) for the user, or returns it there (退回公海).
    func pool(_ page: PageRequest, claim: Bool) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let id = try page.recordID()
        _ = try await page.form()
        if claim {
            try engine.claim(entity.name, id: id, as: page.user)
        } else {
            _ = try await engine.perform(as: page.user.actor) { try engine.release(entity.name, id: id, in: $0) }
        }
        return .redirect(to: "/e/\(entity.name)/\(id)", type: .found)
    }

    func share(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let id = try page.recordID()
        let form = try await page.form()
        let target = form.first("target") ?? ""
        let number = Int64(target.dropFirst())
        guard let number, target.hasPrefix("u") || target.hasPrefix("d") else { throw Problem(.badRequest, "choose whom to share with") }
        try await engine.perform(as: page.user.actor) { transaction in
            try engine.share(
                entity.name, id: id, user: target.hasPrefix("u") ? number : nil, department: target.hasPrefix("d") ? number : nil,
                canEdit: form.first("edit") == "1", in: transaction)
        }
        return .redirect(to: "/e/\(entity.name)/\(id)", type: .found)
    }

    /// The list page's bulk actions on the ticked records: transfer, share (each record must be
    /// one the user may edit; one refusal changes nothing) or export.
    func bulk(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let form = try await page.form()
        let ids = Array(form.all("id").compactMap { Int64($0) }.prefix(1000))
        let listPath = "/e/\(entity.name)"
        let backText = form.first("back") ?? listPath
        let back = backText == listPath || backText.hasPrefix(listPath + "?") ? backText : listPath
        guard !ids.isEmpty else { throw Problem(.badRequest, page.texts["noneTicked"] ?? "") }
        let done: String
        switch form.first("action") {
        case "transfer":
            guard let userID = form.first("user").flatMap({ Int64($0) }) else { throw Problem(.badRequest, "choose the new owner") }
            try await engine.perform(as: page.user.actor) { try engine.transfer(entity.name, ids: ids, toUser: userID, in: $0) }
            done = page.texts["bulkTransferred"] ?? ""
        case "share":
            let target = form.first("target") ?? ""
            guard let number = Int64(target.dropFirst()), target.hasPrefix("u") || target.hasPrefix("d") else {
                throw Problem(.badRequest, "choose whom to share with")
            }
            try await engine.perform(as: page.user.actor) { transaction in
                try engine.share(
                    entity.name, ids: ids, user: target.hasPrefix("u") ? number : nil, department: target.hasPrefix("d") ? number : nil,
                    canEdit: form.first("edit") == "1", in: transaction)
            }
            done = page.texts["bulkShared"] ?? ""
        case "export":
            let query = RecordQuery(entity: entity.name, filter: .condition(field: "id", op: .in, values: ids.map(Value.integer)), limit: ids.count)
            return try csv(entity, query: query, user: page.user)
        default:
            throw Problem(.badRequest, "unknown bulk action")
        }
        return message(
            page.user, page.context, page.request, status: .ok, heading: page.texts["bulkDone"] ?? "", text: "\(done) \(ids.count)", back: back,
            language: page.language)
    }

    /// Suggestions for a reference field: up to 20 titles containing `q` among the records the
    /// user may read, as JSON `[{"id": 1, "title": "..."}]`.
    func lookup(_ page: PageRequest) throws -> Response {
        let entity = try page.entity()
        let text = QueryItems(page.request.uri.query).first("q") ?? ""
        guard entity.titleField != "id", !text.isEmpty else { return .json(.array([])) }
        let records = try engine.read(as: page.user.actor) { transaction in
            try transaction.query(
                RecordQuery(
                    entity: entity.name, filter: .condition(field: entity.titleField, op: .contains, values: [.text(text)]),
                    sort: [.init(entity.titleField)], limit: 20),
                access: try engine.access(entity.name, for: page.user, in: transaction)
            ).records
        }
        return .json(.array(records.map { .object([("id", .integer($0.id)), ("title", .string($0[entity.titleField].description))]) }))
    }

    func restoreChange(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let id = try page.recordID()
        _ = try await page.form()
        guard let version = page.context.parameters.get("version").flatMap({ Int64($0) }) else { throw Problem(.notFound, "no such change") }
        _ = try await engine.perform(as: page.user.actor) { try engine.restoreChange(entity.name, id: id, version: version, in: $0) }
        return .redirect(to: "/e/\(entity.name)/\(id)", type: .found)
    }

    /// Saves the list's current filters, search and sort as one of the user's views.
    func saveView(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let form = try await page.form()
        let query = form.first("query") ?? ""
        let items = QueryItems(query).items.filter { $0.0 != "cursor" }
        _ = try await engine.perform(as: page.user.actor) { transaction in
            try transaction.saveView(user: page.user.id, entity: entity.name, name: form.first("name") ?? "", query: QueryItems.encode(items))
        }
        return .redirect(to: "/e/\(entity.name)?" + QueryItems.encode(items), type: .found)
    }

    func deleteView(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        _ = try await page.form()
        guard let id = page.context.parameters.get("view").flatMap({ Int64($0) }) else { throw Problem(.notFound, "no such view") }
        guard try await engine.perform(as: page.user.actor, { try $0.deleteSavedView(id, user: page.user.id) }) else {
            throw Problem(.notFound, "no such view")
        }
        return .redirect(to: "/e/\(entity.name)", type: .found)
    }

    func decide(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let id = try page.recordID()
        let form = try await page.form()
        let approve = form.first("decision") == "approve"
        let comment = form.first("comment").flatMap { $0.isEmpty ? nil : $0 }
        let actor = page.user.actor
        let refused = try await refusal {
            _ = try await engine.perform(as: actor) { try engine.decide(entity.name, id: id, approve: approve, comment: comment, in: $0) }
        }
        if let refused { return try recordPage(page, refusal: refused) }
        return .redirect(to: "/approvals", type: .found)
    }

    /// Runs a transition or decision; the refusal the record's page then explains (a guard, a
    /// rule, a state moved on meanwhile: the user stays on the record, with its buttons), or nil.
    /// Other failures are thrown, for the error page.
    func refusal(_ work: () async throws -> Void) async throws -> RecordError? {
        do {
            try await work()
            return nil
        } catch let error as RecordError where [.invalid, .rejected, .rule, .wrongState, .locked, .stale].contains(error.code) {
            return error
        }
    }

    /// Runs a conversion. When a record it creates lacks required values (or has wrong ones), a
    /// form asks for them (`ENTITY.FIELD`), keeping what was given, and runs it again.
    func convert(_ page: PageRequest) async throws -> Response {
        var page = page
        let entity = try page.entity()
        let id = try page.recordID()
        let form = try await page.form()
        let name = page.context.parameters.get("name") ?? ""
        guard let conversion = schema.conversion(name), conversion.source == entity.name else { throw Problem(.notFound, "no such conversion") }
        let targets = Set(conversion.creations.map(\.entity))
        var given: [String: [String: Value]] = [:]
        for (key, value) in form.items where !value.isEmpty {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, targets.contains(parts[0]), let field = schema.entity(parts[0])?.field(parts[1]), !field.isSystem else { continue }
            given[parts[0], default: [:]][parts[1]] = FormInput.value(form.all(key), field)
        }
        let outcome: Result<[Record], RecordError>
        do {
            outcome = .success(
                try await engine.perform(as: page.user.actor) { transaction in try engine.convert(name, id: id, given: given, in: transaction) })
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let created):
            guard let first = created.first else { return .redirect(to: "/e/\(entity.name)/\(id)", type: .found) }
            return .redirect(to: "/e/\(first.entity)/\(first.id)", type: .found)
        case .failure(let error):
            guard error.code == .invalid, !error.problems.isEmpty, targets.contains(error.entity), let target = schema.entity(error.entity) else { throw error }
            let asked = error.problems.compactMap { problem in target.field(problem.field).map { ($0, page.problem(problem)) } }
            guard !asked.isEmpty else { throw error }
            let fields = try engine.read(as: page.user.actor) { transaction in
                let display = try Display(schema: schema, language: page.language, transaction: transaction)
                let readable = { (entity: String) throws -> AccessFilter in try engine.access(entity, for: page.user, in: transaction) }
                return try asked.map { field, message -> FormField in
                    var item = try display.input(field, value: given[target.name]?[field.name].map { FormValue.value($0) }, access: readable, in: transaction)
                    item.name = "\(target.name).\(field.name)"
                    item.label = display.label(field)
                    item.isRequired = field.isRequired
                    item.problem = message
                    return item
                }
            }
            let askedNames = Set(asked.map { "\(target.name).\($0.0.name)" })
            var asking = FormPage(
                title: conversion.labels.text(for: page.language, fallback: name.humanizedName), action: "/e/\(entity.name)/\(id)/convert/\(name)",
                cancel: "/e/\(entity.name)/\(id)", sections: [(label(target, page.language), fields.map(HTML.field).joined())])
            asking.error = page.texts["convertAsk"]
            asking.kept = form.items.filter { $0.0.contains(".") && !askedNames.contains($0.0) && $0.0 != "_csrf" }
            return formPage(asking, page: page, status: .unprocessableContent)
        }
    }
}

/// A form section as pages use it.
struct PageSection {
    let labels: Labels
    let name: String?
    let fields: [(String, Int, Bool)]
    func label(_ language: String) -> String { labels.isEmpty ? (name?.humanizedName ?? "") : labels.text(for: language, fallback: name ?? "") }
}

