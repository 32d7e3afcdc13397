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
