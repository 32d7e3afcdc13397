import Foundation
import KithSchema

/// Load + validate timings for the core schema and a generated large schema.
struct SchemaLoadBenchmark {
    let installation: Installation

    /// Milliseconds of each of `runs` loads of `files` after one warm-up load.
    func time(files: [URL], scripts: [URL], runs: Int) throws -> [Double] {
        let loader = WorkspaceLoader(installation: installation)
        _ = try loader.load(moduleFiles: files, scriptFolders: scripts)
        var timings: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            _ = try loader.load(moduleFiles: files, scriptFolders: scripts)
            let elapsed = ContinuousClock.now - start
            timings.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        return timings
    }

    /// The schema benchmarks as a Markdown table.
    func report(coreFiles: [URL], runs: Int) throws -> String {
        func row(_ name: String, _ timings: [Double], _ size: String) -> String {
            let sorted = timings.sorted()
            let p90 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.9))]
            return String(format: "| %@ | %@ | %.2f | %.2f | %.2f |", name, size, sorted[0], sorted[sorted.count / 2], p90)
        }
        let core = try time(files: coreFiles, scripts: [installation.scriptsFolder], runs: runs)
        let coreSchema = try WorkspaceLoader(installation: installation).load(
            moduleFiles: coreFiles, scriptFolders: [installation.scriptsFolder])
        let fields = coreSchema.entities.reduce(0) { $0 + $1.fields.count }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try Self.generate(entities: 300, fields: 40, into: folder)
        let large = try time(files: generated, scripts: [], runs: max(3, runs / 4))
        return [
            "| benchmark | size | min ms | median ms | p90 ms |", "|---|---|---|---|---|",
            row("core CRM: load + XSD + checks", core, "\(coreSchema.entities.count) entities, \(fields) fields"),
            row("generated: load + XSD + checks", large, "300 entities × 40 fields"),
        ].joined(separator: "\n")
    }

    /// Writes `entities` entities of `fields` fields each into module files in `folder`,
    /// with a dictionary, references between entities, a form, views and some workflows.
    static func generate(entities: Int, fields: Int, into folder: URL, perFile: Int = 30) throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var files: [URL] = []
        let types = ["text", "integer", "money", "date", "enum", "boolean", "decimal", "datetime", "email", "ref"]
        for fileIndex in 0..<((entities + perFile - 1) / perFile) {
            var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
            xml += #"<module xmlns="urn:kith:1" name="generated.m\#(fileIndex)" version="1">"# + "\n"
            if fileIndex == 0 {
                xml += #"  <dictionary name="status" label="Status" label-zh="状态">"# + "\n"
                for item in ["new", "active", "paused", "closed"] {
                    xml += #"    <item value="\#(item)" label="\#(item)" label-zh="\#(item)"/>"# + "\n"
                }
                xml += "  </dictionary>\n"
            }
            for index in (fileIndex * perFile)..<min(entities, (fileIndex + 1) * perFile) {
                xml += #"  <entity name="e\#(index)" label="Entity \#(index)" label-zh="实体\#(index)" title="f0">"# + "\n"
                for field in 0..<fields {
                    let type = field == 0 ? "text" : types[field % types.count]
                    var attributes = #"name="f\#(field)" type="\#(type)" label="Field \#(field)" label-zh="字段\#(field)""#
                    switch type {
                    case "text": attributes += #" max="200" search="\#(field == 0)""#
                    case "integer": attributes += #" min="0" max="1000000""#
                    case "money": attributes += #" min="0""#
                    case "enum": attributes += #" dictionary="status" default="new""#
                    case "ref": attributes += index == 0 ? #" entity="e0""# : #" entity="e\#(index - 1)" on-delete="set-null""#
                    default: break
                    }
                    xml += "    <field \(attributes)/>\n"
                }
                xml += "    <index fields=\"f1,f3\"/>\n"
                xml += "    <form name=\"default\"><section label=\"Main\" columns=\"2\">"
                xml += (0..<min(fields, 12)).map { "<field ref=\"f\($0)\"/>" }.joined() + "</section></form>\n"
                xml += "    <view name=\"all\" default=\"true\">"
                xml += (0..<min(fields, 6)).map { "<column field=\"f\($0)\"/>" }.joined()
                xml +=
                    #"<filter field="f4" op="in" value="new,active"/><filter field="f3" op="gte" value="$today-30d"/><sort field="updated_at" dir="desc"/></view>"#
                    + "\n"
                if index % 5 == 0 {
                    xml +=
                        #"    <workflow initial="draft"><state name="draft"/><state name="done"/><transition name="finish" from="draft" to="done"/></workflow>"#
                        + "\n"
                }
                xml += "  </entity>\n"
            }
            xml += "</module>\n"
            let file = folder.appendingPathComponent(String(format: "m%03d.xml", fileIndex))
            try Data(xml.utf8).write(to: file)
            files.append(file)
        }
        return files
    }
}
