import Foundation
import Hummingbird
import KithEngine
import KithSchema
import KithStore
import Logging
import NIOCore

/// The JSON API of `http.md` under `/api/v1`, generated from the loaded schema: every entity is a
/// resource, with the caller's access applied by the engine on every route.
struct API: Sendable {
    let engine: Engine
    let throttle: Throttle
    /// The workspace served, for `POST /api/workspace/reload`.
    let workspace: ServedWorkspace

    let records: RecordJSON

    var schema: Schema { engine.schema }

    init(engine: Engine, throttle: Throttle, workspace: ServedWorkspace) {
        self.engine = engine
        self.throttle = throttle
        self.workspace = workspace
        records = RecordJSON(schema: engine.schema)
    }

    func register(on router: Router<WebContext>, authenticator: Authenticator) {
        // Outside /api/v1, where every name may be an entity's.
        router.group("api/workspace").add(middleware: authenticator.api(throttle: throttle)).post("reload") { _, context in
            try await answer(context) { user in try await reload(context, user) }
        }
        let api = router.group("api/v1").add(middleware: authenticator.api(throttle: throttle))
        api.get("me") { _, context in try await answer(context) { user in try me(user) } }
        api.get("me/inbox") { _, context in try await answer(context) { user in try inbox(user) } }
        api.post("files") { request, context in
            var request = request
            let body = try await request.collectBody(upTo: engine.requestBodyLimit)
            return try await answer(context) { user in try upload(request, body, user) }
        }
        api.get("files/:id") { _, context in try await answer(context) { user in try Self.download(engine, context, user) } }
        api.post("me/inbox/read") { request, context in
            let body = try await json(request, context, optional: true)
            return try await answer(context) { user in try await markRead(user, body) }
        }
        api.get(":entity") { request, context in try await answer(context) { user in try list(request, context, user) } }
        api.post(":entity") { request, context in
            let body = try await json(request, context)
            return try await answer(context) { user in try await create(request, context, body, user) }
        }
        api.get(":entity/:id") { _, context in try await answer(context) { user in try get(context, user) } }
        api.patch(":entity/:id") { request, context in
            let body = try await json(request, context)
            return try await answer(context) { user in try await update(request, context, body, user) }
        }
        api.delete(":entity/:id") { request, context in try await answer(context) { user in try await delete(request, context, user) } }
        api.get(":entity/:id/history") { _, context in try await answer(context) { user in try history(context, user) } }
        api.post(":entity/:id/history/:version/restore") { _, context in
            try await answer(context) { user in try await restore(context, user) }
        }
        api.post(":entity/:id/claim") { _, context in try await answer(context) { user in try claim(context, user) } }
        api.post(":entity/:id/release") { _, context in try await answer(context) { user in try await release(context, user) } }
        api.post(":entity/:id/shares") { request, context in
            let body = try await json(request, context)
            return try await answer(context) { user in try await share(context, body, user) }
        }
        api.post(":entity/:id/transitions/:name") { request, context in
            let body = try await json(request, context, optional: true)
            return try await answer(context) { user in try await transition(context, body, user) }
        }
        api.post(":entity/:id/approval") { request, context in
            let body = try await json(request, context)
            return try await answer(context) { user in try await approval(context, body, user) }
        }
        api.get(":entity/:id/approval") { _, context in try await answer(context) { user in try approvalTrail(context, user) } }
        api.post(":entity/:id/convert/:name") { request, context in
            let body = try await json(request, context, optional: true)
            return try await answer(context) { user in try await convert(context, body, user) }
        }
    }

    // MARK: Routes

    /// Loads the workspace's files again, as the admin page's **Reload the workspace** does: 200
    /// with what changed and what `kith check` warns of, or 422 with every problem and nothing
    /// changed. Administrators only.
    func reload(_ context: WebContext, _ user: DirectoryUser) async throws -> Response {
        let (workspace, source) = (workspace, context.source)
        // 403 for anyone but an administrator.
        let outcome = try await Pages.offTheRequestThreads { () throws(RecordError) in try workspace.reload(by: user, source: source) }
        let members: [(String, JSON)] = [
            ("reloaded", .bool(outcome.succeeded)), ("seconds", .number(String(format: "%.3f", outcome.seconds))),
            ("entities", .integer(outcome.entities)), ("changes", .array(outcome.changes.map(JSON.string))),
            ("warnings", .array(outcome.warnings.map(JSON.string))),
        ]
        guard outcome.succeeded else {
            var problem = Problem(
                .unprocessableContent, "the workspace has problems; the schema in force is unchanged", title: "Reload refused")
            problem.extra = members + [("problems", .array(outcome.problems.map(JSON.string)))]
            throw problem
        }
        return .json(.object(members))
    }

