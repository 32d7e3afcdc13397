public import KithSchema

/// The SQLite layout a schema needs: one table per entity with a typed column per field, link
/// tables for multiref fields, indexes, and a full-text index over `search` fields.
///
/// A layout is a plain value: the one applied is recorded in the database, and migration
/// compares it with the layout of the schema being loaded.
public struct StorageLayout: Codable, Equatable, Sendable {
    public struct Column: Codable, Equatable, Sendable {
        public var name: String
        /// `TEXT` or `INTEGER`.
        public var sqlType: String
        /// The Kith field type, which decides how values are encoded.
        public var fieldType: String
        public var scale: Int?
        public var isRequired: Bool
        public var maxLength: Int?
    }

    public struct Index: Codable, Equatable, Sendable {
        public var name: String
        public var columns: [String]
        public var isUnique: Bool
        /// The indexed SQL expression of each column, where it is not the column itself: a
        /// duplicate rule's index holds its fields as the rule compares them.
        public var expressions: [String]? = nil

        /// What CREATE INDEX lists.
        var keys: [String] { expressions ?? columns.map(SQL.quote) }
    }

    public struct Table: Codable, Equatable, Sendable {
        public var entity: String
        public var name: String
        public var columns: [Column]
        public var indexes: [Index]
        /// multiref field → link table name.
        public var links: [String: String]
        /// Columns of the full-text index, empty when the entity has no `search` field.
        public var searchColumns: [String]

        public var searchTable: String { Self.searchTable(of: entity) }
        /// The full-text index of an entity: `s_<entity>`, in the index file (`SearchIndex`).
        static func searchTable(of entity: String) -> String { "s_" + entity }
        /// The searched columns as `kith_search_columns` keeps them: `name,phone`.
        var searchColumnList: String { searchColumns.joined(separator: ",") }
        public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    }

    public var tables: [Table] {
        didSet { positions = Self.positions(tables) }
    }
    private var positions: [String: Int]

    enum CodingKeys: String, CodingKey { case tables }

