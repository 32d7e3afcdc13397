import Foundation
import Hummingbird
import KithEngine
import KithSchema
import KithStore

extension ISO8601DateFormatter {
    /// The store's date-times (UTC, milliseconds).
    nonisolated(unsafe) static let kith: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

/// The workbench (工作台), inbox, approvals and admin pages.
extension Pages {
    func workbench(_ page: PageRequest) throws -> Response {
        let user = page.user
        let now = engine.store.variables(for: user.actor).now
        let values = try engine.read(as: user.actor) { transaction -> [String: Any] in
            let messages = try transaction.inbox(of: user.id, dueBy: now, language: page.language)
            var figures: [[String: Any]] = []
            for entity in schema.entities where entity.detailOf == nil && entity.menu != nil && figures.count < 6 {
                let access = try engine.access(entity.name, for: user.actor, in: transaction)
                if access.readsNothing { continue }
                let count = try transaction.count(entity.name, cap: 2_000, access: access)  // "2000+", as on lists
                figures.append(["entity": entity.name, "label": pluralLabel(entity, page.language), "value": count.isCapped ? "\(count.value)+" : "\(count.value)"])
            }
            // Views marked for the workbench ("my open opportunities"): their first ten records.
            var lists: [[String: Any]] = []
            let variables = engine.store.variables(for: user.actor)
            let display = try Display(schema: schema, language: page.language, transaction: transaction)
            for entity in schema.entities where entity.detailOf == nil && entity.views.contains(where: \.isOnWorkbench) {
                let access = try engine.access(entity.name, for: user.actor, in: transaction)
                if access.readsNothing { continue }
                for view in entity.views where view.isOnWorkbench {
                    let details = view.columns.map(\.field).filter { $0 != entity.titleField && !access.hiddenFields.contains($0) }.prefix(2)
                        .compactMap { entity.field($0) }
                    let query = RecordQuery(
                        entity: entity.name, filter: RecordFilter(view.filter, variables: variables),
                        sort: view.sorts.map { RecordQuery.Sort($0.field, descending: $0.descending) }, limit: 10)
                    let result = try transaction.query(
                        try withTitles(query, entity, fields: Array(details), for: user.actor, in: transaction), access: access)
                    lists.append([
                        "label": view.labels.text(for: page.language, fallback: view.name.humanizedName),
                        "link": "/e/\(entity.name)?view=\(view.name)",
                        "rows": result.records.map { record -> [String: Any] in
                            [
                                "link": "/e/\(entity.name)/\(record.id)", "title": display.title(entity, record),
                                "detail": details.map { display.text(record[$0.name], $0, titles: result.titles[$0.name]) }.filter { !$0.isEmpty }
                                    .joined(separator: " · "),
                            ]
                        },
                    ])
                }
            }
            var values: [String: Any] = [
                "title": page.texts["workbench"] ?? "", "figures": figures, "lists": lists,
                "reminders": messages.filter { $0.dueAt != nil }.prefix(20).map(messageItem),
                "messages": messages.filter { $0.dueAt == nil }.prefix(20).map(messageItem),
                "approvals": try waiting(user, page: page, in: transaction).prefix(20).map { $0 },
            ]
            // Only when the schema has a funnel report: a nil in an `Any` is a value to the
            // template engine, which showed an empty card under the page's title.
            if let report = schema.reports.first(where: { $0.chart == .funnel }), mayRead(report.entity, user) {
                let figures = try self.figures(report, page: page, in: transaction)
                values["funnel"] = ["title": figures.title, "svg": figures.svg]
            }
            return values
        }
        return render("workbench", values, page: page)
    }

    func inbox(_ page: PageRequest) throws -> Response {
        let now = engine.store.variables(for: page.user.actor).now
        let messages = try engine.read(as: page.user.actor) { try $0.inbox(of: page.user.id, dueBy: now, language: page.language) }
        return render("inbox", ["title": page.texts["inbox"] ?? "", "messages": messages.prefix(200).map(messageItem)], page: page)
    }

    func markAllRead(_ page: PageRequest) async throws -> Response {
        var page = page
        _ = try await page.form()
        try await engine.perform(as: page.user.actor) { try $0.markRead(user: page.user.id) }
        return .redirect(to: "/inbox", type: .found)
    }

