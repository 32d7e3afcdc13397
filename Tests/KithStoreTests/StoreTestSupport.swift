import Foundation
import KithSchema
import KithStore

/// A store on a fresh temporary SQLite file with the fixture schema (or another module).
final class TestStore {
    let folder: URL
    let store: RecordStore
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-11-22 10:00 in Shanghai.
    static let now = Date(timeIntervalSince1970: 1_795_312_800)

    static func schema(_ files: [URL]) throws -> Schema {
        try WorkspaceLoader(installation: Installation(root: repository)).load(moduleFiles: files)
    }

    /// A new empty folder in the temporary directory: `kith-<purpose>-<uuid>`.
    static func folder(_ purpose: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-\(purpose)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The schema of one module whose body (entities, roles, ...) is `body`, written to a new file
    /// in `folder`.
    static func schema(module body: String, in folder: URL) throws -> Schema {
        let file = folder.appendingPathComponent("m-\(UUID().uuidString).xml")
        try Data("<module xmlns=\"urn:kith:1\" name=\"m\" version=\"1\">\(body)</module>".utf8).write(to: file)
        return try schema([file])
    }

    static var fixture: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/store.xml") }

    init(schema: Schema? = nil, clock: StoreClock = .fixed(TestStore.now)) throws {
        folder = try Self.folder("store")
        store = try RecordStore.open(
            at: folder.appendingPathComponent("kith.sqlite").path, schema: try schema ?? Self.schema([Self.fixture]), timeZone: Self.zone,
            clock: clock)
    }

    var path: String { folder.appendingPathComponent("kith.sqlite").path }

    deinit { try? FileManager.default.removeItem(at: folder) }

    static let alice = Actor(userID: 7, departmentID: 3)
    static let engine = Actor(userID: 7, departmentID: 3, origin: .engine)
}
