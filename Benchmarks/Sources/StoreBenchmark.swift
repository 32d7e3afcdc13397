import Foundation
import GRDB
import KithSchema
import KithStore

/// The object engine against hand-written SQL on the same tables, at scale: customers,
/// contacts and opportunities of the core schema, generated deterministically.
struct StoreBenchmark {
    let schema: Schema
    let folder: URL
    let scale: Double
    /// Measure on the databases a previous run generated in `folder` instead of generating them.
    var reuse = false
    var rows: [(String, String, String, String)] = []

    var customers: Int { Int(1_000_000 * scale) }
    var contacts: Int { Int(3_000_000 * scale) }
    var opportunities: Int { Int(2_000_000 * scale) }

    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let admin = Actor(userID: 1, departmentID: 1)

    mutating func run() throws {
        let reusing = reuse && FileManager.default.fileExists(atPath: folder.appendingPathComponent("raw.sqlite").path)
        if !reusing {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let store = try RecordStore.open(at: folder.appendingPathComponent("engine.sqlite").path, schema: schema, timeZone: Self.zone)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let raw = try DatabasePool(path: folder.appendingPathComponent("raw.sqlite").path, configuration: configuration)
        if !reusing {
            try raw.write { db in
                for statement in MigrationPlan(from: nil, to: store.layout).steps.flatMap(\.sql) where !statement.hasPrefix("--") {
                    try db.execute(sql: statement)
                }
            }
        }
        let layout = store.layout

        // Bulk import.
        for (entity, count) in reusing ? [] : [("customer", customers), ("contact", contacts), ("opportunity", opportunities)] {
            let engineRate = try bulk(count: count) { start, end in
                try store.write(as: Self.admin) { transaction in
                    for index in start..<end { _ = try transaction.createID(entity, Generator.values(entity, index, customers: customers)) }
                }
            }
            let table = layout.table(entity)!
            let rawRate = try bulk(count: count) { start, end in
                try raw.write { db in
                    for index in start..<end {
                        try RawSQL.insert(db, table, Generator.values(entity, index, customers: customers), id: index + 1)
                    }
                    try RawSQL.index(db, table, from: start + 1, to: end)
                }
            }
            rows.append(("bulk import \(entity) (rows/s)", format(engineRate), format(rawRate), ratio(rawRate, engineRate)))
        }

        // Single create, each its own transaction.
        let singles = 1000
        let engineCreate = try timeEach(singles) { index in
            _ = try store.create(
                "customer", Generator.values("customer", customers + index, customers: customers), as: Self.admin, access: .unrestricted)
        }
        let customerTable = layout.table("customer")!
        let nextRawID = try raw.read { db in try Int.fetchOne(db, sql: "SELECT max(id) FROM e_customer") ?? 0 } + 1
        let rawCreate = try timeEach(singles) { index in
            try raw.write { db in
                try RawSQL.insert(
                    db, customerTable, Generator.values("customer", customers + index, customers: customers), id: nextRawID + index)
                try RawSQL.index(db, customerTable, from: nextRawID + index, to: nextRawID + index)
            }
        }
        rows.append(
            (
                "single create with validation + history (ops/s)", format(1e6 / mean(engineCreate)), format(1e6 / mean(rawCreate)),
                ratio(mean(engineCreate), mean(rawCreate))
            ))

        // Get by id.
        var random = Generator.Random(seed: 7)
        let ids = (0..<20_000).map { _ in Int64(random.next() % UInt64(customers)) + 1 }
        let engineGet = try timeEach(ids.count) { index in
            _ = try store.get("customer", id: ids[index], as: Self.admin, access: .unrestricted)
        }
        let rawGet = try timeEach(ids.count) { index in
            _ = try raw.read { db in
                try Row.fetchOne(db.cachedStatement(sql: RawSQL.select(customerTable) + " WHERE id = ?"), arguments: [ids[index]])
            }
        }
        rows.append(
            (
                "get by id, p50 / p99 (µs)", percentiles(engineGet), percentiles(rawGet),
                ratio(percentile(engineGet, 0.5), percentile(rawGet, 0.5))
            ))

        // List page: opportunities in a stage, newest close date first, with customer titles.
        let stages = ["qualify", "needs", "proposal", "negotiation", "won", "lost"]
        let opportunityTable = layout.table("opportunity")!
        let engineList = try timeEach(3000) { index in
            _ = try store.query(
                RecordQuery(
                    entity: "opportunity", filter: .condition(field: "stage", op: .eq, values: [.text(stages[index % 6])]),
                    sort: [.init("close_date", descending: true)], limit: 50), as: Self.admin, access: .unrestricted)
        }
        let rawList = try timeEach(3000) { index in
            try raw.read { db in
                let page = try Row.fetchAll(
                    db.cachedStatement(sql: RawSQL.select(opportunityTable) + " WHERE stage = ? ORDER BY close_date DESC, id DESC LIMIT 51"),
                    arguments: [stages[index % 6]])
                let customerIDs = page.prefix(50).map { $0["customer"] as Int64? ?? 0 }
                _ = try Row.fetchAll(
                    db, sql: "SELECT id, name FROM e_customer WHERE id IN (\(customerIDs.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments(customerIDs))
            }
        }
        rows.append(
            (
                "list page of 50: filter, sort, customer titles, p50 / p99 (µs)", percentiles(engineList), percentiles(rawList),
                ratio(percentile(engineList, 0.99), percentile(rawList, 0.99))
            ))

        // Full-text search.
        let words = ["精密机械", "Trading", "科技有限", "Logistics", "贸易有限公司", "华东"]
        let engineSearch = try timeEach(600) { index in
            _ = try store.query(
                RecordQuery(entity: "customer", search: words[index % words.count], limit: 50), as: Self.admin, access: .unrestricted)
        }
        let rawSearch = try timeEach(600) { index in
            try raw.read { db in
                let word = words[index % words.count]
                if word.count >= 3 {
                    _ = try Row.fetchAll(
                        db,
                        sql: RawSQL.select(customerTable)
                            + " WHERE id IN (SELECT rowid FROM s_customer WHERE s_customer MATCH ?) ORDER BY id LIMIT 51",
                        arguments: ["\"\(word)\""])
                } else {
                    _ = try Row.fetchAll(
                        db,
                        sql: RawSQL.select(customerTable) + " WHERE name LIKE ? OR short_name LIKE ? OR phone LIKE ? ORDER BY id LIMIT 51",
                        arguments: ["%\(word)%", "%\(word)%", "%\(word)%"])
                }
            }
        }
        rows.append(
            (
                "full-text search, page of 50, p50 / p99 (µs)", percentiles(engineSearch), percentiles(rawSearch),
                ratio(percentile(engineSearch, 0.5), percentile(rawSearch, 0.5))
            ))

        // Count with a filter.
        let industries = ["manufacturing", "it", "retail", "services"]
        let engineCount = try timeEach(200) { index in
            _ = try store.count(
                "customer", filter: .condition(field: "industry", op: .eq, values: [.text(industries[index % 4])]), as: Self.admin,
                access: .unrestricted)
        }
        let rawCount = try timeEach(200) { index in
            _ = try raw.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT 1 FROM e_customer WHERE industry = ? LIMIT 10001)",
                    arguments: [industries[index % 4]])
            }
        }
        let rawExact = try timeEach(20) { index in
            _ = try raw.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM e_customer WHERE industry = ?", arguments: [industries[index % 4]])
            }
        }
        rows.append(
            (
                "count with filter (capped at 10,000), p50 (µs)", format(percentile(engineCount, 0.5)), format(percentile(rawCount, 0.5)),
                ratio(percentile(engineCount, 0.5), percentile(rawCount, 0.5))
            ))
        rows.append(("count with filter, exact (raw only), p50 (µs)", "—", format(percentile(rawExact, 0.5)), ""))

        // Group-by aggregate.
        let engineAggregate = try timeEach(10) { _ in
            _ = try store.aggregate(
                AggregateQuery(entity: "opportunity", groupField: "stage", aggregate: .sum, field: "amount"), as: Self.admin,
                access: .unrestricted)
        }
        let rawAggregate = try timeEach(10) { _ in
            _ = try raw.read { db in
                try Row.fetchAll(db, sql: "SELECT stage, sum(amount), count(*) FROM e_opportunity GROUP BY stage ORDER BY stage")
            }
        }
        rows.append(
            (
                "sum of amount by stage over all opportunities, p50 (ms)", format(percentile(engineAggregate, 0.5) / 1000),
                format(percentile(rawAggregate, 0.5) / 1000), ratio(percentile(engineAggregate, 0.5), percentile(rawAggregate, 0.5))
            ))

        // Size and memory.
        try store.close()
        try raw.close()
        rows.append(
            (
                "database size (MB)", format(Double(size("engine.sqlite")) / 1e6), format(Double(size("raw.sqlite")) / 1e6),
                "history, recycle bin and sequences included on the Kith side"
            ))
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        rows.append(("peak memory of the benchmark process (MB)", format(Double(usage.ru_maxrss) / 1024), "", ""))
    }

    func size(_ name: String) -> Int {
        ["", "-wal"].reduce(0) { total, suffix in
            total
                + ((try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name + suffix).path)[.size] as? Int)
                    ?? 0)
        }
    }

    /// Rows per second of `body` run over batches of 5,000.
    func bulk(count: Int, _ body: (Int, Int) throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        var index = 0
        while index < count {
            let end = min(count, index + 5000)
            try body(index, end)
            index = end
        }
        return Double(count) / seconds(ContinuousClock.now - start)
    }

    /// Microseconds of each of `count` runs.
    func timeEach(_ count: Int, _ body: (Int) throws -> Void) throws -> [Double] {
        var timings: [Double] = []
        timings.reserveCapacity(count)
        for index in 0..<count {
            let start = ContinuousClock.now
            try body(index)
            timings.append(seconds(ContinuousClock.now - start) * 1e6)
        }
        return timings
    }

    func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
    func percentile(_ values: [Double], _ p: Double) -> Double { values.sorted()[min(values.count - 1, Int(Double(values.count) * p))] }
    func percentiles(_ values: [Double]) -> String { "\(format(percentile(values, 0.5))) / \(format(percentile(values, 0.99)))" }
    func format(_ value: Double) -> String { value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value) }
    func ratio(_ engine: Double, _ raw: Double) -> String { String(format: "%.2fx", engine / raw) }

    func table() -> String {
        (["| operation | Kith | hand-written SQL | Kith / SQL |", "|---|---|---|---|"]
            + rows.map { "| \($0.0) | \($0.1) | \($0.2) | \($0.3) |" })
            .joined(separator: "\n")
    }
}

