import KithSchema

/// `GET /api/openapi.json`: an OpenAPI 3.1 document generated from the loaded schema, one schema
/// object per entity (field types and constraints) and every route of the API.
struct OpenAPIDocument {
    let schema: Schema

    var json: JSON {
        let resources = schema.entities.filter { $0.detailOf == nil }
        var schemas: [(String, JSON)] = [
            ("Problem", problemSchema),
            (
                "InboxMessage",
                object([
                    ("id", type("integer")), ("text", type("string")), ("entity", nullable(type("string"))),
                    ("record", nullable(type("integer"))), ("due_at", nullable(type("string"))), ("created_at", type("string")),
                ])
            ),
        ]
        for entity in schema.entities { schemas.append((entity.name, recordSchema(entity))) }
        var paths: [(String, JSON)] = [
            ("/api/v1/me", .object([("get", operation("me", "The caller: id, name, roles, department, manager.", ok: .object([])))])),
            (
                "/api/workspace/reload",
                .object([
                    (
                        "post",
                        operation(
                            "reload_workspace",
                            "Administrators: load the workspace's modules and scripts again. 200 with what changed and "
                                + "the check's warnings; 422 with every problem, and nothing changed.",
                            ok: .object([]))
                    )
                ])
            ),
            (
                "/api/v1/me/inbox",
                .object([("get", operation("inbox", "The caller's messages and reminders due.", ok: listOf(ref("InboxMessage"), paged: false)))])
            ),
            (
                "/api/v1/files",
                .object([
                    (
                        "post",
                        operation(
                            "upload_file", "Store the body (any Content-Type; ?name= the file name) as an attachment; its id is a file field's value.",
                            ok: .object([]), status: "201")
                    )
                ])
            ),
            (
                "/api/v1/files/{id}",
                .object([
                    (
                        "get",
                        operation(
                            "download_file", "An attachment's bytes, for its uploader and whoever may read a record holding it.", ok: nil,
                            parameters: [.object([("name", .string("id")), ("in", .string("path")), ("required", .bool(true)), ("schema", .object([("type", .string("integer"))]))])])
                    )
                ])
            ),
        ]
        for entity in resources { paths += entityPaths(entity) }
        return .object([
            ("openapi", .string("3.1.0")),
            (
                "info",
                .object([
                    ("title", .string("Kith API")), ("version", .string("1")),
                    ("description", .string("Generated from the workspace's schema. Decimals and money travel as strings, dates as ISO 8601.")),
                ])
            ),
            ("security", .array([.object([("bearer", .array([]))])])),
            ("paths", .object(paths)),
            (
                "components",
                .object([
                    ("schemas", .object(schemas)),
                    ("securitySchemes", .object([("bearer", .object([("type", .string("http")), ("scheme", .string("bearer"))]))])),
                    (
                        "responses",
                        .object(
                            [("400", "Bad input"), ("401", "Not signed in"), ("403", "Forbidden"), ("404", "Not found"), ("409", "Conflict"),
                             ("412", "The record changed since the If-Match version"), ("422", "A rule refused"), ("429", "Throttled")].map {
                                ($0.0, .object([("description", .string($0.1)), ("content", problemContent)]))
                            })
                    ),
                ])
            ),
        ])
    }

    // MARK: Paths

