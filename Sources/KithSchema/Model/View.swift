/// A list page or saved search: columns, filters and sort order.
public struct View: Sendable {
    public struct Column: Sendable {
        public internal(set) var field: String
        public internal(set) var labels: Labels
        public internal(set) var location: SourceLocation
    }

    public struct Sort: Sendable {
        public internal(set) var field: String
        public internal(set) var descending: Bool
        public internal(set) var location: SourceLocation
    }

    public internal(set) var name: String
    public internal(set) var labels: Labels
    public internal(set) var isDefault: Bool
    public internal(set) var columns: [Column]
    /// The view's conditions, all of which must hold.
    public internal(set) var filter: FilterGroup
    public internal(set) var sorts: [Sort]
    public internal(set) var location: SourceLocation
    /// `workbench="true"`: the view's first rows are shown on the workbench (工作台), for example
    /// "my open opportunities".
    public internal(set) var isOnWorkbench: Bool = false
}

/// The operators of view filters.
public enum FilterOperator: String, Sendable, CaseIterable {
    case eq, ne, lt, lte, gt, gte
    case `in`, notIn = "not-in"
    case contains, startsWith = "starts-with"
    case empty, notEmpty = "not-empty"
    case between

    /// Whether the operator compares against an order (numbers, dates, codes).
    public var needsOrder: Bool { [.lt, .lte, .gt, .gte, .between].contains(self) }
    public var takesNoValue: Bool { self == .empty || self == .notEmpty }
    public var takesList: Bool { self == .in || self == .notIn }
}

/// `<filter field="level" op="in" value="gold,vip"/>`
public struct FilterCondition: Sendable {
    public internal(set) var field: String
    public internal(set) var op: FilterOperator
    /// As written; may hold `$me`, `$my-department`, `$today-30d`, ... resolved when the view runs.
    public internal(set) var value: String?
    public internal(set) var location: SourceLocation
}

/// Conditions joined by `and` or `or`, nested as written.
public struct FilterGroup: Sendable {
    public enum Join: String, Sendable { case and, or }
    public enum Term: Sendable {
        case condition(FilterCondition)
        case group(FilterGroup)
    }
    public internal(set) var join: Join
    public internal(set) var terms: [Term]

    public var isEmpty: Bool { terms.isEmpty }

    /// Every condition, at any depth.
    public var conditions: [FilterCondition] {
        terms.flatMap { term -> [FilterCondition] in
            switch term {
            case .condition(let condition): [condition]
            case .group(let group): group.conditions
            }
        }
    }
}
