/// A periodic rule: `<schedule name="birthdays" cron="0 8 * * *" function="reminders.birthdays"/>`.
public struct Schedule: Sendable {
    public internal(set) var name: String
    public internal(set) var cron: CronExpression
    public internal(set) var function: FunctionReference
    public internal(set) var isEnabled: Bool
    public internal(set) var labels: Labels
    public internal(set) var location: SourceLocation
}

/// A conversion (线索升迁, 报价→合同→订单): records created from one source record.
public struct Conversion: Sendable {
    public struct Creation: Sendable {
        public internal(set) var entity: String
        /// `source_field:target_field` pairs.
        public internal(set) var mappings: [(source: String, target: String)]
        /// `ref` fields of the new record set to the records this conversion created before.
        public internal(set) var links: [String]
        /// `ref` field of the new record set to the source record.
        public internal(set) var backReference: String?
        public internal(set) var isOptional: Bool
        /// Line items copied: source detail entity → target detail entity.
        public internal(set) var lines: (source: String, target: String)?
        public internal(set) var location: SourceLocation
    }

    public internal(set) var name: String
    public internal(set) var source: String
    public internal(set) var labels: Labels
    /// The state the source moves to once converted.
    public internal(set) var setState: String?
    /// The source states it may run from (any when empty).
    public internal(set) var whenStates: [String]
    public internal(set) var creations: [Creation]
    public internal(set) var location: SourceLocation
}

/// Who may do what: `<role name="sales_rep">` with grants and field access.
public struct Role: Sendable {
    /// How far a permission reaches.
    public enum Scope: String, Sendable, Comparable {
        case no, own, department, all
        private var rank: Int {
            switch self {
            case .no: 0
            case .own: 1
            case .department: 2
            case .all: 3
            }
        }
        public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rank < rhs.rank }
    }

    public struct Grant: Sendable {
        /// An entity name, or `*` for every entity.
        public internal(set) var entity: String
        public internal(set) var read: Scope
        public internal(set) var create: Bool
        public internal(set) var update: Scope
        public internal(set) var delete: Scope
        public internal(set) var export: Bool
        public internal(set) var claim: Bool
        public internal(set) var location: SourceLocation
    }

    public struct FieldAccess: Sendable {
        public enum Level: String, Sendable, Comparable {
            case none, read, write
            private var rank: Int {
                switch self {
                case .none: 0
                case .read: 1
                case .write: 2
                }
            }
            public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
        }
        public internal(set) var entity: String
        public internal(set) var field: String
        public internal(set) var level: Level
        public internal(set) var location: SourceLocation
    }

    /// The name of the built-in role that may do everything.
    public static let administrator = "admin"

    public internal(set) var name: String
    public internal(set) var labels: Labels
    public internal(set) var grants: [Grant]
    public internal(set) var fieldAccess: [FieldAccess]
    public internal(set) var location: SourceLocation
}

/// A report: one entity grouped and measured, drawn as a chart.
public struct Report: Sendable {
    public enum Chart: String, Sendable { case funnel, bar, line, pie, table }
    public enum Bucket: String, Sendable { case day, week, month, quarter, year }
    public enum Aggregate: String, Sendable { case count, sum, avg, min, max }

    public internal(set) var name: String
    public internal(set) var entity: String
    public internal(set) var chart: Chart
    public internal(set) var groupField: String?
    /// For date fields: the period records are grouped by.
    public internal(set) var groupBucket: Bucket?
    public internal(set) var aggregate: Aggregate
    /// The measured field (nil for `count`).
    public internal(set) var measureField: String?
    public internal(set) var weightField: String?
    public internal(set) var filter: FilterGroup
    public internal(set) var labels: Labels
    public internal(set) var location: SourceLocation
}