    func me(_ user: DirectoryUser) throws -> Response {
        let department = try engine.read(as: user.actor) { transaction in
            try user.departmentID.flatMap { try transaction.department(id: $0) }
        }
        return .json(
            .object([
                ("id", .integer(user.id)), ("login", .string(user.login)), ("name", .string(user.name)),
                ("email", user.email.map(JSON.string) ?? .null), ("roles", .array(user.roles.map(JSON.string))),
                ("department", department.map { .object([("id", .integer($0.id)), ("name", .string($0.name))]) } ?? .null),
                ("manager", user.managerID.map(JSON.integer) ?? .null),
            ]))
    }

    func inbox(_ user: DirectoryUser) throws -> Response {
        let now = engine.store.variables(for: user.actor).now
        let language = user.language ?? engine.language
        let messages = try engine.read(as: user.actor) { try $0.inbox(of: user.id, dueBy: now, language: language) }
        return .json(
            .object([
                (
                    "data",
                    .array(
                        messages.map { message in
                            .object([
                                ("id", .integer(message.id)), ("text", .string(message.text)),
                                ("entity", message.entity.map(JSON.string) ?? .null),
                                ("record", message.recordID.map(JSON.integer) ?? .null),
                                ("due_at", message.dueAt.map(JSON.string) ?? .null), ("created_at", .string(message.createdAt)),
                                ("read", .bool(message.readAt != nil)),
                            ])
                        })
                )
            ]))
    }

    /// Marks messages read: `{"ids": [1, 2]}`, or every due message with an empty body.
    func markRead(_ user: DirectoryUser, _ body: JSON) async throws -> Response {
        var ids: [Int64]?
        if let items = body["ids"]?.items {
            ids = try items.map { item in
                guard case .number(let digits) = item, let id = Int64(digits) else { throw Problem(.badRequest, "ids must be message ids") }
                return id
            }
        }
        try await engine.perform(as: user.actor) { try $0.markRead(user: user.id, ids: ids) }
        return Response(status: .noContent)
    }

    func list(_ request: Request, _ context: WebContext, _ user: DirectoryUser) throws -> Response {
        let entity = try resource(context)
        let parameters = QueryItems(request.uri.query)
        var query = try ListQuery.build(entity, parameters, variables: engine.store.variables(for: user.actor))
        if let page = parameters.first("page") {
            guard let number = Int(page), number >= 1 else { throw Problem(.badRequest, "page must be a number from 1") }
            query.offset = (number - 1) * query.limit
        }
        let built = try engine.read(as: user.actor) { transaction -> (RecordPage, RecordCount) in
            let access = try engine.readable(entity.name, for: user, in: transaction)
            let page = try transaction.query(query, access: access)
            let count = try transaction.count(entity.name, filter: query.filter, search: query.search, cap: 10_000, access: access)
            return (page, count)
        }
        var members: [(String, JSON)] = [
            ("data", records.encode(built.0.rows)),
            ("total", .integer(built.1.value)), ("total_exact", .bool(!built.1.isCapped)),
        ]
        if let cursor = built.0.nextCursor {
            var items = parameters.items.filter { $0.0 != "cursor" && $0.0 != "page" }
            items.append(("cursor", cursor))
            members.append(("next", .string("/api/v1/\(entity.name)?" + QueryItems.encode(items))))
        } else {
            members.append(("next", .null))
        }
        return .json(.object(members))
    }

