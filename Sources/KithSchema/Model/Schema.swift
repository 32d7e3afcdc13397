/// Everything a workspace's modules describe, with overlays applied in load order.
///
/// Immutable: loaded once by `WorkspaceLoader`, swapped as a whole on reload.
///
///     let loaded = try WorkspaceLoader(installation: installation).load(workspaceAt: folder)
///     let fields = loaded.schema.entity(name)?.fields
public struct Schema: Sendable {
    /// A module that contributed to the schema.
    public struct Module: Sendable {
        public internal(set) var name: String
        public internal(set) var version: Int
        public internal(set) var file: String
        public internal(set) var labels: Labels
    }

    public internal(set) var modules: [Module] = []
    public internal(set) var menus: [Menu] = []
    public internal(set) var dictionaries: [DataDictionary] = []
    public internal(set) var entities: [Entity] = []
    public internal(set) var conversions: [Conversion] = []
    public internal(set) var schedules: [Schedule] = []
    public internal(set) var roles: [Role] = []
    public internal(set) var reports: [Report] = []
    /// Folders holding the Lua scripts, in load order (later ones win).
    public internal(set) var scriptFolders: [String] = []

    private var entityIndex: [String: Int] = [:]
    private var dictionaryIndex: [String: Int] = [:]
    private var detailIndex: [String: [Int]] = [:]

    public init() {}

    public func entity(_ name: String) -> Entity? { entityIndex[name].map { entities[$0] } }
    public func dictionary(_ name: String) -> DataDictionary? {
        dictionaryIndex[name].map { dictionaries[$0] } ?? dictionaries.first { $0.name == name }
    }
    public func role(_ name: String) -> Role? { roles.first { $0.name == name } }
    public func report(_ name: String) -> Report? { reports.first { $0.name == name } }
    public func schedule(_ name: String) -> Schedule? { schedules.first { $0.name == name } }
    public func conversion(_ name: String) -> Conversion? { conversions.first { $0.name == name } }
    public func menu(_ name: String) -> Menu? { menus.first { $0.name == name } }

    /// The line-item entities of `master`.
    public func details(of master: String) -> [Entity] { (detailIndex[master] ?? []).map { entities[$0] } }

    /// The allowed values of an enum field, from its dictionary or its inline list.
    public func choices(of field: Field) -> [String] { choiceLabels(of: field).map(\.value) }

    /// The allowed values of an enum field with their labels (inline values have labels only when
    /// the engine gives them, as a workflow's states).
    public func choiceLabels(of field: Field) -> [(value: String, labels: Labels)] {
        if let values = field.values { return values.map { ($0, field.valueLabels?[$0] ?? Labels()) } }
        if let name = field.dictionary, let dictionary = dictionary(name) { return dictionary.items.map { ($0.value, $0.labels) } }
        return []
    }

    /// Builds the lookups used once the schema is complete.
    mutating func indexDictionaries() {
        dictionaryIndex = Dictionary(dictionaries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        detailIndex = [:]
        for (index, entity) in entities.enumerated() {
            if let master = entity.detailOf { detailIndex[master, default: []].append(index) }
        }
    }

    mutating func add(_ entity: Entity) {
        entityIndex[entity.name] = entities.count
        entities.append(entity)
    }

    mutating func updateEntity(_ name: String, _ change: (inout Entity) -> Void) {
        guard let index = entityIndex[name] else { return }
        change(&entities[index])
    }

    /// Counts for `kith check`'s summary.
    public var summary: String {
        let fieldCount = entities.reduce(0) { $0 + $1.fields.count }
        let workflows = entities.filter { $0.workflow != nil }.count
        return "\(modules.count) modules, \(entities.count) entities, \(fieldCount) fields, "
            + "\(workflows) workflows, \(roles.count + 1) roles"
    }
}
