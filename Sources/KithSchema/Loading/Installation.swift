public import Foundation

/// Where Kith's own files live: `schemas/` (with `kith.xsd`), `scripts/` and `plugins/`.
public struct Installation: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public var grammarFile: URL { root.appendingPathComponent("schemas/kith.xsd") }
    public var schemasFolder: URL { root.appendingPathComponent("schemas") }
    public var scriptsFolder: URL { root.appendingPathComponent("scripts") }
    public var pluginsFolder: URL { root.appendingPathComponent("plugins") }

    /// Finds the installation: `KITH_HOME`, else the current folder or its nearest ancestor holding
    /// `schemas/kith.xsd`, else the executable's folder or an ancestor of it.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        executable: URL? = Bundle.main.executableURL
    ) -> Installation? {
        if let home = environment["KITH_HOME"], !home.isEmpty {
            return Installation(root: URL(fileURLWithPath: home))
        }
        let starts = [currentDirectory, executable?.resolvingSymlinksInPath().deletingLastPathComponent()].compactMap { $0 }
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent("schemas/kith.xsd").path) {
                    return Installation(root: folder)
                }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    /// Module names `use module="..."` can take: folders (and files) under `schemas/` holding modules.
    public func availableModules() -> [String] {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(at: schemasFolder, includingPropertiesForKeys: nil) else { return [] }
        var names: Set<String> = []
        let base = schemasFolder.path + "/"
        for case let url as URL in enumerator where url.pathExtension == "xml" {
            let relative = url.deletingLastPathComponent().path.replacingOccurrences(of: base, with: "")
            if !relative.isEmpty && relative != schemasFolder.path { names.insert(relative) }
        }
        return names.sorted()
    }
}
