import Foundation
import Hummingbird
import KithEngine
import KithSchema
import KithStore

/// Report pages (分析决策): a report's figures over the records the user may read, as an SVG
/// chart and a table.
extension Pages {
    /// The reports the user may read, under the entity each counts, each with what it shows
    /// ("Bar chart · Sum of Amount · by Stage").
    func reportIndex(_ page: PageRequest) throws -> Response {
        let readable = schema.reports.filter { mayRead($0.entity, page.user) }
        var groups: [[String: Any]] = []
        for entity in schema.entities {
            let reports = readable.filter { $0.entity == entity.name }
            guard !reports.isEmpty else { continue }
            let items = reports.map { report -> [String: Any] in
                [
                    "name": report.name, "label": report.labels.text(for: page.language, fallback: report.name.humanizedName),
                    "summary": summary(report, of: entity, page: page),
                ]
            }
            groups.append(["heading": pluralLabel(entity, page.language), "reports": items])
        }
        return render("reports", ["title": page.texts["reports"] ?? "", "groups": groups], page: page)
    }

    /// What a report shows, in the reader's words: its chart, what it measures, what it groups by.
    private func summary(_ report: Report, of entity: Entity, page: PageRequest) -> String {
        let aggregate = page.texts[report.aggregate.rawValue] ?? report.aggregate.rawValue
        var parts = [page.texts["chart." + report.chart.rawValue] ?? report.chart.rawValue]
        if let measured = report.measureField.flatMap({ entity.field($0) }) {
            parts.append(
                page.text(
                    "reportOf", fallback: "{aggregate} of {field}", ["aggregate": aggregate, "field": label(measured, page.language)]))
        } else {
            parts.append(aggregate)
        }
        if let grouped = report.groupField.flatMap({ entity.field($0) }) {
            var group = label(grouped, page.language)
            if let bucket = report.groupBucket {
                let period = page.texts["bucket." + bucket.rawValue] ?? bucket.rawValue
                group = page.text("bucketed", fallback: "{group} ({bucket})", ["group": group, "bucket": period])
            }
            parts.append(page.text("reportBy", fallback: "by {group}", ["group": group]))
        }
        return parts.joined(separator: " · ")
    }

    func report(_ page: PageRequest) throws -> Response {
        let name = page.context.parameters.get("name") ?? ""
        guard let report = schema.report(name) else { throw Problem(.notFound, "there is no report '\(name)'") }
        let figures = try engine.read(as: page.user.actor) { try self.figures(report, page: page, in: $0) }
        // The table's headings: what the rows are grouped by, and what is measured.
        let entity = schema.entity(report.entity)
        let grouped = report.groupField.flatMap { entity?.field($0) }.map { self.label($0, page.language) }
        let measured = report.measureField.flatMap { entity?.field($0) }.map { self.label($0, page.language) }
        let aggregate = page.texts[report.aggregate.rawValue] ?? report.aggregate.rawValue
        return render(
            "report",
            [
                "title": figures.title, "svg": figures.svg, "rows": figures.points.map { ["label": $0.label, "value": $0.display] },
                "groupHeading": grouped ?? entity.map { pluralLabel($0, page.language) } ?? "",
                "measureHeading": measured.map { "\($0) · \(aggregate)" } ?? aggregate,
            ],
            page: page)
    }

    /// The report's points and chart, for the report page and the workbench.
    func figures(_ report: Report, page: PageRequest, in transaction: RecordTransaction) throws
        -> (title: String, svg: String, points: [Charts.Point])
    {
        let title = report.labels.text(for: page.language, fallback: report.name.humanizedName)
        let access = try engine.readable(report.entity, for: page.user, in: transaction)  // 403 to those who read none
        let variables = engine.store.variables(for: page.user.actor)
        let filter = report.filter.terms.isEmpty ? nil : RecordFilter(report.filter, variables: variables)
        let rows = try transaction.aggregate(
            AggregateQuery(
                entity: report.entity, filter: filter, groupField: report.groupField, bucket: report.groupBucket,
                aggregate: report.aggregate, field: report.measureField),
            access: access)
        let display = try Display(schema: schema, language: page.language, transaction: transaction)
        let field = report.groupField.flatMap { schema.entity(report.entity)?.field($0) }
        let money = report.measureField.flatMap { schema.entity(report.entity)?.field($0) }?.type == .money
        var points = rows.map { row -> Charts.Point in
            let label = row.label ?? field.map { display.text(row.group, $0, titles: nil) } ?? row.group.description
            let value: Double =
                switch row.value {
                case .integer(let number): Double(number)
                case .decimal(let decimal): Double(decimal.description) ?? 0
                default: Double(row.value.description) ?? 0
                }
            let shown = money ? Display.grouped(row.value.description) : row.value.description
            return Charts.Point(label: label.isEmpty ? "—" : label, value: value, display: shown)
        }
        if let field, field.type.isChoice {
            let order = display.choices(field).map(\.value)
            let position = Dictionary(
                uniqueKeysWithValues: rows.enumerated().map { ($0.offset, order.firstIndex(of: $0.element.group.description) ?? Int.max) })
            points = points.enumerated().sorted { (position[$0.offset] ?? 0) < (position[$1.offset] ?? 0) }.map(\.element)
        } else if report.groupBucket == nil && report.chart != .line {
            points.sort { $0.value > $1.value }
        }
        let svg = Charts.svg(report.chart.rawValue, Array(points.prefix(30)), title: title, empty: page.texts["noRecords"] ?? "—")
        return (title, svg, points)
    }
}