    public init(tables: [Table]) {
        self.tables = tables
        self.positions = Self.positions(tables)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(tables: try container.decode([Table].self, forKey: .tables))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tables, forKey: .tables)
    }

    public static func == (lhs: StorageLayout, rhs: StorageLayout) -> Bool { lhs.tables == rhs.tables }

    private static func positions(_ tables: [Table]) -> [String: Int] {
        Dictionary(tables.enumerated().map { ($1.entity, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func table(_ entity: String) -> Table? { positions[entity].map { tables[$0] } }

    /// Names of tables Kith keeps for itself; no entity table can clash with them (entity tables start with `e_`).
    static let internalTables = ["kith_layout", "kith_history", "kith_recycle", "kith_sequence", "kith_file"]
}

extension StorageLayout {
    /// The layout `schema` needs.
    public init(schema: Schema) {
        self.init(tables: schema.entities.map { Self.table(for: $0, in: schema) })
    }

    public static func tableName(_ entity: String) -> String { "e_" + entity }

    /// The SQL a duplicate rule compares `field` by, over `column`: phone numbers by their digits,
    /// `normalized` texts without spaces and punctuation in lower case, anything else as stored.
    /// Nil for `similar` texts, which are matched by containment.
    static func duplicateKey(_ field: Field, _ match: DuplicateRule.Match, _ column: String) -> String? {
        guard field.type.isString else { return column }
        if field.type == .phone { return stripped(column, phonePunctuation) }
        switch match {
        case .exact: return column
        case .normalized: return "lower(\(stripped(column, punctuation)))"
        case .similar: return nil
        }
    }

    static let phonePunctuation: [String] = [" ", "-", "(", ")", "+", ".", "/"]
    static let punctuation: [String] = [" ", "\u{3000}", "-", "_", ".", ",", "(", ")", "（", "）", "·", "'", "\"", "&", "/"]

    /// `column` with each of `characters` removed, in SQL.
    static func stripped(_ column: String, _ characters: [String]) -> String {
        characters.reduce(column) { expression, character in
            "replace(\(expression), '\(character == "'" ? "''" : character)', '')"
        }
    }
    static func linkTableName(_ entity: String, _ field: String) -> String { "l_\(entity)__\(field)" }

    static func sqlType(_ type: FieldType) -> String {
        switch type {
        case .integer, .decimal, .money, .percent, .boolean, .ref, .user, .department, .file: "INTEGER"
        default: "TEXT"
        }
    }

    private static func table(for entity: Entity, in schema: Schema) -> Table {
        var columns: [Column] = []
        var links: [String: String] = [:]
        for field in entity.allFields {
            if field.type == .multiref {
                links[field.name] = linkTableName(entity.name, field.name)
                continue
            }
            columns.append(
                Column(
                    name: field.name, sqlType: sqlType(field.type), fieldType: field.type.rawValue,
                    scale: field.type.isDecimal ? field.effectiveScale : nil, isRequired: field.isRequired,
                    maxLength: field.maxLength))
        }
        var indexes: [Index] = []
        /// Indexes that seek the user's scope after their equalities (owner and department right
        /// after them): they keep that order.
        var scopeSeeking: Set<[String]> = []
        func add(_ columnNames: [String], unique: Bool = false) {
            let usable = columnNames.filter { name in name != "id" && columns.contains { $0.name == name } }
            guard !usable.isEmpty, usable.count == columnNames.count || !unique else { return }
            let name = (unique ? "ux_" : "ix_") + entity.name + "__" + usable.joined(separator: "__")
            if indexes.contains(where: { $0.columns == usable && $0.isUnique == unique }) { return }
            indexes.append(Index(name: name, columns: usable, isUnique: unique))
        }
        for field in entity.fields {
            if field.isUnique || field.type == .autonumber { add([field.name], unique: true) }
            if field.isIndexed || field.type == .ref { add([field.name]) }
        }
        for index in entity.indexes { add(index.fields, unique: index.isUnique) }
        if entity.ownership == .user {
            add(["owner"])
            add(["department"])
        }
        if entity.workflow != nil { add(["state"]) }
        // The title: lists and reference fields sort by it, and API clients filter then sort by it.
        if entity.titleField != "id", let title = entity.field(entity.titleField), title.type.isOrdered, !title.isUnique {
            add([title.name])
        }
        // The filters and sorts of the views: equality filters first, then the sort.
        for view in entity.views {
            let equalities = view.filter.terms.compactMap { term -> String? in
                guard case .condition(let condition) = term, [.eq, .in, .empty].contains(condition.op) else { return nil }
                return condition.field
            }
            let sorts = view.sorts.map(\.field)
            let key = Array((equalities + sorts).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.prefix(4))
            let orderable = key.filter { name in columns.contains { $0.name == name && $0.fieldType != FieldType.multienum.rawValue } }
            if !orderable.isEmpty { add(orderable) }
            // The view's count as a manager or a rep: seeks by department (and owner) within the
            // equalities instead of checking every entry of the view's index.
            let scoped = equalities.filter { name in columns.contains { $0.name == name && $0.fieldType != FieldType.multienum.rawValue } }
            if entity.ownership == .user, !scoped.isEmpty, !scoped.contains("owner"), !scoped.contains("department") {
                add(scoped + ["department", "owner"])
                scopeSeeking.insert(scoped + ["department", "owner"])
            }
        }
        // Owned entities: every index also holds the owner and department, so a scoped count or a
        // scoped page checks the user's scope in the index, without reading the rows it leaves out.
        // Before them comes the id: every list breaks ties by id, and without it there SQLite sorted
        // each run of equal values of the index's last column (a third of a page's query).
        if entity.ownership == .user {
            indexes = indexes.map { index in
                guard !index.isUnique else { return index }
                let tieBreak = scopeSeeking.contains(index.columns) ? [] : ["id"]
                let columns = index.columns + tieBreak + ["owner", "department"].filter { !index.columns.contains($0) }
                return Index(name: "ix_" + entity.name + "__" + columns.joined(separator: "__"), columns: columns, isUnique: false)
            }.reduce(into: []) { kept, index in if !kept.contains(index) { kept.append(index) } }
        }
        // An index whose columns begin another index serves no query the longer one does not.
        indexes = indexes.filter { index in
            index.isUnique
                || !indexes.contains { other in
                    other.columns.count > index.columns.count && Array(other.columns.prefix(index.columns.count)) == index.columns
                }
        }
        // Duplicate rules (新建查重) look records up by their fields as the rule compares them, so
        // checking a new record seeks an index instead of reading the table. A `similar` rule
        // matches parts of texts, which no index can seek.
        for rule in entity.duplicateRules {
            let keys = rule.fields.compactMap { name in
                entity.field(name).flatMap { field in
                    columns.contains { $0.name == name } ? duplicateKey(field, rule.match, SQL.quote(name)) : nil
                }
            }
            guard keys.count == rule.fields.count else { continue }
            if keys == rule.fields.map(SQL.quote), indexes.contains(where: { $0.columns.starts(with: rule.fields) }) { continue }
            let index = Index(
                name: "dx_" + entity.name + "__" + rule.fields.joined(separator: "__"), columns: rule.fields, isUnique: false,
                expressions: keys)
            if !indexes.contains(index) { indexes.append(index) }
        }
        let search = entity.fields.filter { $0.isSearchable && $0.type != .multiref }.map(\.name)
        return Table(
            entity: entity.name, name: tableName(entity.name), columns: columns, indexes: indexes, links: links,
            searchColumns: search)
    }
}
