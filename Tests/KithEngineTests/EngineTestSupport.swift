import Foundation
import KithEngine
import KithSchema
import KithScript
import KithStore
import Logging

/// An engine over a fresh temporary database: the core CRM with its real rules, or a schema and
/// scripts of the test's own.
final class TestEngine {
    let folder: URL
    let engine: Engine
    let log: CapturedLog

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let installation = Installation(root: repository)
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-11-22 10:00 in Shanghai.
    static let now = Date(timeIntervalSince1970: 1_795_312_800)
    static let limits = Workspace.Limits(luaInstructions: 1_000_000, luaMemoryMB: 16, hookDepth: 6)

    /// The demo workspace: the core CRM with the installation's scripts.
    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-engine-\(UUID().uuidString)")
        try WorkspaceTemplate.createDemo(at: folder.appendingPathComponent("workspace"))
        let loaded = try WorkspaceLoader(installation: Self.installation).load(workspaceAt: folder.appendingPathComponent("workspace"))
        log = CapturedLog()
        engine = try Engine.open(loaded, clock: .fixed(Self.now), logger: log.logger)
    }

    /// A schema from module text and rules from Lua sources (module path → text).
    init(module: String, scripts: [String: String], limits: Workspace.Limits = TestEngine.limits) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("module.xml")
        try Data(module.utf8).write(to: file)
        let scriptFolder = folder.appendingPathComponent("scripts")
        for (path, text) in scripts {
            let script = scriptFolder.appendingPathComponent(path + ".lua")
            try FileManager.default.createDirectory(at: script.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: script)
        }
        let schema = try WorkspaceLoader(installation: Self.installation).load(moduleFiles: [file], scriptFolders: [scriptFolder])
        let store = try RecordStore.open(
            at: folder.appendingPathComponent("kith.sqlite").path, schema: schema, timeZone: Self.zone, clock: .fixed(Self.now))
        log = CapturedLog()
        engine = Engine(store: store, rules: RuleRuntime(folders: [scriptFolder], limits: limits), logger: log.logger)
    }

    deinit {
        try? engine.store.close()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A user with roles (created once per login).
    @discardableResult
    func user(_ login: String, roles: [String] = [], department: String? = nil, manager: String? = nil) throws -> Actor {
        try engine.write(as: .system) { transaction in
            if let user = try transaction.user(login: login) { return user.actor }
            let departmentID = try department.map { name in try transaction.department(named: name)?.id ?? transaction.addDepartment(name: name) }
            let managerID = try manager.flatMap { try transaction.user(login: $0)?.id }
            let id = try transaction.addUser(login: login, name: login.capitalized, department: departmentID, manager: managerID, roles: roles)
            return Actor(userID: id, departmentID: departmentID)
        }
    }

    func count(_ entity: String) throws -> Int {
        try engine.read(as: .system) { transaction in
            try transaction.aggregate(AggregateQuery(entity: entity, aggregate: .count)).first?.count ?? 0
        }
    }
}

/// Log lines kept for assertions.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { log.append("\(event.level): \(event.message)") }
    }
}
