import CSV
public import Foundation
import GRDB
public import KithSchema

/// What an import did, or would do with `dryRun`.
public struct ImportReport: Sendable {
    public struct Problem: Sendable, CustomStringConvertible {
        /// The line of the CSV file (the header is line 1).
        public let line: Int
        public let message: String
        /// What was wrong with the row's fields, or with the header (a problem without a field),
        /// for the UI's own words.
        public var fields: [FieldProblem] = []
        public var description: String { "line \(line): \(message)" }

        /// A problem of the header row (line 1).
        static func header(_ reason: FieldProblem.Reason) -> Problem {
            Problem(line: 1, message: reason.english, fields: [FieldProblem(field: "", reason)])
        }
    }

    public internal(set) var rows = 0
    public internal(set) var imported = 0
    public internal(set) var problems: [Problem] = []
    /// False when nothing was stored: a dry run, or bad rows without `skipInvalid`.
    public internal(set) var applied = false
}

/// CSV import and export through the same validation and access rules as every other write.
public enum RecordTransfer {
    /// Imports `file` into `entity` in one transaction, each row through `hooks` when given (a
    /// row a rule refuses is a bad row). The header names fields (by name or by label). With bad rows the whole import is refused and nothing is stored, unless
    /// `skipInvalid`, which stores the good rows and reports the bad ones. `mapping`, when given,
    /// says per header cell which field the column fills (nil: the column is left out). A row
    /// that looks like a stored record or an earlier row (the entity's duplicate rules, but for
    /// `similar` ones) is a bad row unless `allowDuplicates`. A reference is given by the id or
    /// the title of a record `readable` lets the user read (sets: comma-separated).
    public static func importCSV(
        _ entityName: String, from file: URL, into store: RecordStore, dryRun: Bool, skipInvalid: Bool, allowDuplicates: Bool = false,
        as actor: Actor, access: AccessFilter, readable: @escaping ReferenceTitles.ReadableRecords = { _, _ in .unrestricted },
        hooks: (any RecordHooks)? = nil, mapping: [String: String?]? = nil, progress: (@Sendable (Int) -> Void)? = nil
    ) throws(RecordError) -> ImportReport {
        guard let entity = store.schema.entity(entityName), let table = store.layout.table(entityName), entity.detailOf == nil else {
            throw RecordError(.invalidQuery, entity: entityName, "'\(entityName)' is not an entity that can be imported")
        }
        guard access.mayCreate else { throw RecordError(.forbidden, entity: entityName, "you may not create \(entityName) records") }
        guard FileManager.default.isReadableFile(atPath: file.path), let stream = InputStream(fileAtPath: file.path) else {
            throw RecordError(.invalidQuery, entity: entityName, "cannot read \(file.path): no such file, or not readable")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true, trimFields: false)
        } catch {
            throw RecordError(.invalidQuery, entity: entityName, "\(file.lastPathComponent) is not a CSV file: \(error)")
        }
        let header = reader.headerRow ?? []
        var columns: [String?] = []
        var headerProblems: [ImportReport.Problem] = []
        for cell in header {
            let name = cell.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\u{FEFF}"))
            if let mapped = mapping?[name] {
                guard let target = mapped else {
                    columns.append(nil)  // left out on purpose
                    continue
                }
                guard importable(in: entity).contains(target) else {
                    headerProblems.append(.header(.columnCannotFill(name, field: target)))
                    continue
                }
                columns.append(target)
            } else if let field = resolve(name, in: entity) {
                columns.append(field)
            } else {
                columns.append(nil)
                headerProblems.append(.header(.unknownColumn(name, of: entityName)))
            }
        }
        if header.isEmpty { headerProblems.append(.header(.noHeaderRow)) }
        guard headerProblems.isEmpty else {
            var report = ImportReport()
            report.problems = headerProblems
            return report
        }
        struct Rollback: Error { let report: ImportReport }
        let checksDuplicates = !allowDuplicates && checksLikelyDuplicates(entity)
        do {
            return try store.pool.write { db in
                let transaction = RecordTransaction(store: store, db: db, actor: actor, hooks: hooks)
                var report = ImportReport()
                var imported: [Int64: Int] = [:]  // the lines of the records this import made, by id
                var titles = ReferenceTitles(transaction: transaction, readable: readable, splitsSets: true)
                while let row = reader.next() {
                    report.rows += 1
                    let line = report.rows + 1
                    if row.allSatisfy({ $0.isEmpty }) { continue }
                    var input: [String: Value] = [:]
                    for (index, cell) in row.enumerated() where index < columns.count {
                        if let name = columns[index], !cell.isEmpty { input[name] = .text(cell) }
                    }
                    do {
                        let unresolved = try titles.resolve(&input, of: entity)
                        if !unresolved.isEmpty {
                            let fields = Set(unresolved.map(\.field))
                            let others = try transaction.problems(besides: fields) {
                                let rest = input.filter { !fields.contains($0.key) }
                                _ = try transaction.insertNew(entity, table, rest, lines: [:], access: access)
                            }
                            throw RecordError.notSaved(entityName, unresolved + others)
                        }
                        if checksDuplicates,
                            let candidate = try transaction.likelyDuplicates(entityName, of: input, limit: 1, similar: false).first
                        {
                            throw try likelyDuplicate(
                                candidate, entity, earlierLine: imported[candidate.id], access: access, in: transaction)
                        }
                        try transaction.db.inSavepoint {
                            let id = try transaction.insertNew(entity, table, input, lines: [:], access: access)
                            imported[id] = line
                            return .commit
                        }
                        report.imported += 1
                    } catch let error as RecordError {
                        // A unique value an earlier row of the file took: that row, not its id
                        // (which a dry run or a refused import never keeps).
                        var problems = error.problems
                        for (index, problem) in problems.enumerated() {
                            if case .alreadyUsed(let value, _, let id)? = problem.reason, let earlier = imported[id] {
                                problems[index] = FieldProblem(field: problem.field, .alreadyInFile(value, line: earlier))
                            }
                        }
                        let message =
                            problems == error.problems ? error.description : RecordError.notSaved(entityName, problems).description
                        report.problems.append(.init(line: line, message: message, fields: problems))
                    }
                    if report.rows % 1000 == 0 { progress?(report.rows) }
                }
                progress?(report.rows)
                report.applied = !dryRun && (report.problems.isEmpty || skipInvalid)
                if !report.applied { throw Rollback(report: report) }
                return report
            }
        } catch let rollback as Rollback {
            return rollback.report
        } catch let error as RecordError {
            throw error
        } catch {
            throw RecordError(.storage, entity: entityName, "the import failed and nothing was stored: \(error)")
        }
    }

    /// A row's problem when it looks like `candidate`: an earlier row of the file by its line, a
    /// stored record by its title only to a user who may read it, and by its owner.
    static func likelyDuplicate(
        _ candidate: DuplicateCandidate, _ entity: Entity, earlierLine: Int?, access: AccessFilter, in transaction: RecordTransaction
    ) throws(RecordError) -> RecordError {
        let reason: FieldProblem.Reason
        if let earlierLine {
            reason = .likeEarlierLine(earlierLine)
        } else {
            let known = try transaction.described([candidate], of: entity.name, readable: access)[0]  // one for each candidate
            reason = .likelyDuplicate(title: known.title, id: known.title == nil ? nil : known.id, owner: known.ownerName)
        }
        let field = candidate.fields.first ?? ""
        return RecordError(.duplicate, entity: entity.name, "likely duplicate", problems: [FieldProblem(field: field, reason)])
    }

    /// Whether an import checks rows against the entity's duplicate rules: those that match
    /// `similar` read the whole table for each row, so an import checks the others only.
    public static func checksLikelyDuplicates(_ entity: Entity) -> Bool { entity.duplicateRules.contains { $0.match != .similar } }

    /// The fields an import may fill: declared fields that are not read-only, and the owner.
    public static func importable(in entity: Entity) -> [String] {
        ["owner"] + entity.fields.filter { !$0.isReadonly && $0.type != .autonumber && $0.type != .file }.map(\.name)
    }

    /// The header cells of a CSV text, each with its first value and the field its name or label
    /// suggests (the import page's column mapping).
    public static func preview(_ csv: String, entity: Entity) -> [(column: String, sample: String, field: String?)] {
        guard let reader = try? CSVReader(string: csv, hasHeaderRow: true, trimFields: false) else { return [] }
        let first = reader.next() ?? []
        return (reader.headerRow ?? []).enumerated().map { index, cell in
            let name = cell.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\u{FEFF}"))
            let field = resolve(name, in: entity).flatMap { importable(in: entity).contains($0) ? $0 : nil }
            return (name, index < first.count ? first[index] : "", field)
        }
    }

    /// A header cell as a field name: the name itself or a label in any language.
    static func resolve(_ header: String, in entity: Entity) -> String? {
        if let field = entity.field(header), !field.isSystem || field.name == "owner" { return field.name }
        let lowered = header.lowercased()
        if let field = entity.field(lowered), !field.isSystem { return field.name }
        return entity.fields.first { field in field.labels.texts.values.contains { $0.lowercased() == lowered } }?.name
    }

    /// Writes the records a query finds as CSV: a header of field names, then one line per
    /// record, all pages. Returns the number of records written.
    @discardableResult
    public static func exportCSV(
        _ query: RecordQuery, columns: [String]? = nil, from store: RecordStore, to output: OutputStream, as actor: Actor,
        access: AccessFilter
    ) throws(RecordError) -> Int {
        guard let entity = store.schema.entity(query.entity) else {
            throw RecordError(.invalidQuery, entity: query.entity, "unknown entity '\(query.entity)'")
        }
        let names =
            (columns
            ?? (["id"] + entity.fields.map(\.name) + ["owner", "created_at", "updated_at"] + (entity.workflow == nil ? [] : ["state"])))
            .filter { !access.hiddenFields.contains($0) && entity.field($0) != nil }
        let writer: CSVWriter
        do {
            writer = try CSVWriter(stream: output)
            try writer.write(row: names)
        } catch {
            throw RecordError(.storage, entity: query.entity, "cannot write the CSV: \(error)")
        }
        var page = RecordQuery(entity: query.entity, filter: query.filter, search: query.search, sort: query.sort, limit: 1000)
        var count = 0
        while true {
            let result = try store.query(page, as: actor, access: access)
            do {
                for record in result.records {
                    try writer.write(row: names.map { record[$0].description })
                    count += 1
                }
            } catch {
                throw RecordError(.storage, entity: query.entity, "cannot write the CSV: \(error)")
            }
            guard let next = result.nextCursor else { break }
            page.after = next
        }
        let newline: [UInt8] = [0x0A]
        _ = output.write(newline, maxLength: 1)
        return count
    }
}
