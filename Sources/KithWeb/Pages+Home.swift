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
            let messages = try transaction.inbox(of: user.id, dueBy: now)
            var figures: [[String: Any]] = []
            for entity in schema.entities where entity.detailOf == nil && entity.menu != nil && figures.count < 6 {
                let access = try engine.access(entity.name, for: user.actor, in: transaction)
                if access.readsNothing { continue }
                let count = try transaction.count(entity.name, cap: 10_000, access: access)
                figures.append(["entity": entity.name, "label": pluralLabel(entity, page.language), "value": count.isCapped ? "\(count.value)+" : "\(count.value)"])
            }
            return [
                "title": page.texts["workbench"] ?? "", "figures": figures,
                "reminders": messages.filter { $0.dueAt != nil }.prefix(20).map(messageItem),
                "messages": messages.filter { $0.dueAt == nil }.prefix(20).map(messageItem),
                "approvals": try waiting(user, page: page, in: transaction).prefix(20).map { $0 },
                "funnel": try schema.reports.first { $0.chart == .funnel }.map { report -> [String: Any] in
                    let figures = try self.figures(report, page: page, in: transaction)
                    return ["title": figures.title, "svg": figures.svg]
                } as Any,
            ]
        }
        return render("workbench", values, page: page)
    }

    func inbox(_ page: PageRequest) throws -> Response {
        let now = engine.store.variables(for: page.user.actor).now
        let messages = try engine.read(as: page.user.actor) { try $0.inbox(of: page.user.id, dueBy: now) }
        return render("inbox", ["title": page.texts["inbox"] ?? "", "messages": messages.prefix(200).map(messageItem)], page: page)
    }

    func markAllRead(_ page: PageRequest) async throws -> Response {
        var page = page
        _ = try await page.form()
        try engine.write(as: page.user.actor) { try $0.markRead(user: page.user.id) }
        return .redirect(to: "/inbox", type: .found)
    }

    /// The calendar (日程): a month of the user's reminders, day by day (`?month=2026-11`).
    func calendar(_ page: PageRequest) throws -> Response {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = engine.store.timeZone
        let today = engine.store.variables(for: page.user.actor).today
        let month = QueryItems(page.request.uri.query).first("month") ?? String(today.prefix(7))
        let parts = month.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, (1...12).contains(parts[1]),
            let first = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: 1)),
            let next = calendar.date(byAdding: .month, value: 1, to: first),
            let previous = calendar.date(byAdding: .month, value: -1, to: first)
        else { throw Problem(.badRequest, "month must look like 2026-11") }
        let reminders = try engine.read(as: page.user.actor) {
            try $0.reminders(of: page.user.id, from: RecordStore.timestamp(first), to: RecordStore.timestamp(next))
        }
        var byDay: [Int: [InboxMessage]] = [:]
        for reminder in reminders {
            guard let due = reminder.dueAt, let date = ISO8601DateFormatter.kith.date(from: due) else { continue }
            byDay[calendar.component(.day, from: date), default: []].append(reminder)
        }
        let days = calendar.range(of: .day, in: .month, for: first)?.count ?? 30
        let leading = (calendar.component(.weekday, from: first) + 5) % 7  // weeks start on Monday
        var cells: [[String: Any]] = Array(repeating: ["empty": true], count: leading)
        for day in 1...days {
            let date = String(format: "%04d-%02d-%02d", parts[0], parts[1], day)
            cells.append(["day": day, "today": date == today, "items": (byDay[day] ?? []).map(messageItem)])
        }
        while cells.count % 7 != 0 { cells.append(["empty": true]) }
        let weeks = stride(from: 0, to: cells.count, by: 7).map { ["days": Array(cells[$0..<$0 + 7])] }
        func label(_ date: Date) -> String { String(format: "%04d-%02d", calendar.component(.year, from: date), calendar.component(.month, from: date)) }
        return render(
            "calendar",
            [
                "title": page.texts["calendar"] ?? "", "month": month, "previous": label(previous), "next": label(next), "weeks": weeks,
                "weekdays": page.language == "zh" ? ["一", "二", "三", "四", "五", "六", "日"] : ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            ],
            page: page)
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
                "entity": item.entity, "id": item.record, "since": item.since.prefix(16).replacingOccurrences(of: "T", with: " "),
                "title": "\(label(entity, page.language)) · " + (title.isEmpty ? "#\(item.record)" : title),
            ]
        }
    }

    func messageItem(_ message: InboxMessage) -> [String: Any] {
        var item: [String: Any] = [
            "text": message.text, "at": (message.dueAt ?? message.createdAt).prefix(16).replacingOccurrences(of: "T", with: " "),
            "unread": message.readAt == nil,
        ]
        if let entity = message.entity, let id = message.recordID { item["link"] = "/e/\(entity)/\(id)" }
        return item
    }
}
