import Foundation
import KithSchema

// kith-benchmarks: run in release mode from the repository root.
//   swift run -c release kith-benchmarks [runs]
// Prints a Markdown table; results are kept in Benchmarks/README.md.

let runs = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20
guard let installation = Installation.locate() else {
    FileHandle.standardError.write(Data("run from the repository root (schemas/kith.xsd not found)\n".utf8))
    exit(1)
}

func row(_ name: String, _ timings: [Double], _ size: String) -> String {
    let sorted = timings.sorted()
    let median = sorted[sorted.count / 2]
    let p90 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.9))]
    return String(format: "| %@ | %@ | %.2f | %.2f | %.2f |", name, size, sorted[0], median, p90)
}

let benchmark = SchemaLoadBenchmark(installation: installation)
var rows: [String] = []

let coreFiles = try FileManager.default.contentsOfDirectory(atPath: installation.schemasFolder.appendingPathComponent("core").path)
    .filter { $0.hasSuffix(".xml") }.sorted()
    .map { installation.schemasFolder.appendingPathComponent("core/\($0)") }
let core = try benchmark.time(files: coreFiles, scripts: [installation.scriptsFolder], runs: runs)
let coreSchema = try WorkspaceLoader(installation: installation).load(moduleFiles: coreFiles, scriptFolders: [installation.scriptsFolder])
rows.append(row("core CRM: load + XSD + checks", core, "\(coreSchema.entities.count) entities, \(coreSchema.entities.reduce(0) { $0 + $1.fields.count }) fields"))

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: folder) }
let generated = try SchemaLoadBenchmark.generate(entities: 300, fields: 40, into: folder)
let large = try benchmark.time(files: generated, scripts: [], runs: max(3, runs / 4))
rows.append(row("generated: load + XSD + checks", large, "300 entities × 40 fields"))

print("| benchmark | size | min ms | median ms | p90 ms |")
print("|---|---|---|---|---|")
for line in rows { print(line) }
