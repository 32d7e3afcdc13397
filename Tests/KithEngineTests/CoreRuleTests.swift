import Foundation
import KithEngine
import KithSchema
import KithStore
import Testing

@Suite struct CoreRuleTests {
    @Test func orderTotalsComeFromLines() throws {
        let test = try TestEngine()
        let rep = try test.user("rep", roles: ["sales_rep"])
        let order = try test.engine.write(as: rep) { transaction in
            let customer = try transaction.create("customer", ["name": "ACME"])
            return try transaction.create(
                "order", ["customer": .integer(customer.id)],
                lines: ["order_line": [["description": "Pump", "quantity": 2, "price": "40000.00"]]])
        }
        #expect(order["amount"] == .decimal(try ExactDecimal("80000.00")), "\(test.log.lines)")
        #expect(order.lines["order_line"]?.first?["amount"] == .decimal(try ExactDecimal("80000.00")))
    }
}
