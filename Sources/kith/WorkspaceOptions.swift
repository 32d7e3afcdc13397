import ArgumentParser
import Foundation
import KithSchema

/// `--workspace DIR`, shared by every command that works on a workspace.
struct WorkspaceOptions: ParsableArguments {
    /// Set when this run created `./workspace` as a demo (serve then fills it with sample data).
    nonisolated(unsafe) static var createdDemo = false

    @Option(name: .long, help: "The workspace folder (default: ./workspace, created as a demo when missing).")
    var workspace: String?

    /// The installation, or a message saying how to point at one.
    func installation() throws -> Installation {
        guard let installation = Installation.locate() else {
            throw CommandFailure(
                "cannot find Kith's installation (a folder holding schemas/kith.xsd); set KITH_HOME or run kith from inside it")
        }
        return installation
    }

    /// The workspace folder: `--workspace` (which must hold workspace.xml), else `./workspace`,
    /// created as a ready demo workspace when it does not exist.
    func folder() throws -> URL {
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        if let workspace {
            let folder = URL(fileURLWithPath: workspace, relativeTo: current).standardizedFileURL
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("workspace.xml").path) else {
                throw CommandFailure("\(workspace): no workspace.xml in this folder (--workspace must name an existing workspace)")
            }
            return folder
        }
        let folder = current.appendingPathComponent("workspace")
        if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("workspace.xml").path) {
            try WorkspaceTemplate.createDemo(at: folder)
            Self.createdDemo = true
            FileHandle.standardError.write(Data("created a demo workspace in ./workspace\n".utf8))
        }
        return folder
    }
}

/// A problem the user can fix: printed as is, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