    func entityPaths(_ entity: Entity) -> [(String, JSON)] {
        let base = "/api/v1/\(entity.name)"
        let record = ref(entity.name)
        var filters: [JSON] = [
            parameter("q", "Full-text search."), parameter("sort", "Fields, comma-separated; '-' for descending."),
            parameter("limit", "Records per page, 1 to 1000 (default 50).", type: "integer"),
            parameter("cursor", "The cursor of the previous page's 'next' link."), parameter("page", "A page number (from 1).", type: "integer"),
            parameter("view", "A view's filter and sort: \(entity.views.map(\.name).joined(separator: ", "))."),
        ]
        for field in entity.allFields where field.type.isOrdered || field.type.isChoice {
            filters.append(
                parameter(
                    field.name,
                    "Filter: \(field.name)=value, or \(field.name)[op]=value with op one of \(FilterOperator.allCases.map(\.rawValue).joined(separator: ", "))."
                ))
        }
        let idParameter = JSON.object([
            ("name", .string("id")), ("in", .string("path")), ("required", .bool(true)), ("schema", type("integer")),
        ])
        let ifMatch = JSON.object([
            ("name", .string("If-Match")), ("in", .string("header")), ("schema", type("string")),
            ("description", .string("The version read; the request fails with 412 when the record changed since.")),
        ])
        var paths: [(String, JSON)] = [
            (
                base,
                .object([
                    ("get", operation("list_\(entity.name)", "List \(entity.name) records the caller may read.", ok: listOf(record), parameters: filters)),
                    (
                        "post",
                        operation(
                            "create_\(entity.name)",
                            entity.duplicateRules.isEmpty
                                ? "Create a \(entity.name) record."
                                : "Create a \(entity.name) record; one that looks like a stored record (duplicate rules on "
                                    + entity.duplicateRules.map { $0.fields.joined(separator: "+") }.joined(separator: ", ")
                                    + ") is refused with 409 and the likely duplicates, unless duplicates=allow.",
                            ok: record, status: "201", parameters: entity.duplicateRules.isEmpty ? [] : [duplicatesParameter], body: record)
                    ),
                ])
            ),
            (
                base + "/{id}",
                .object([
                    ("get", operation("get_\(entity.name)", "Read one record.", ok: record, parameters: [idParameter])),
                    (
                        "patch",
                        operation(
                            "update_\(entity.name)", "Change some fields; line items given replace the lines; 'owner' transfers.", ok: record,
                            parameters: [idParameter, ifMatch], body: record)
                    ),
                    ("delete", operation("delete_\(entity.name)", "Delete (to the recycle bin).", ok: nil, status: "204", parameters: [idParameter, ifMatch])),
                ])
            ),
            (base + "/{id}/history", .object([("get", operation("history_\(entity.name)", "The audit trail.", ok: .object([]), parameters: [idParameter]))])),
            (
                base + "/{id}/history/{version}/restore",
                .object([
                    (
                        "post",
                        operation(
                            "restore_\(entity.name)", "Put back the values the change of this version replaced (as an edit).", ok: record,
                            parameters: [
                                idParameter,
                                .object([("name", .string("version")), ("in", .string("path")), ("required", .bool(true)), ("schema", .object([("type", .string("integer"))]))]),
                            ])
                    )
                ])
            ),
        ]
        if entity.ownership == .user && entity.detailOf == nil {
            let share = object([("user", type("integer")), ("department", type("integer")), ("edit", type("boolean"))])
            paths.append(
                (
                    base + "/{id}/shares",
                    .object([
                        ("post", operation("share_\(entity.name)", "Share the record with a user or a department (and those below it); 'edit' lets them change it.", ok: nil, status: "204", parameters: [idParameter], body: share))
                    ])
                ))
        }
        if entity.isPool {
            paths.append((base + "/{id}/claim", .object([("post", operation("claim_\(entity.name)", "Take an ownerless record of the public pool; the first claim wins.", ok: record, parameters: [idParameter]))])))
            paths.append((base + "/{id}/release", .object([("post", operation("release_\(entity.name)", "Return the record to the public pool.", ok: record, parameters: [idParameter]))])))
        }
        if let workflow = entity.workflow {
            let nameParameter = JSON.object([
                ("name", .string("name")), ("in", .string("path")), ("required", .bool(true)),
                ("schema", .object([("type", .string("string")), ("enum", .array(workflow.transitions.map { .string($0.name) }))])),
            ])
            let comment = object([("comment", type("string"))])
            paths.append(
                (
                    base + "/{id}/transitions/{name}",
                    .object([
                        ("post", operation("transition_\(entity.name)", "Fire a workflow transition.", ok: record, parameters: [idParameter, nameParameter], body: comment))
                    ])
                ))
            if !workflow.approvals.isEmpty {
                let decision = object([
                    ("decision", .object([("type", .string("string")), ("enum", .array([.string("approve"), .string("reject")]))])),
                    ("comment", type("string")),
                ])
                paths.append(
                    (
                        base + "/{id}/approval",
                        .object([
                            ("post", operation("decide_\(entity.name)", "Approve or reject the step waiting for the caller.", ok: record, parameters: [idParameter], body: decision)),
                            ("get", operation("approvals_\(entity.name)", "The approval trail.", ok: .object([]), parameters: [idParameter])),
                        ])
                    ))
            }
        }
        for conversion in schema.conversions where conversion.source == entity.name {
            let body = object(conversion.creations.map { ($0.entity, ref($0.entity)) })
            paths.append(
                (
                    base + "/{id}/convert/\(conversion.name)",
                    .object([
                        (
                            "post",
                            operation(
                                "convert_\(entity.name)_\(conversion.name)",
                                "\(conversion.labels.text(for: "en", fallback: conversion.name)): creates \(conversion.creations.map(\.entity).joined(separator: ", ")). The body may give fields per created entity.",
                                ok: .object([]), status: "201", parameters: [idParameter], body: body)
                        )
                    ])
                ))
        }
        return paths
    }

    func operation(
        _ id: String, _ summary: String, ok: JSON?, status: String = "200", parameters: [JSON] = [], body: JSON? = nil
    ) -> JSON {
        var responses: [(String, JSON)] = [
            (
                status,
                ok.map { .object([("description", .string("Success")), ("content", .object([("application/json", .object([("schema", $0)]))]))]) }
                    ?? .object([("description", .string("Success"))])
            )
        ]
        for code in ["400", "401", "403", "404", "409", "412", "422", "429"] {
            responses.append((code, .object([("$ref", .string("#/components/responses/\(code)"))])))
        }
        var members: [(String, JSON)] = [("operationId", .string(id)), ("summary", .string(summary))]
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if let body {
            members.append(("requestBody", .object([("content", .object([("application/json", .object([("schema", body)]))]))])))
        }
        members.append(("responses", .object(responses)))
        return .object(members)
    }

