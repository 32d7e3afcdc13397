import ArgumentParser
import Foundation
import KithEngine
import KithStore

/// `kith user add`: create a user.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self, Roles.self, Disable.self, Enable.self, Password.self, Transfer.self])

    /// `kith user transfer LOGIN --to LOGIN`: everything a leaving user owns, to a colleague (转移).
    struct Transfer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transfer", abstract: "Give every record a user owns to another user (history: transfer).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The login of the user whose records move.") var login: String
        @Option(help: "The login of the user who takes them.") var to: String
        func run() throws {
            let engine = try openEngine(try loadWorkspace(options))
            let moved = try reported { () throws -> Int in
                let users = try engine.read(as: .system) { transaction in (try transaction.user(login: login), try transaction.user(login: to)) }
                guard let from = users.0 else { throw CommandFailure("there is no user '\(login)'") }
                guard let taker = users.1 else { throw CommandFailure("there is no active user '\(to)'") }
                return try engine.transferAll(from: from, to: taker, as: .system)
            }
            print("\(moved) records moved from \(login) to \(to)")
        }
    }

    /// `kith user roles LOGIN --role R...`: replace a user's roles (logged).
    struct Roles: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "roles", abstract: "Replace a user's roles (the change is logged).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user's login.") var login: String
        @Option(help: "A role from the schema (repeat for several).") var role: [String] = []
        func validate() throws { guard !role.isEmpty else { throw ValidationError("give at least one --role") } }
        func run() throws {
            let engine = try openEngine(try loadWorkspace(options))
            let user = try reported { try engine.setRoles(login: login, roles: role) }
            print("\(user.login): roles \(user.roles.joined(separator: ", "))")
        }
    }

    /// `kith user disable LOGIN`: a user who left (their records: transfer them in the UI or API).
    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a user: no sign-in, no tokens.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user's login.") var login: String
        func run() throws { try setActive(options, login, false) }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled user again.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user's login.") var login: String
        func run() throws { try setActive(options, login, true) }
    }

    static func setActive(_ options: WorkspaceOptions, _ login: String, _ active: Bool) throws {
        let engine = try openEngine(try loadWorkspace(options))
        try reported { try engine.setActive(login: login, active: active) }
        print("\(login): \(active ? "enabled" : "disabled")")
    }

    /// `kith user password LOGIN`: set a password read from standard input.
    struct Password: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "password", abstract: "Set a user's password from standard input.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user's login.") var login: String
        func run() throws {
            guard let line = readLine(strippingNewline: true) else {
                printError("kith: give the new password (8 characters or more) on standard input")
                throw ExitCode(1)
            }
            let engine = try openEngine(try loadWorkspace(options))
            try reported { try engine.setPassword(login: login, password: line) }
            print("\(login): password changed")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a user.")

        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user's login (also the display name unless --name is given).") var login: String
        @Option(help: "A role from the schema (repeat for several).") var role: [String] = []
        @Option(help: "The user's department (kith department add creates one).") var department: String?
        @Option(help: "The login of the user's manager.") var manager: String?
        @Option(help: "The display name.") var name: String?
        @Option(help: "The email address.") var email: String?
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func validate() throws {
            guard !role.isEmpty else { throw ValidationError("give the user at least one --role") }
        }

        func run() throws {
            let engine = try openEngine(try loadWorkspace(options))
            var password: String?
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    printError("kith: --password-stdin: standard input has no password")
                    throw ExitCode(1)
                }
                password = line
            }
            let user = try reported {
                try engine.addUser(
                    login: login, name: name, email: email, roles: role, department: department, manager: manager, password: password)
            }
            var details = ["roles \(user.roles.joined(separator: ", "))"]
            if let department { details.append("department \(department)") }
            if let manager { details.append("manager \(manager)") }
            if password == nil { details.append("no password yet") }
            print("created user \(user.login) (#\(user.id)): \(details.joined(separator: "; "))")
        }
    }
}

/// `kith department add`: create a department in the tree.
struct DepartmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "department", abstract: "Manage the department tree.", subcommands: [Add.self, Edit.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a department.")

        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The department's name.") var name: String
        @Option(help: "The department above it.") var parent: String?
        @Option(help: "The login of its head.") var head: String?

        func run() throws {
            let engine = try openEngine(try loadWorkspace(options))
            do {
                let department = try engine.addDepartment(name: name, parent: parent, head: head)
                print("created department \(department.name) (#\(department.id))" + (parent.map { " under \($0)" } ?? ""))
            } catch {
                printError("kith: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit", abstract: "Rename a department, move it in the tree or change its head (what is not given stays).")

        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The department's current name.") var department: String
        @Option(help: "Its new name.") var name: String?
        @Option(help: "The department to put it under.") var parent: String?
        @Flag(help: "Put it at the top of the tree.") var top = false
        @Option(help: "The login of its new head.") var head: String?

        func validate() throws {
            if top && parent != nil { throw ValidationError("give --parent or --top, not both") }
        }

        func run() throws {
            let engine = try openEngine(try loadWorkspace(options))
            do {
                let (current, parentName, headLogin) = try engine.read(as: .system) { transaction in
                    guard let current = try transaction.department(named: department) else {
                        throw RecordError(.notFound, entity: "department", "there is no department '\(department)'")
                    }
                    return (
                        current, try current.parentID.flatMap { try transaction.department(id: $0)?.name },
                        try current.headID.flatMap { try transaction.user(id: $0)?.login }
                    )
                }
                let updated = try engine.updateDepartment(
                    current.name, name: name ?? current.name, parent: top ? nil : parent ?? parentName, head: head ?? headLogin)
                print("department \(updated.name) (#\(updated.id)) saved")
            } catch {
                printError("kith: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

/// `kith token create USER`: a new API token, printed once.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Print a new API token for a user (shown only now; it is stored hashed).")

        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user's login.") var user: String
        @Option(help: "What the token is for, to recognize it later.") var name: String = ""

        func run() throws {
            let engine = try openEngine(try loadWorkspace(options))
            do {
                print(try engine.createToken(for: user, name: name))
            } catch {
                printError("kith: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

/// Runs an engine call for a command: a failure is printed as `kith: message`, exit status 1.
@discardableResult
func reported<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("kith: \(error)")
        throw ExitCode(1)
    }
}
