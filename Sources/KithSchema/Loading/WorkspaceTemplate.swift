public import Foundation

/// Writes new workspaces.
public enum WorkspaceTemplate {
    /// The `workspace.xml` of the demo workspace: the core CRM with the company's own modules and
    /// scripts folders.
    public static let demoWorkspaceXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <workspace xmlns="urn:kith:1" name="demo" label="Demo Trading Co." label-zh="演示贸易有限公司"
                   timezone="Asia/Shanghai" language="zh">
          <use module="core"/>
          <modules path="modules"/>
          <scripts path="scripts"/>
          <database path="data/kith.sqlite"/>
          <limits lua-instructions="5000000" lua-memory-mb="64" hook-depth="8"/>
        </workspace>

        """

    /// Creates `folder` as a demo workspace: workspace.xml and empty modules/, scripts/, data/, backups/.
    public static func createDemo(at folder: URL) throws {
        let manager = FileManager.default
        for sub in ["modules", "scripts/tests", "data", "backups"] {
            try manager.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Data(demoWorkspaceXML.utf8).write(to: folder.appendingPathComponent("workspace.xml"))
    }
}