    /// Whether a create checks the entity's duplicate rules.
    var duplicatesParameter: JSON {
        .object([
            ("name", .string("duplicates")), ("in", .string("query")),
            ("description", .string("'check' (the default): a likely duplicate is refused with 409; 'allow': saved anyway.")),
            ("schema", .object([("type", .string("string")), ("enum", .array([.string("check"), .string("allow")])), ("default", .string("check"))])),
        ])
    }

    func parameter(_ name: String, _ description: String, type kind: String = "string") -> JSON {
        .object([("name", .string(name)), ("in", .string("query")), ("description", .string(description)), ("schema", type(kind))])
    }

    func listOf(_ item: JSON, paged: Bool = true) -> JSON {
        var members: [(String, JSON)] = [("data", .object([("type", .string("array")), ("items", item)]))]
        if paged {
            members += [("total", type("integer")), ("total_exact", type("boolean")), ("next", nullable(type("string")))]
        }
        return object(members)
    }

    // MARK: Schemas

    func recordSchema(_ entity: Entity) -> JSON {
        var properties: [(String, JSON)] = []
        var required: [JSON] = []
        for field in entity.allFields {
            var property = fieldSchema(field)
            if field.isSystem || field.isReadonly || field.type == .autonumber {
                property = merged(property, [("readOnly", .bool(true))])
            }
            let label = field.labels.text(for: "en", fallback: field.name.humanizedName)
            property = merged(property, [("title", .string(label))])
            properties.append((field.name, property))
            if field.isRequired { required.append(.string(field.name)) }
        }
        for detail in schema.details(of: entity.name) {
            properties.append((detail.name, .object([("type", .string("array")), ("items", ref(detail.name))])))
        }
        var members: [(String, JSON)] = [
            ("type", .string("object")), ("title", .string(entity.labels.text(for: "en", fallback: entity.name.humanizedName))),
            ("properties", .object(properties)), ("additionalProperties", .bool(false)),
        ]
        if !required.isEmpty { members.append(("required", .array(required))) }
        return .object(members)
    }

    func fieldSchema(_ field: Field) -> JSON {
        var members: [(String, JSON)]
        switch field.type {
        case .text, .textarea, .phone, .autonumber: members = [("type", .string("string"))]
        case .email: members = [("type", .string("string")), ("format", .string("email"))]
        case .url: members = [("type", .string("string")), ("format", .string("uri"))]
        case .integer:
            members = [("type", .string("integer"))]
            if let min = field.min, let value = Int64(min) { members.append(("minimum", .integer(value))) }
            if let max = field.max, let value = Int64(max) { members.append(("maximum", .integer(value))) }
        case .decimal, .money, .percent:
            members = [
                ("type", .string("string")), ("pattern", .string("^-?[0-9]+(\\.[0-9]{1,\(max(field.effectiveScale, 1))})?$")),
                ("description", .string("A decimal with up to \(field.effectiveScale) digits after the point, as a string")),
            ]
        case .boolean: members = [("type", .string("boolean"))]
        case .date: members = [("type", .string("string")), ("format", .string("date"))]
        case .datetime: members = [("type", .string("string")), ("format", .string("date-time"))]
        case .enum: members = [("type", .string("string")), ("enum", .array(schema.choices(of: field).map(JSON.string)))]
        case .multienum:
            members = [
                ("type", .string("array")),
                ("items", .object([("type", .string("string")), ("enum", .array(schema.choices(of: field).map(JSON.string)))])),
            ]
        case .ref, .user, .file, .department:
            members = [("type", .string("integer")), ("description", .string("A record id" + (field.target.map { " of \($0)" } ?? "")))]
        case .multiref: members = [("type", .string("array")), ("items", type("integer"))]
        }
        if let length = field.maxLength { members.append(("maxLength", .integer(length))) }
        if !field.isRequired, let index = members.firstIndex(where: { $0.0 == "type" }), case .string(let kind) = members[index].1 {
            members[index].1 = .array([.string(kind), .string("null")])
        }
        return .object(members)
    }

    var problemSchema: JSON {
        object([
            ("type", type("string")), ("title", type("string")), ("status", type("integer")), ("detail", type("string")),
            ("errors", .object([("type", .string("array")), ("items", object([("field", type("string")), ("message", type("string")), ("code", type("string"))]))])),
        ])
    }

    var problemContent: JSON { .object([("application/problem+json", .object([("schema", ref("Problem"))]))]) }

    func type(_ name: String) -> JSON { .object([("type", .string(name))]) }
    func nullable(_ schema: JSON) -> JSON {
        guard case .string(let kind)? = schema["type"] else { return schema }
        return merged(schema, [("type", .array([.string(kind), .string("null")]))])
    }
    func ref(_ name: String) -> JSON { .object([("$ref", .string("#/components/schemas/\(name)"))]) }
    func object(_ properties: [(String, JSON)]) -> JSON { .object([("type", .string("object")), ("properties", .object(properties))]) }

    func merged(_ json: JSON, _ extra: [(String, JSON)]) -> JSON {
        guard var members = json.members else { return json }
        for (key, value) in extra {
            if let index = members.firstIndex(where: { $0.0 == key }) { members[index].1 = value } else { members.append((key, value)) }
        }
        return .object(members)
    }
}
