import Foundation
import KithSchema
import KithStore

// kith-store-writer DATABASE SCHEMA.xml: creates invoices with two lines each, one transaction
// per invoice, forever, printing each committed invoice id. The crash test kills it at random.

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: kith-store-writer DATABASE SCHEMA.xml\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let schema = try WorkspaceLoader(installation: Installation(root: root)).load(moduleFiles: [URL(fileURLWithPath: arguments[2])])
let store = try RecordStore.open(at: arguments[1], schema: schema, timeZone: TimeZone(identifier: "UTC")!)
let actor = Actor(userID: 1, departmentID: 1)
let account = try store.create("account", ["name": "Crash test"], as: actor, access: .unrestricted)

while true {
    let invoice = try store.create(
        "invoice", ["account": .integer(account.id)],
        lines: ["invoice_line": [["item": "A", "price": "1.50"], ["item": "B", "price": "2.25", "quantity": "3"]]], as: actor,
        access: .unrestricted)
    FileHandle.standardOutput.write(Data("\(invoice.id)\n".utf8))
}
