public import Foundation
/// A five-field cron expression: minute, hour, day of month, month, day of week.
///
///     try CronExpression("30 8 * * 1-5")   // 08:30 on weekdays
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and lists `a,b`; months and
/// weekdays also take names (`jan`, `mon`). Day of week 0 and 7 are Sunday. As in cron, when both
/// day of month and day of week are restricted, a day matching either runs.
public struct CronExpression: Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 (Sunday) to 6.
    public let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private struct FieldSpec {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]
        let nameOffset: Int
    }

    private static let specs = [
        FieldSpec(name: "minute", range: 0...59, names: [], nameOffset: 0),
        FieldSpec(name: "hour", range: 0...23, names: [], nameOffset: 0),
        FieldSpec(name: "day of month", range: 1...31, names: [], nameOffset: 0),
        FieldSpec(
            name: "month", range: 1...12,
            names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], nameOffset: 1),
        FieldSpec(name: "day of week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], nameOffset: 0),
    ]

    public init(_ text: String) throws(ParseError) {
        self.text = text
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 else {
            throw ParseError(
                description: "cron expression '\(text)' has \(fields.count) fields; expected 5 (minute hour day month weekday)")
        }
        var sets: [Set<Int>] = []
        for (field, spec) in zip(fields, Self.specs) {
            sets.append(try Self.parse(String(field), spec))
        }
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        daysOfWeek = Set(sets[4].map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
    }

    public var description: String { text }

    /// The latest minute at or before `date` when the expression fires, in `timeZone`, looking
    /// back at most `days` days; nil when there is none.
    public func latestFire(atOrBefore date: Date, timeZone: TimeZone, days: Int = 400) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let hoursDown = hours.sorted(by: >)
        let minutesDown = minutes.sorted(by: >)
        var day = calendar.startOfDay(for: date)
        for _ in 0..<days {
            let parts = calendar.dateComponents([.day, .month, .weekday], from: day)
            let (dayOfMonth, month, weekday) = (parts.day ?? 0, parts.month ?? 0, (parts.weekday ?? 1) - 1)
            for hour in hoursDown {
                guard let first = minutesDown.last, matches(minute: first, hour: hour, day: dayOfMonth, month: month, weekday: weekday) else {
                    continue
                }
                for minute in minutesDown {
                    guard let candidate = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day) else { continue }
                    if candidate <= date { return candidate }
                }
            }
            guard let previous = calendar.date(byAdding: .day, value: -1, to: day) else { return nil }
            day = previous
        }
        return nil
    }

    /// Whether the expression fires at this minute (weekday 0 = Sunday).
    public func matches(minute: Int, hour: Int, day: Int, month: Int, weekday: Int) -> Bool {
        guard minutes.contains(minute), hours.contains(hour), months.contains(month) else { return false }
        let dayMatches = daysOfMonth.contains(day)
        let weekdayMatches = daysOfWeek.contains(weekday % 7)
        if dayOfMonthRestricted && dayOfWeekRestricted { return dayMatches || weekdayMatches }
        return dayMatches && weekdayMatches
    }

    private static func parse(_ field: String, _ spec: FieldSpec) throws(ParseError) -> Set<Int> {
        var values = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, !pieces[0].isEmpty else {
                throw ParseError(description: "cron \(spec.name) field '\(field)' is not valid")
            }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw ParseError(description: "cron \(spec.name) field '\(field)': step '\(pieces[1])' must be a positive number")
                }
                step = parsed
            }
            let bounds: ClosedRange<Int>
            if pieces[0] == "*" {
                bounds = spec.range
            } else {
                let ends = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else {
                    throw ParseError(description: "cron \(spec.name) field '\(field)' is not valid")
                }
                let low = try value(String(ends[0]), spec, field)
                let high = ends.count == 2 ? try value(String(ends[1]), spec, field) : (pieces.count == 2 ? spec.range.upperBound : low)
                guard low <= high else {
                    throw ParseError(description: "cron \(spec.name) field '\(field)': range \(low)-\(high) runs backwards")
                }
                bounds = low...high
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    private static func value(_ text: String, _ spec: FieldSpec, _ field: String) throws(ParseError) -> Int {
        if let index = spec.names.firstIndex(of: text.lowercased()) { return index + spec.nameOffset }
        guard let number = Int(text) else {
            throw ParseError(description: "cron \(spec.name) field '\(field)': '\(text)' is not a number")
        }
        guard spec.range.contains(number) else {
            throw ParseError(
                description:
                    "cron \(spec.name) field '\(field)': \(number) is out of range \(spec.range.lowerBound)-\(spec.range.upperBound)")
        }
        return number
    }
}
