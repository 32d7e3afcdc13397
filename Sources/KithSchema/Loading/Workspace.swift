public import Foundation

/// One company's configuration, read from `workspace.xml`.
///
///     <workspace xmlns="urn:kith:1" name="acme" timezone="Asia/Shanghai" language="zh">
///       <use module="core"/>
///       <modules path="modules"/>
///       <scripts path="scripts"/>
///       <database path="data/kith.sqlite"/>
///     </workspace>
public struct Workspace: Sendable {
    /// A `<use>` line: an installation module or a plugin.
    public enum Use: Sendable, Equatable {
        case module(String)
        case plugin(String)
    }

    /// Budgets for rules and requests (`<limits>`).
    public struct Limits: Sendable, Equatable {
        public var luaInstructions: Int = 5_000_000
        public var luaMemoryMB: Int = 64
        public var hookDepth: Int = 8
        public var requestBodyMB: Int = 32
        /// The budget of one schedule run (batch work over many records).
        public var scheduleInstructions: Int = 200_000_000

        public init(
            luaInstructions: Int = 5_000_000, luaMemoryMB: Int = 64, hookDepth: Int = 8, requestBodyMB: Int = 32,
            scheduleInstructions: Int = 200_000_000
        ) {
            self.scheduleInstructions = scheduleInstructions
            self.luaInstructions = luaInstructions
            self.luaMemoryMB = luaMemoryMB
            self.hookDepth = hookDepth
            self.requestBodyMB = requestBodyMB
        }
    }

    public let folder: URL
    public internal(set) var name: String
    public internal(set) var labels: Labels
    public internal(set) var timeZone: TimeZone
    public internal(set) var language: String
    public internal(set) var uses: [Use]
    public internal(set) var moduleFolders: [URL]
    public internal(set) var scriptFolders: [URL]
    public internal(set) var databaseFile: URL
    public internal(set) var limits: Limits
    /// `<approvals skip-owner="...">`: an approver who owns the record is skipped (default) or asked.
    public internal(set) var approvalsSkipOwner = true

    /// The workspace's `workspace.xml`.
    public var file: URL { folder.appendingPathComponent("workspace.xml") }
    public var backupsFolder: URL { folder.appendingPathComponent("backups") }
}
