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

    static var fixture: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/store.xml") }

    init(schema: Schema? = nil, clock: StoreClock = .fixed(TestStore.now)) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try RecordStore.open(
            at: folder.appendingPathComponent("kith.sqlite").path, schema: try schema ?? Self.schema([Self.fixture]), timeZone: Self.zone,
            clock: clock)
    }

    var path: String { folder.appendingPathComponent("kith.sqlite").path }

    deinit { try? FileManager.default.removeItem(at: folder) }

    static let alice = Actor(userID: 7, departmentID: 3)
    static let engine = Actor(userID: 7, departmentID: 3, origin: .engine)
}
