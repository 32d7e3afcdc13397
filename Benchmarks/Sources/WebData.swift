import Foundation
import KithEngine
import KithSchema
import KithScript
import KithStore

/// The web benchmark's data (`kith-benchmarks web-data FOLDER [CUSTOMERS]`): a demo workspace in
/// FOLDER with a user `bench` (executive, password `bench-pass`) and CUSTOMERS customers with 3
/// contacts and 2 opportunities each, written in bulk (rules do not run on these rows).
struct WebData {
    let installation: Installation
    let folder: URL
    let customers: Int

    func run() throws {
        try WorkspaceTemplate.createDemo(at: folder)
        let loaded = try WorkspaceLoader(installation: installation).load(workspaceAt: folder)
        let engine = try Engine.open(loaded)
        let bench = try engine.addUser(login: "bench", name: "Bench", roles: ["executive"], password: "bench-pass")
        let started = Date()
        let stages = ["qualify", "needs", "proposal", "negotiation", "won", "lost"]
        let levels = ["normal", "silver", "gold", "vip"]
        let batch = 10_000
        for start in stride(from: 0, to: customers, by: batch) {
            try engine.store.write(as: Actor(userID: bench.id, departmentID: nil, origin: .engine)) { transaction in
                for index in start..<min(start + batch, customers) {
                    let customer = try transaction.createID(
                        "customer",
                        [
                            "name": .text("Customer \(index) 客户"), "phone": .text("021-\(10_000_000 + index)"),
                            "level": .text(levels[index % levels.count]), "city": .text(["上海", "北京", "广州", "深圳"][index % 4]),
                        ])
                    for contact in 0..<3 {
                        _ = try transaction.createID(
                            "contact", ["name": .text("Contact \(index)-\(contact)"), "customer": .integer(customer), "phone": .text("139\(String(format: "%08d", index * 3 + contact))")])
                    }
                    for deal in 0..<2 {
                        _ = try transaction.createID(
                            "opportunity",
                            [
                                "title": .text("Deal \(index)-\(deal)"), "customer": .integer(customer), "stage": .text(stages[(index + deal) % 6]),
                                "amount": .integer(Int64(1_000 + (index * 37 + deal * 11) % 900_000)),
                            ])
                    }
                }
            }
        }
        try engine.store.analyze()
        try engine.store.close()
        print("\(customers) customers, \(customers * 3) contacts, \(customers * 2) opportunities in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
    }
}
