import Foundation
import KithEngine
import KithSchema
import KithStore

/// Where a web request's time goes (`kith-benchmarks web-parts FOLDER`, on `web-data`'s workspace):
/// the engine's pieces of an API get by id and of a list page, as the `bench` executive.
struct WebParts {
    let installation: Installation
    let folder: URL

    func run() throws {
        let loaded = try WorkspaceLoader(installation: installation).load(workspaceAt: folder)
        let engine = try Engine.open(loaded)
        guard let user = try engine.read(as: .system, { try $0.user(login: "bench") }) else { throw CocoaError(.fileNoSuchFile) }
        var generator = SystemRandomNumberGenerator()
        let total = try engine.read(as: .system) { try $0.count("customer", cap: 1_000_000).value }
        func time(_ label: String, _ runs: Int = 20_000, _ body: () throws -> Void) rethrows {
            for _ in 0..<200 { try body() }
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<runs { try body() }
            let micro = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(runs)
            print("| \(label) | \(String(format: "%.1f", micro)) |")
        }
        print("| piece | µs per call |\n|---|---|")
        try time("engine.read, empty") { try engine.read(as: user.actor) { _ in } }
        try time("engine.read + count of users") { _ = try engine.read(as: user.actor) { try $0.userCount() } }
        try time("engine.read + get of id 1") { _ = try engine.read(as: user.actor) { try $0.get("customer", id: 1) } }
        try time("engine.read + access") { _ = try engine.read(as: user.actor) { try engine.access("customer", for: user, in: $0) } }
        try time("engine.read + access + get") {
            let id = Int64.random(in: 1...Int64(total), using: &generator)
            _ = try engine.read(as: user.actor) { try $0.get("customer", id: id, access: try engine.access("customer", for: user, in: $0)) }
        }
        try time("store.read + get (no access)") {
            let id = Int64.random(in: 1...Int64(total), using: &generator)
            _ = try engine.store.read(as: user.actor) { try $0.get("customer", id: id) }
        }
        try engine.read(as: user.actor) { transaction in
            try time("get inside one read") {
                _ = try transaction.get("customer", id: Int64.random(in: 1...Int64(total), using: &generator))
            }
            try time("count of users inside one read") { _ = try transaction.userCount() }
        }
        try time("list page of 50 (level=gold, -name)", 2_000) {
            _ = try engine.read(as: user.actor) { transaction in
                try transaction.query(
                    RecordQuery(entity: "customer", filter: .condition(field: "level", op: .eq, values: [.text("gold")]), sort: [.init("name", descending: true)], limit: 50),
                    access: try engine.access("customer", for: user, in: transaction))
            }
        }
        // A cap never used before is a count never made before; the same cap again is answered by
        // the counts kept while the database is unchanged.
        var cap = 10_000
        try time("count capped at about 10,000 (level=gold), first time", 2_000) {
            cap += 1
            _ = try engine.read(as: user.actor) { transaction in
                try transaction.count("customer", filter: .condition(field: "level", op: .eq, values: [.text("gold")]), cap: cap)
            }
        }
        try time("count capped at 10,000 (level=gold), again on an unchanged database", 2_000) {
            _ = try engine.read(as: user.actor) { transaction in
                try transaction.count("customer", filter: .condition(field: "level", op: .eq, values: [.text("gold")]), cap: 10_000)
            }
        }
        try time("count capped at about 10,000 (all), first time", 2_000) {
            cap += 1
            _ = try engine.read(as: user.actor) { transaction in try transaction.count("customer", cap: cap) }
        }
        try time("all users + their departments", 2_000) {
            _ = try engine.read(as: user.actor) { transaction in
                let users = try transaction.allUsers()
                for user in users { if let id = user.departmentID { _ = try transaction.department(id: id) } }
            }
        }
    }
}
