/// A data dictionary (数据字典): the ordered values of an enum.
public struct DataDictionary: Sendable {
    public struct Item: Sendable {
        public internal(set) var value: String
        public internal(set) var labels: Labels
        public internal(set) var color: String?
        public internal(set) var location: SourceLocation
    }

    public internal(set) var name: String
    public internal(set) var labels: Labels
    public internal(set) var items: [Item]
    public internal(set) var location: SourceLocation

    public func item(_ value: String) -> Item? { items.first { $0.value == value } }
}

/// A navigation group of the UI: `<menu name="sales" label="Sales" label-zh="销售"/>`.
public struct Menu: Sendable {
    public internal(set) var name: String
    public internal(set) var labels: Labels
    public internal(set) var position: Int
    public internal(set) var location: SourceLocation
}