    func get(_ context: WebContext, _ user: DirectoryUser) throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        let record = try engine.read(as: user.actor) { transaction -> Record in
            let access = try engine.readable(entity.name, for: user, in: transaction)
            guard let record = try transaction.get(entity.name, id: id, access: access) else { throw notFound(entity, id) }
            return record
        }
        return .json(records.encode(record), headers: [.eTag: "\"\(record.version)\""])
    }

    func create(_ request: Request, _ context: WebContext, _ body: JSON, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let decoded = try RecordJSON.decode(body, entity: entity, schema: schema)
        if decoded.id != nil { throw Problem(.badRequest, "a new record gets its id from Kith; leave 'id' out") }
        // Likely duplicates by the entity's duplicate rules are a conflict, as the form warns
        // before saving one; `?duplicates=allow` saves it anyway.
        switch QueryItems(request.uri.query).first("duplicates") {
        case nil, "check":
            let duplicates = try engine.likelyDuplicates(entity.name, of: decoded.values, for: user)
            if !duplicates.isEmpty { throw Self.likelyDuplicates(duplicates, entity) }
        case "allow": break
        case let other?: throw Problem(.badRequest, "duplicates must be 'check' (the default) or 'allow', not '\(other)'")
        }
        let record = try await engine.perform(as: user.actor) { transaction in
            try transaction.create(
                entity.name, decoded.values, lines: decoded.lines, access: try engine.access(entity.name, for: user, in: transaction))
        }
        return .json(
            records.encode(record), status: .created,
            headers: [.location: "/api/v1/\(entity.name)/\(record.id)", .eTag: "\"\(record.version)\""])
    }

    /// 409 naming the stored records a new one looks like: the fields that matched and the owner
    /// (whom to ask, 撞单), and the id and title only of records the caller may read.
    static func likelyDuplicates(_ duplicates: [LikelyDuplicate], _ entity: Entity) -> Problem {
        let fields = duplicates.flatMap(\.fields).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var problem = Problem(
            .conflict,
            "the \(entity.name) looks like \(duplicates.count == 1 ? "a stored record" : "\(duplicates.count) stored records"); "
                + "to save it anyway, send it again with ?duplicates=allow",
            title: "Likely duplicate",
            errors: fields.map { FieldProblem(field: $0, message: "matches a stored record", code: "likely_duplicate") })
        problem.extra = [
            ("code", .string("likely_duplicate")),
            (
                "duplicates",
                .array(
                    duplicates.map { duplicate in
                        var members: [(String, JSON)] = []
                        if let title = duplicate.title { members += [("id", .integer(duplicate.id)), ("title", .string(title))] }
                        members.append(("owner", duplicate.ownerName.map(JSON.string) ?? .null))
                        members.append(("fields", .array(duplicate.fields.map(JSON.string))))
                        return .object(members)
                    })
            ),
        ]
        return problem
    }

    func update(_ request: Request, _ context: WebContext, _ body: JSON, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        var decoded = try RecordJSON.decode(body, entity: entity, schema: schema)
        if let given = decoded.id, given != id { throw Problem(.badRequest, "the body's id \(given) is not the record's id \(id)") }
        let expected = try ifMatch(request) ?? decoded.version
        let newOwner = decoded.values.removeValue(forKey: "owner")
        let record = try await engine.perform(as: user.actor) { transaction -> Record in
            let access = try engine.access(entity.name, for: user, in: transaction)
            // Version and access are checked even when only the owner changes (an update of nothing).
            var record = try transaction.update(
                entity.name, id: id, decoded.values, lines: decoded.lines.isEmpty ? nil : decoded.lines, expectedVersion: expected,
                access: access)
            if newOwner == nil || newOwner == record["owner"] {  // unchanged: a record sent back as it was read
                return record
            } else if newOwner == .null {  // back to the public pool
                record = try engine.release(entity.name, id: id, in: transaction)
            } else if let newOwner {
                guard let ownerID = newOwner.integer else {
                    throw RecordError(
                        .invalid, entity: entity.name, "owner must be a user id",
                        problems: [FieldProblem(field: "owner", message: "must be a user id")])
                }
                record = try engine.transfer(entity.name, id: id, toUser: ownerID, in: transaction)
            }
            return record
        }
        return .json(records.encode(record), headers: [.eTag: "\"\(record.version)\""])
    }

    func delete(_ request: Request, _ context: WebContext, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        let expected = try ifMatch(request)
        try await engine.perform(as: user.actor) { transaction in
            _ = try transaction.delete(
                entity.name, id: id, expectedVersion: expected, access: try engine.access(entity.name, for: user, in: transaction))
        }
        return Response(status: .noContent)
    }

    /// Stores the body as an attachment (`?name=scan.pdf`, the body's `Content-Type`); its id is
    /// then a `file` field's value.
    func upload(_ request: Request, _ body: ByteBuffer, _ user: DirectoryUser) throws -> Response {
        guard body.readableBytes > 0 else { throw Problem(.badRequest, "send the file's bytes as the body") }
        let name = QueryItems(request.uri.query).first("name") ?? ""
        let type = request.headers[.contentType] ?? ""
        let id = try engine.storeFile(name: name, contentType: type, data: Data(body.readableBytesView), as: user)
        let stored = try engine.file(id, for: user)
        return .json(
            .object([
                ("id", .integer(id)), ("name", .string(stored.name)), ("content_type", .string(stored.contentType)),
                ("size", .integer(Int64(stored.size))),
            ]),
            status: .created, headers: [.location: "/api/v1/files/\(id)"])
    }

    /// An attachment's bytes, for whoever may read a record holding it (and its uploader).
    static func download(_ engine: Engine, _ context: WebContext, _ user: DirectoryUser) throws -> Response {
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw Problem(.notFound, "there is no such file") }
        let file = try engine.file(id, for: user)
        let ascii = String(file.name.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 32 ? Character($0) : "_" })
        let encoded = QueryItems.encode([("n", file.name)]).dropFirst(2)
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType, .contentDisposition: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)",
                .init("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }

    /// Takes an ownerless record of a public pool (领取): the first claim wins.
    func claim(_ context: WebContext, _ user: DirectoryUser) throws -> Response {
        let entity = try resource(context)
        let record = try engine.claim(entity.name, id: try recordID(context), as: user)
        return .json(records.encode(record), headers: [.eTag: "\"\(record.version)\""])
    }

    /// Returns a record to its public pool (退回公海).
    func release(_ context: WebContext, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        let record = try await engine.perform(as: user.actor) { try engine.release(entity.name, id: id, in: $0) }
        return .json(records.encode(record), headers: [.eTag: "\"\(record.version)\""])
    }

    /// Shares a record: `{"user": ID}` or `{"department": ID}`, with `"edit": true` to let them edit.
    func share(_ context: WebContext, _ body: JSON, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        func number(_ key: String) throws -> Int64? {
            guard let value = body[key], value != .null else { return nil }
            guard case .number(let digits) = value, let number = Int64(digits) else { throw Problem(.badRequest, "\(key) must be an id") }
            return number
        }
        let target = (try number("user"), try number("department"))
        guard (target.0 == nil) != (target.1 == nil) else { throw Problem(.badRequest, "give one of \"user\" or \"department\"") }
        var edit = false
        if case .bool(let flag)? = body["edit"] { edit = flag }
        try await engine.perform(as: user.actor) { transaction in
            try engine.share(entity.name, id: id, user: target.0, department: target.1, canEdit: edit, in: transaction)
        }
        return Response(status: .noContent)
    }

    func history(_ context: WebContext, _ user: DirectoryUser) throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        let entries = try engine.read(as: user.actor) { transaction in
            try transaction.history(entity.name, id: id, access: try engine.readable(entity.name, for: user, in: transaction))
        }
        return .json(
            .object([
                (
                    "data",
                    .array(
                        entries.map { entry in
                            .object([
                                ("version", .integer(entry.version)), ("action", .string(entry.action)),
                                ("actor", entry.actor.map(JSON.integer) ?? .null), ("at", .string(entry.at)),
                                ("comment", entry.comment.map(JSON.string) ?? .null),
                                (
                                    "changes",
                                    .object(
                                        entry.changes.sorted { $0.key < $1.key }.map {
                                            (
                                                $0.key,
                                                .object([
                                                    ("old", RecordJSON.encode($0.value.old)), ("new", RecordJSON.encode($0.value.new)),
                                                ])
                                            )
                                        })
                                ),
                            ])
                        })
                )
            ]))
    }

    func transition(_ context: WebContext, _ body: JSON, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        let name = context.parameters.get("name") ?? ""
        let record = try await engine.perform(as: user.actor) { transaction in
            try engine.transition(entity.name, id: id, name, comment: body["comment"]?.string, in: transaction)
        }
        return .json(records.encode(record), headers: [.eTag: "\"\(record.version)\""])
    }

    /// Puts back the values a change replaced (an addition to the contract).
    func restore(_ context: WebContext, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        guard let version = context.parameters.get("version").flatMap({ Int64($0) }) else { throw Problem(.notFound, "no such change") }
        let record = try await engine.perform(as: user.actor) { try engine.restoreChange(entity.name, id: id, version: version, in: $0) }
        return .json(records.encode(record), headers: [.eTag: "\"\(record.version)\""])
    }

    func approval(_ context: WebContext, _ body: JSON, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        let decision = body["decision"]?.string
        guard decision == "approve" || decision == "reject" else {
            throw Problem(
                .badRequest, "decision must be \"approve\" or \"reject\"",
                errors: [FieldProblem(field: "decision", message: "must be approve or reject")])
        }
        let record = try await engine.perform(as: user.actor) { transaction in
            try engine.decide(entity.name, id: id, approve: decision == "approve", comment: body["comment"]?.string, in: transaction)
        }
        return .json(records.encode(record), headers: [.eTag: "\"\(record.version)\""])
    }

    func approvalTrail(_ context: WebContext, _ user: DirectoryUser) throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        let entries = try engine.read(as: user.actor) { transaction -> [ApprovalEntry] in
            let access = try engine.readable(entity.name, for: user, in: transaction)
            guard try transaction.get(entity.name, id: id, access: access) != nil else { throw notFound(entity, id) }
            return try transaction.approvals(entity.name, record: id)
        }
        return .json(.object([("data", .array(entries.map(Self.approvalJSON)))]))
    }

    static func approvalJSON(_ entry: ApprovalEntry) -> JSON {
        .object([
            ("round", .integer(entry.round)), ("step", .integer(entry.step)), ("mode", .string(entry.mode)), ("rule", .string(entry.rule)),
            ("approver", entry.approverID.map(JSON.integer) ?? .null), ("status", .string(entry.status.rawValue)),
            ("comment", entry.comment.map(JSON.string) ?? .null), ("decided_by", entry.decidedBy.map(JSON.integer) ?? .null),
            ("decided_at", entry.decidedAt.map(JSON.string) ?? .null),
        ])
    }

    func convert(_ context: WebContext, _ body: JSON, _ user: DirectoryUser) async throws -> Response {
        let entity = try resource(context)
        let id = try recordID(context)
        let name = context.parameters.get("name") ?? ""
        guard let conversion = schema.conversion(name), conversion.source == entity.name else {
            throw Problem(.notFound, "'\(entity.name)' has no conversion '\(name)'")
        }
        var given: [String: [String: Value]] = [:]
        for (target, fields) in body.members ?? [] {
            guard let targetEntity = schema.entity(target) else {
                throw Problem(
                    .badRequest, "'\(target)' is not an entity", errors: [FieldProblem(field: target, message: "is not an entity")])
            }
            given[target] = try RecordJSON.decode(fields, entity: targetEntity, schema: schema).values
        }
        let created = try await engine.perform(as: user.actor) { transaction in
            try engine.convert(name, id: id, given: given, in: transaction)
        }
        return .json(
            .object([("created", .array(created.map { .object([("entity", .string($0.entity)), ("record", records.encode($0))]) }))]),
            status: .created)
    }

    // MARK: Helpers

    /// Runs a route's body for the signed-in caller, turning every failure into problem details.
    func answer(_ context: WebContext, _ body: (DirectoryUser) async throws -> Response) async throws -> Response {
        guard let user = context.caller else { return Problem(.unauthorized, "sign in with a bearer token").response }
        do {
            return try await body(user)
        } catch let problem as Problem {
            return problem.response
        } catch let error as RecordError {
            if error.code == .storage || error.code == .rule {
                context.logger.error("\(error.entity): \(error)\(error.ruleLocation.map { " at \($0)" } ?? "")")
            }
            if error.code == .forbidden { logDenial(user, error.message, context) }
            return Problem(error).response
        }
    }

    func logDenial(_ user: DirectoryUser, _ detail: String, _ context: WebContext) {
        try? engine.store.write(as: .system) {
            try $0.logEvent("permission-denied", user: user.id, login: user.login, source: context.source, detail: detail)
        }
    }

    func json(_ request: Request, _ context: WebContext, optional: Bool = false) async throws -> JSON {
        var request = request
        let buffer = try await request.collectBody(upTo: engine.requestBodyLimit)
        if buffer.readableBytes == 0 && optional { return .object([]) }
        do {
            return try JSON.parse(Array(buffer.readableBytesView))
        } catch {
            throw Problem(.badRequest, "the body is not valid JSON: \(error)")
        }
    }

    func resource(_ context: WebContext) throws -> Entity {
        let name = context.parameters.get("entity") ?? ""
        guard let entity = schema.entity(name) else { throw Problem(.notFound, "there is no entity '\(name)'") }
        guard entity.detailOf == nil else {
            throw Problem(.notFound, "'\(name)' is a line item of '\(entity.detailOf ?? "")'; it travels inside its master's records")
        }
        return entity
    }

    func recordID(_ context: WebContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw Problem(.notFound, "'\(context.parameters.get("id") ?? "")' is not a record id")
        }
        return id
    }

    func ifMatch(_ request: Request) throws -> Int64? {
        guard let header = request.headers[.ifMatch] else { return nil }
        let text = header.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard let version = Int64(text) else { throw Problem(.badRequest, "If-Match must be the record's version, such as \"3\"") }
        return version
    }

    func notFound(_ entity: Entity, _ id: Int64) -> RecordError {
        RecordError(.notFound, entity: entity.name, "\(entity.name) #\(id) does not exist or you may not see it")
    }
}

