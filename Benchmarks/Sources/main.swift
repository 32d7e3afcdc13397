import Foundation
import KithSchema

// kith-benchmarks: run in release mode from the repository root.
//   kith-benchmarks schema [RUNS]           schema loading (default)
//   kith-benchmarks store [SCALE] [FOLDER] [--reuse]
//                                           the object engine against hand-written SQL; SCALE 1 =
//                                           1M customers, 3M contacts, 2M opportunities; --reuse
//                                           measures on the data a previous run left in FOLDER
//   kith-benchmarks rules [SECTION...]      hooks on saves, the budget hook, the state pool
//                                           (sections: saves core invoke pool loop)
//   kith-benchmarks access [RECORDS]        list page and count as a rep, a manager, an executive
//                                           (KITH_BENCH_KEEP=1 keeps the database, for EXPLAIN)
//   kith-benchmarks web-data FOLDER [N]     a workspace for Benchmarks/web.py (N customers, 3 contacts
//                                           and 2 opportunities each)
//   kith-benchmarks web-parts FOLDER        the engine's share of a web request, on web-data's FOLDER
//   kith-benchmarks workflow [CUSTOMERS]    the reminder schedule over CUSTOMERS customers and an
//                                           approval step decision
// Each prints a Markdown table; results are kept in Benchmarks/README.md.

guard let installation = Installation.locate() else {
    FileHandle.standardError.write(Data("run from the repository root (schemas/kith.xsd not found)\n".utf8))
    exit(1)
}
let arguments = Array(CommandLine.arguments.dropFirst())
let coreFiles = try FileManager.default.contentsOfDirectory(atPath: installation.schemasFolder.appendingPathComponent("core").path)
    .filter { $0.hasSuffix(".xml") }.sorted()
    .map { installation.schemasFolder.appendingPathComponent("core/\($0)") }

switch arguments.first ?? "schema" {
case "store":
    let scale = arguments.dropFirst().first.flatMap(Double.init) ?? 1
    let folder = URL(
        fileURLWithPath: arguments.dropFirst(2).first
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("kith-store-bench").path)
    let schema = try WorkspaceLoader(installation: installation).load(moduleFiles: coreFiles, scriptFolders: [installation.scriptsFolder])
    var benchmark = StoreBenchmark(schema: schema, folder: folder, scale: scale)
    benchmark.reuse = arguments.contains("--reuse")
    try benchmark.run()
    print("Scale \(scale): \(benchmark.customers) customers, \(benchmark.contacts) contacts, \(benchmark.opportunities) opportunities.\n")
    print(benchmark.table())
case "access":
    let records = arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
    var benchmark = AccessBenchmark(installation: installation, coreFiles: coreFiles, records: records)
    try benchmark.run()
    print("\(records) opportunities, 30 reps in 4 branches, 400 shares with 15 of the reps.\n")
    print(benchmark.table())
case "web-data":
    guard let folder = arguments.dropFirst().first else {
        FileHandle.standardError.write(Data("usage: kith-benchmarks web-data FOLDER [CUSTOMERS]\n".utf8))
        exit(2)
    }
    let customers = arguments.dropFirst(2).first.flatMap(Int.init) ?? 100_000
    try WebData(installation: installation, folder: URL(fileURLWithPath: folder), customers: customers).run()
case "web-parts":
    try WebParts(installation: installation, folder: URL(fileURLWithPath: arguments.dropFirst().first ?? "/tmp/kith-web/workspace")).run()
case "workflow":
    let customers = arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
    var benchmark = WorkflowBenchmark(installation: installation, coreFiles: coreFiles, customers: customers)
    try benchmark.run()
    print(benchmark.table())
case "rules":
    var benchmark = RuleBenchmark(installation: installation, coreFiles: coreFiles)
    benchmark.only = Set(arguments.dropFirst())
    try benchmark.run()
    print(benchmark.table())
default:
    let runs = arguments.dropFirst().first.flatMap(Int.init) ?? 20
    print(try SchemaLoadBenchmark(installation: installation).report(coreFiles: coreFiles, runs: runs))
}
