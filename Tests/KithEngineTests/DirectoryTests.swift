import Foundation
import KithEngine
import KithStore
import Testing

/// Users and departments through the engine: passwords hashed, the first admin once.
@Suite struct DirectoryTests {
    @Test func passwordsAreHashedAndVerified() throws {
        let test = try TestEngine()
        try test.engine.addDepartment(name: "East China")
        let user = try test.engine.addUser(login: "li.lei", roles: ["sales_rep"], department: "East China", password: "correct horse")
        #expect(user.roles == ["sales_rep"])
        let stored = try test.engine.read(as: .system) { try $0.passwordHash(login: "li.lei") }
        #expect(stored?.hash.hasPrefix("$2") == true, "a bcrypt hash")
        #expect(stored?.hash.contains("correct horse") == false)
        #expect(try test.engine.signIn(login: "li.lei", password: "correct horse")?.id == user.id)
        #expect(try test.engine.signIn(login: "li.lei", password: "wrong") == nil)
        #expect(try test.engine.signIn(login: "nobody", password: "correct horse") == nil)
    }

    @Test func theFirstAdministratorIsCreatedOnce() throws {
        let test = try TestEngine()
        let password = try test.engine.createFirstAdministrator()
        #expect(password?.count == 16)
        #expect(try test.engine.signIn(login: "admin", password: password ?? "")?.roles == ["admin"])
        #expect(try test.engine.createFirstAdministrator() == nil)
    }

    @Test func unknownRolesDepartmentsAndManagersAreRefused() throws {
        let test = try TestEngine()
        #expect(throws: RecordError.self) { try test.engine.addUser(login: "a", roles: ["no_such_role"]) }
        #expect(throws: RecordError.self) { try test.engine.addUser(login: "b", roles: ["sales_rep"], department: "Nowhere") }
        #expect(throws: RecordError.self) { try test.engine.addUser(login: "c", roles: ["sales_rep"], manager: "ghost") }
        #expect(throws: RecordError.self) { try test.engine.addDepartment(name: "Sub", parent: "Nowhere") }
        try test.engine.addUser(login: "d", roles: ["sales_rep"])
        #expect(throws: RecordError.self) { try test.engine.addUser(login: "D", roles: ["sales_rep"]) }
    }
}

extension DirectoryTests {
    @Test func signInsFailuresAndDenialsAreLogged() throws {
        let test = try TestEngine()
        try test.engine.addUser(login: "li.lei", roles: ["sales_rep"], password: "pw-1234")
        let marketer = try test.engine.addUser(login: "mkt", roles: ["service"])
        _ = try test.engine.signIn(login: "li.lei", password: "pw-1234", source: "10.0.0.7")
        _ = try test.engine.signIn(login: "li.lei", password: "guess", source: "10.0.0.8")
        _ = try test.engine.signIn(login: "ghost", password: "guess", source: "10.0.0.9")
        let pooled = try test.engine.write(as: .system) { try $0.create("customer", ["name": "Pool Co"]) }
        #expect(throws: RecordError.self) { try test.engine.claim("customer", id: pooled.id, as: marketer) }
        let log = try test.engine.read(as: .system) { try $0.systemLog() }
        #expect(log.map(\.kind) == ["denied", "sign-in-failed", "sign-in-failed", "sign-in"])
        #expect(log[3].login == "li.lei" && log[3].source == "10.0.0.7")
        #expect(log[2].login == "li.lei" && log[2].userID != nil, "a wrong password names the user")
        #expect(log[1].login == "ghost" && log[1].userID == nil, "an unknown login is kept as typed")
        #expect(log[0].detail == "claim customer #\(pooled.id)" && log[0].login == "mkt")
    }
}