/// A list request's parameters as a store query: `field=value` and `field[op]=value` filters,
/// `q`, `sort=-amount,name`, `limit`, `cursor`, `view`.
enum ListQuery {
    static let reserved: Set<String> = ["sort", "limit", "cursor", "page", "q", "view"]

    static func build(_ entity: Entity, _ parameters: QueryItems, variables: FilterVariables) throws -> RecordQuery {
        var terms: [RecordFilter] = []
        var sort: [RecordQuery.Sort] = []
        if let viewName = parameters.first("view") {
            guard let view = entity.view(viewName) else { throw Problem(.badRequest, "'\(entity.name)' has no view '\(viewName)'") }
            if !view.filter.terms.isEmpty { terms.append(RecordFilter(view.filter, variables: variables)) }
            sort = view.sorts.map { RecordQuery.Sort($0.field, descending: $0.descending) }
        }
        for (key, value) in parameters.items where !reserved.contains(key) {
            var field = key
            var op = FilterOperator.eq
            if let open = key.firstIndex(of: "["), key.hasSuffix("]") {
                field = String(key[..<open])
                let name = String(key[key.index(after: open)..<key.index(before: key.endIndex)])
                guard let parsed = FilterOperator(rawValue: name.replacingOccurrences(of: "_", with: "-")) else {
                    throw Problem(
                        .badRequest,
                        "'\(name)' is not a filter operator (use \(FilterOperator.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                op = parsed
            }
            guard entity.field(field) != nil else {
                throw Problem(
                    .badRequest, "'\(entity.name)' has no field '\(field)'", errors: [FieldProblem(field: field, message: "is not a field")]
                )
            }
            terms.append(.condition(field: field, op: op, values: variables.resolve(value, op: op)))
        }
        if let text = parameters.first("sort"), !text.isEmpty {
            sort = text.split(separator: ",").map { item in
                item.hasPrefix("-") ? RecordQuery.Sort(String(item.dropFirst()), descending: true) : RecordQuery.Sort(String(item))
            }
        }
        var limit = 50
        if let text = parameters.first("limit") {
            guard let number = Int(text), (1...1000).contains(number) else { throw Problem(.badRequest, "limit must be from 1 to 1000") }
            limit = number
        }
        let search = parameters.first("q").flatMap { $0.isEmpty ? nil : $0 }
        return RecordQuery(
            entity: entity.name, filter: terms.isEmpty ? nil : .all(terms), search: search, sort: sort, limit: limit,
            after: parameters.first("cursor"))
    }
}

/// A query string's `name=value` pairs, percent-decoded, in order.
struct QueryItems {
    let items: [(String, String)]

    init(_ query: String?) {
        items = (query ?? "").split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String { QueryItems.decode(text) }
            guard let name = parts.first, !name.isEmpty else { return nil }
            return (decode(name), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    init(items: [(String, String)]) { self.items = items }

    /// A query string's name or value as text: `+` a space, `%XX` a byte (a `%` not followed by
    /// two hex digits stays as it is), the bytes read as UTF-8. Written here: Foundation's
    /// percent decoding was a twentieth of an API list.
    static func decode(_ text: Substring) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(text) }
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    func first(_ name: String) -> String? { items.first { $0.0 == name }?.1 }

    static func encode(_ items: [(String, String)]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(items.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 } * 2)
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            percentEncode(item.0, into: &bytes)
            bytes.append(UInt8(ascii: "="))
            percentEncode(item.1, into: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// RFC 3986's unreserved characters (plus the brackets of `amount[gte]`) stay; every other
    /// byte of the UTF-8 text is written as `%XX`.
    private static func percentEncode(_ text: String, into bytes: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "["), UInt8(ascii: "]"):
                bytes.append(byte)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            }
        }
    }
}