/// Hand-written SQL on the same tables: what an application without an engine would run.
enum RawSQL {
    static func select(_ table: StorageLayout.Table) -> String {
        "SELECT " + table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ") + " FROM \"\(table.name)\""
    }

    /// Adds rows `from...to` to the table's full-text index, as the engine does at commit.
    static func index(_ db: Database, _ table: StorageLayout.Table, from: Int, to: Int) throws {
        guard !table.searchColumns.isEmpty else { return }
        let names = table.searchColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        try db.execute(
            sql:
                "INSERT INTO \"\(table.searchTable)\"(rowid, \(names)) SELECT id, \(names) FROM \"\(table.name)\" WHERE id BETWEEN ? AND ?",
            arguments: [from, to])
    }

    static func insert(_ db: Database, _ table: StorageLayout.Table, _ values: [String: Value], id: Int) throws {
        var row: [String: (any DatabaseValueConvertible)?] = [
            "id": id, "owner": 1, "department": 1, "created_at": "2026-11-22T00:00:00.000Z",
            "updated_at": "2026-11-22T00:00:00.000Z", "created_by": 1, "updated_by": 1, "version": 1,
        ]
        for (name, value) in values {
            switch value {
            case .text(let text): row[name] = text
            case .integer(let integer): row[name] = integer
            case .decimal(let decimal): row[name] = decimal.rescaled(to: table.column(name)?.scale ?? 2)?.units
            case .boolean(let flag): row[name] = flag ? 1 : 0
            default: row[name] = nil
            }
        }
        let columns = table.columns.map(\.name).filter { row[$0] != nil }
        let sql =
            "INSERT INTO \"\(table.name)\" (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(columns.map { row[$0] ?? nil }))
    }
}

