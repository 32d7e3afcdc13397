/// An edit or view page of an entity: sections of fields, related lists and line items.
public struct Form: Sendable {
    public enum Kind: String, Sendable { case edit, view, both }

    public struct Section: Sendable {
        public internal(set) var name: String?
        public internal(set) var labels: Labels
        public internal(set) var columns: Int
        public internal(set) var isCollapsed: Bool
        public internal(set) var fields: [FieldPlacement]
        public internal(set) var location: SourceLocation
    }

    /// `<field ref="name" span="2"/>` in a section.
    public struct FieldPlacement: Sendable {
        public internal(set) var field: String
        public internal(set) var span: Int
        public internal(set) var isReadonly: Bool
        public internal(set) var location: SourceLocation
    }

    /// `<related entity="visit" via="account" columns="subject,visited_on"/>`: records pointing here.
    public struct RelatedList: Sendable {
        public internal(set) var entity: String
        public internal(set) var via: String
        public internal(set) var columns: [String]
        public internal(set) var labels: Labels
        public internal(set) var location: SourceLocation
    }

    /// `<lines entity="bill_line" columns="item,quantity,price"/>`: line items edited inline.
    public struct Lines: Sendable {
        public internal(set) var entity: String
        public internal(set) var columns: [String]
        public internal(set) var labels: Labels
        public internal(set) var location: SourceLocation
    }

    /// What a form holds, in the order written.
    public enum Part: Sendable {
        case section(Section)
        case related(RelatedList)
        case lines(Lines)
    }

    public internal(set) var name: String
    public internal(set) var kind: Kind
    public internal(set) var labels: Labels
    public internal(set) var parts: [Part]
    public internal(set) var location: SourceLocation

    public var sections: [Section] {
        parts.compactMap { if case .section(let section) = $0 { section } else { nil } }
    }
    public var relatedLists: [RelatedList] {
        parts.compactMap { if case .related(let list) = $0 { list } else { nil } }
    }
    public var lines: [Lines] {
        parts.compactMap { if case .lines(let lines) = $0 { lines } else { nil } }
    }
}
