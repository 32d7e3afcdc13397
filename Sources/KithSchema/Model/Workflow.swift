/// The states a record moves through and the transitions and approvals between them.
public struct Workflow: Sendable {
    public struct State: Sendable {
        public internal(set) var name: String
        public internal(set) var labels: Labels
        /// Edits are refused in this state; transitions still work.
        public internal(set) var isLocked: Bool
        public internal(set) var isFinal: Bool
        public internal(set) var color: String?
        public internal(set) var location: SourceLocation
    }

    public struct Transition: Sendable {
        public enum Who: String, Sendable { case owner, anyone }
        public enum Comment: String, Sendable { case none, optional, required }

        public internal(set) var name: String
        public internal(set) var from: [String]
        public internal(set) var to: String
        public internal(set) var labels: Labels
        public internal(set) var who: Who
        /// Roles allowed to fire it (any role when empty).
        public internal(set) var roles: [String]
        public internal(set) var guardFunction: FunctionReference?
        public internal(set) var comment: Comment
        public internal(set) var location: SourceLocation
    }

    /// An approval process attached to a state (审批).
    public struct Approval: Sendable {
        public internal(set) var state: String
        public internal(set) var approveState: String
        public internal(set) var rejectState: String
        /// The Lua function returning this record's approval steps.
        public internal(set) var route: FunctionReference
        public internal(set) var labels: Labels
        public internal(set) var location: SourceLocation
    }

    public internal(set) var initialState: String
    public internal(set) var states: [State]
    public internal(set) var transitions: [Transition]
    public internal(set) var approvals: [Approval]
    public internal(set) var location: SourceLocation
    var declaredInitial: String?

    public func state(_ name: String) -> State? { states.first { $0.name == name } }
    public func transition(_ name: String) -> Transition? { transitions.first { $0.name == name } }
    public func approval(in state: String) -> Approval? { approvals.first { $0.state == state } }
}