/// Deterministic, realistic rows.
enum Generator {
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 17
        }
    }

    static let regions = ["华东", "华南", "华北", "西南", "Shanghai", "Beijing"]
    static let trades = ["精密机械", "科技", "贸易", "Trading", "Logistics", "电子", "医疗器械", "食品"]
    static let suffixes = ["有限公司", "股份有限公司", "Co., Ltd.", "集团"]
    static let industries = [
        "manufacturing", "distribution", "retail", "services", "it", "construction", "healthcare", "education", "finance", "government",
        "other",
    ]
    static let regionCodes = ["north", "east", "south", "central", "southwest", "northwest"]
    static let levels = ["normal", "normal", "normal", "silver", "gold", "vip"]
    static let stages = ["qualify", "needs", "proposal", "negotiation", "won", "lost"]
    static let surnames = ["王", "李", "张", "刘", "陈", "杨", "Smith", "Chen"]
    static let given = ["伟", "芳", "娜", "敏", "静", "强", "磊", "John", "Mei"]

    static func values(_ entity: String, _ index: Int, customers: Int) -> [String: Value] {
        var random = Random(seed: UInt64(index) &* 2654435761 &+ UInt64(entity.utf8.count))
        func pick(_ list: [String]) -> String { list[Int(random.next() % UInt64(list.count))] }
        switch entity {
        case "customer":
            return [
                "name": .text("\(pick(regions))\(pick(trades))\(pick(suffixes)) No.\(index)"),
                "industry": .text(pick(industries)), "region": .text(pick(regionCodes)),
                "phone": .text("138\(String(format: "%08d", index % 100_000_000))"),
                "credit_limit": .decimal(ExactDecimal(units: Int64(random.next() % 100_000_000), scale: 2)),
                "next_follow_up": .text(String(format: "2026-%02d-%02d", Int(random.next() % 12) + 1, Int(random.next() % 28) + 1)),
            ]
        case "contact":
            return [
                "name": .text(pick(surnames) + pick(given) + "\(index % 1000)"),
                "customer": .integer(Int64(index % customers) + 1),
                "phone": .text("139\(String(format: "%08d", index % 100_000_000))"),
                "birthday": .text(
                    String(
                        format: "19%02d-%02d-%02d", Int(random.next() % 50) + 50, Int(random.next() % 12) + 1, Int(random.next() % 28) + 1)),
            ]
        default:
            return [
                "title": .text("\(pick(trades))项目 \(index)"),
                "customer": .integer(Int64(index % customers) + 1),
                "stage": .text(pick(stages)),
                "amount": .decimal(ExactDecimal(units: Int64(random.next() % 1_000_000_000), scale: 2)),
                "close_date": .text(String(format: "2026-%02d-%02d", Int(random.next() % 12) + 1, Int(random.next() % 28) + 1)),
            ]
        }
    }
}