    /// The calendar (日程): a month of the user's reminders, day by day (`?month=2026-11`).
    /// The user's calendar (日程), a month (`?month=2026-11`) or a week (`?week=2026-11-23`, any day
    /// of it): their reminders, and the records they own of every entity with a `calendar` field
    /// (events, tasks, planned follow-ups), each on its day.
    func calendar(_ page: PageRequest) throws -> Response {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = engine.store.timeZone
        calendar.firstWeekday = 2  // weeks start on Monday
        let today = engine.store.variables(for: page.user.actor).today
        let parameters = QueryItems(page.request.uri.query)
        func day(_ text: String) -> Date? {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { return nil }
            return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
        }
        func dayText(_ date: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
        let start: Date
        let end: Date
        let isWeek = parameters.first("week") != nil
        if let week = parameters.first("week") {
            guard let chosen = day(week), let monday = calendar.dateInterval(of: .weekOfYear, for: chosen)?.start else {
                throw Problem(.badRequest, "week must be a day like 2026-11-23")
            }
            start = monday
            end = calendar.date(byAdding: .day, value: 7, to: monday) ?? monday
        } else {
            let month = parameters.first("month") ?? String(today.prefix(7))
            let parts = month.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, (1...12).contains(parts[1]), let first = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: 1)) else {
                throw Problem(.badRequest, "month must look like 2026-11")
            }
            start = first
            end = calendar.date(byAdding: .month, value: 1, to: first) ?? first
        }
        // Everything on the calendar between start and end: (when, item).
        let entries = try engine.read(as: page.user.actor) { transaction -> [(Date, [String: Any])] in
            var entries: [(Date, [String: Any])] = []
            for reminder in try transaction.reminders(of: page.user.id, from: RecordStore.timestamp(start), to: RecordStore.timestamp(end)) {
                guard let due = reminder.dueAt, let date = ISO8601DateFormatter.kith.date(from: due) else { continue }
                var item = messageItem(reminder)
                item["at"] = timeText(date, calendar)
                entries.append((date, item))
            }
            for entity in schema.entities where entity.ownership == .user && mayRead(entity.name, page.user) {
                guard let name = entity.calendarField, let field = entity.field(name) else { continue }
                let timed = field.type == .datetime
                let bounds: [Value] = timed ? [.text(RecordStore.timestamp(start)), .text(RecordStore.timestamp(end))] : [.text(dayText(start)), .text(dayText(end))]
                let access = try engine.access(entity.name, for: page.user, in: transaction)
                // What starts in the window, or started before it and ends in it or after it.
                var within: RecordFilter = .condition(field: name, op: .gte, values: [bounds[0]])
                if let endName = entity.calendarEndField {
                    within = .any([within, .condition(field: endName, op: .gte, values: [bounds[0]])])
                }
                let records = try transaction.query(
                    RecordQuery(
                        entity: entity.name,
                        filter: .all([
                            .condition(field: "owner", op: .eq, values: [.integer(page.user.id)]), within,
                            .condition(field: name, op: .lt, values: [bounds[1]]),
                        ]),
                        sort: [.init(name)], limit: 500),
                    access: access
                ).records
                func moment(_ value: Value) -> Date? {
                    value.text.flatMap { timed ? ISO8601DateFormatter.kith.date(from: $0) : day($0) }
                }
                for record in records {
                    guard let date = moment(record[name]) else { continue }
                    let title = record[entity.titleField].description
                    let item: [String: Any] = [
                        "text": "\(label(entity, page.language)): \(title.isEmpty ? "#\(record.id)" : title)", "link": "/e/\(entity.name)/\(record.id)",
                    ]
                    let until = entity.calendarEndField.flatMap { moment(record[$0]) }.flatMap { $0 > date ? $0 : nil }
                    guard let until, dayText(until) != dayText(date) else {
                        var at = timed ? timeText(date, calendar) : ""
                        if timed, let until { at += "–" + timeText(until, calendar) }
                        entries.append((date, item.merging(["at": at]) { $1 }))
                        continue
                    }
                    // Over several days: on each of them in the window, its start and end where they fall.
                    var each = max(calendar.startOfDay(for: date), start)
                    let last = min(calendar.startOfDay(for: until), calendar.date(byAdding: .day, value: -1, to: end) ?? end)
                    while each <= last {
                        let first = dayText(each) == dayText(date)
                        let final = dayText(each) == dayText(until)
                        let at = (first && timed ? timeText(date, calendar) + " " : "") + "→" + (final && timed ? " " + timeText(until, calendar) : "")
                        entries.append((first ? date : each, item.merging(["at": at]) { $1 }))
                        guard let next = calendar.date(byAdding: .day, value: 1, to: each) else { break }
                        each = next
                    }
                }
            }
            return entries.sorted { $0.0 < $1.0 }
        }
        var byDay: [String: [[String: Any]]] = [:]
        for (date, item) in entries { byDay[dayText(date), default: []].append(item) }
        func cell(_ date: Date) -> [String: Any] {
            let text = dayText(date)
            return ["day": calendar.component(.day, from: date), "date": text, "today": text == today, "items": byDay[text] ?? []]
        }
        var cells: [[String: Any]] = []
        if isWeek {
            for offset in 0..<7 { if let date = calendar.date(byAdding: .day, value: offset, to: start) { cells.append(cell(date)) } }
        } else {
            let leading = (calendar.component(.weekday, from: start) + 5) % 7
            cells = Array(repeating: ["empty": true], count: leading)
            var date = start
            while date < end {
                cells.append(cell(date))
                date = calendar.date(byAdding: .day, value: 1, to: date) ?? end
            }
            while cells.count % 7 != 0 { cells.append(["empty": true]) }
        }
        let weeks = stride(from: 0, to: cells.count, by: 7).map { ["days": Array(cells[$0..<min($0 + 7, cells.count)])] }
        let step: Calendar.Component = isWeek ? .weekOfYear : .month
        let previous = calendar.date(byAdding: step, value: -1, to: start) ?? start
        let next = calendar.date(byAdding: step, value: 1, to: start) ?? start
        func link(_ date: Date) -> String { isWeek ? "/calendar?week=" + dayText(date) : "/calendar?month=" + dayText(date).prefix(7) }
        let heading = isWeek ? "\(dayText(start)) – \(dayText(calendar.date(byAdding: .day, value: 6, to: start) ?? start))" : String(dayText(start).prefix(7))
        return render(
            "calendar",
            [
                "title": page.texts["calendar"] ?? "", "heading": heading, "previous": link(previous), "next": link(next), "weeks": weeks,
                "isWeek": isWeek, "monthLink": "/calendar?month=" + dayText(start).prefix(7),
                "weekLink": "/calendar?week=" + (isWeek ? dayText(start) : (dayText(start).prefix(7) == today.prefix(7) ? today : dayText(start))),
                "weekdays": page.language == "zh" ? ["一", "二", "三", "四", "五", "六", "日"] : ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            ],
            page: page)
    }

    /// "09:30" in the workspace's time zone.
    func timeText(_ date: Date, _ calendar: Calendar) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    func approvals(_ page: PageRequest) throws -> Response {
        let items = try engine.read(as: page.user.actor) { try waiting(page.user, page: page, in: $0) }
        return render("approvals", ["title": page.texts["approvals"] ?? "", "approvals": items], page: page)
    }

    /// The records waiting for the user's decision, with their titles.
    func waiting(_ user: DirectoryUser, page: PageRequest, in transaction: RecordTransaction) throws -> [[String: Any]] {
        let administrator = user.roles.contains(Role.administrator)
        return try transaction.approvalsWaiting(for: user.id, administrator: administrator).compactMap { item in
            guard let entity = schema.entity(item.entity), let record = try transaction.get(item.entity, id: item.record) else { return nil }
            let title = record[entity.titleField].description
            return [
                "entity": item.entity, "id": item.record, "since": Display.time(item.since, in: engine.store.timeZone),
                "title": "\(label(entity, page.language)) · " + (title.isEmpty ? "#\(item.record)" : title),
            ]
        }
    }

    func messageItem(_ message: InboxMessage) -> [String: Any] {
        var item: [String: Any] = [
            "text": message.text, "at": Display.time(message.dueAt ?? message.createdAt, in: engine.store.timeZone),
            "unread": message.readAt == nil,
        ]
        if let entity = message.entity, let id = message.recordID { item["link"] = "/e/\(entity)/\(id)" }
        return item
    }
}
